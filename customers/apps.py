from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from customers.models import Customer

        # Who changed what; the statistics are recounted by the services, not edited, so they are left out.
        auditlog.register(
            Customer,
            exclude_fields=["updated_at", "total_leads", "total_bookings", "total_revenue", "last_contact_at"],
            m2m_fields={"tags"},
        )
