from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from leads.models import Lead

        # Who changed what; the inquiry as received (the email and its analysis) never changes, so it is left out.
        auditlog.register(Lead, exclude_fields=["updated_at", "email_content", "ai_analysis"])
