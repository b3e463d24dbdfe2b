"""Bookings as a spreadsheet (CSV or Excel): the export of the changelist, as filtered. Bookings are never imported."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets

from bookings.models import Booking
from customers.resources import ChoiceWidget, IdWidget, LocalDateTimeWidget, MoneyWidget, SpreadsheetResource, column


class BookingResource(SpreadsheetResource):
    """One row per booking: when (Copenhagen time), where, for whom, and what it costs."""

    id = column("id", _("id"), IdWidget())
    start = column("booking_date", _("start"), LocalDateTimeWidget())
    status = column("status", _("status"), ChoiceWidget(Booking.Status))
    customer_name = column("customer_name", _("name"))
    customer_email = column("customer_email", _("email"))
    customer_phone = column("customer_phone", _("phone"))
    service = column("service_type__name", _("service"))
    address = column("address", _("address"))
    city = column("city", _("city"))
    duration_hours = column("duration_hours", _("hours on site"), MoneyWidget())
    cleaners = column("cleaners", _("cleaners"), widgets.IntegerWidget())
    hourly_rate = column("hourly_rate", _("hourly rate incl. VAT"), MoneyWidget())
    total_amount = column("total_amount", _("total incl. VAT"), MoneyWidget())
    actual_hours = column("actual_hours", _("actual work hours"), MoneyWidget())
    notes = column("notes", _("notes"))
    created_at = column("created_at", _("created"), LocalDateTimeWidget())
    lead_id = column("lead_id", _("lead id"), IdWidget())
    customer_id = column("customer_id", _("customer id"), IdWidget())

    class Meta:
        model = Booking
        fields = (
            "id",
            "start",
            "status",
            "customer_name",
            "customer_email",
            "customer_phone",
            "service",
            "address",
            "city",
            "duration_hours",
            "cleaners",
            "hourly_rate",
            "total_amount",
            "actual_hours",
            "notes",
            "created_at",
            "lead_id",
            "customer_id",
        )

    @classmethod
    def get_display_name(cls) -> str:
        return gettext("Bookings")

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet:
        return queryset.select_related("service_type")
