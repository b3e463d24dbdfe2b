from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = _("Invoicing")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from invoicing.models import Invoice, InvoiceLine

        # Who changed what on an invoice and its lines.
        auditlog.register(Invoice, exclude_fields=["updated_at"])
        auditlog.register(InvoiceLine)
