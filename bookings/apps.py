from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from bookings.models import Booking

        # Who changed what; the calendar's sync stamp moves with every sync and says nothing about the job.
        auditlog.register(Booking, exclude_fields=["updated_at", "calendar_synced_at"])
