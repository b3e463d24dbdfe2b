"""Leads as a spreadsheet (CSV or Excel): the export of the changelist, as filtered. Leads are never imported."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets

from customers.resources import (
    ChoiceWidget,
    IdWidget,
    LocalDateTimeWidget,
    MoneyWidget,
    PlainDateWidget,
    SpreadsheetResource,
    YesNoWidget,
    column,
)
from leads.models import Lead


class LeadResource(SpreadsheetResource):
    """One row per lead: who asked, for what, where it stands."""

    id = column("id", _("id"), IdWidget())
    created_at = column("created_at", _("created"), LocalDateTimeWidget())
    customer_name = column("customer_name", _("name"))
    customer_email = column("customer_email", _("email"))
    customer_phone = column("customer_phone", _("phone"))
    company_name = column("company_name", _("company"))
    source = column("source", _("source"), ChoiceWidget(Lead.Source))
    service = column("service_type__name", _("service"))
    address = column("address", _("address"))
    postal_code = column("postal_code", _("postal code"))
    city = column("city", _("city"))
    area_m2 = column("area_m2", _("area (m²)"), widgets.IntegerWidget())
    preferred_date = column("preferred_date", _("preferred date"), PlainDateWidget())
    estimated_hours = column("estimated_hours", _("estimated work hours"), MoneyWidget())
    estimated_price = column("estimated_price", _("estimated price incl. VAT"), MoneyWidget())
    status = column("status", _("status"), ChoiceWidget(Lead.Status))
    priority = column("priority", _("priority"), ChoiceWidget(Lead.Priority))
    needs_follow_up = column("needs_follow_up", _("needs follow-up"), YesNoWidget())
    response_sent = column("response_sent", _("response sent"), YesNoWidget())
    sms_sent = column("sms_sent", _("SMS sent"), YesNoWidget())
    notes = column("notes", _("notes"))
    customer_id = column("customer_id", _("customer id"), IdWidget())

    class Meta:
        model = Lead
        fields = (
            "id",
            "created_at",
            "customer_name",
            "customer_email",
            "customer_phone",
            "company_name",
            "source",
            "service",
            "address",
            "postal_code",
            "city",
            "area_m2",
            "preferred_date",
            "estimated_hours",
            "estimated_price",
            "status",
            "priority",
            "needs_follow_up",
            "response_sent",
            "sms_sent",
            "notes",
            "customer_id",
        )

    @classmethod
    def get_display_name(cls) -> str:
        return gettext("Leads")

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet:
        return queryset.select_related("service_type")
