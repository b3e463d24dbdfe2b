"""The staff CRM for bookings in the calendar and the slot offers texted to leads."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, SlotOffer
from customers.admin import PhoneSearchMixin
from leads.admin import ActivityInline


def local(value: object, fmt: str = "D d.m.Y H:i") -> str:
    """A stored UTC time as staff read it: Copenhagen time."""
    return date_format(timezone.localtime(value), fmt)


@admin.register(SlotOffer)
class SlotOfferAdmin(admin.ModelAdmin):
    list_display = ("lead", "status", "offered_slots", "duration_hours", "cleaners", "accepted_index", "expires_at")
    list_filter = ("status",)
    search_fields = ("lead__customer_name", "lead__customer_email", "lead__customer_phone")
    date_hierarchy = "created_at"
    list_select_related = ("lead",)
    autocomplete_fields = ("lead",)
    readonly_fields = ("offered_slots", "created_at", "updated_at")

    @admin.display(description=_("offered slots"))
    def offered_slots(self, obj: SlotOffer) -> str:
        try:
            slots = obj.slot_datetimes
        except (TypeError, ValueError):
            return str(obj.slots)
        return "; ".join(f"{number}: {local(slot)}" for number, slot in enumerate(slots, start=1))


@admin.register(Booking)
class BookingAdmin(PhoneSearchMixin, admin.ModelAdmin):
    phone_search_field = "customer_phone"
    list_display = (
        "customer_name",
        "start",
        "service_type",
        "city",
        "duration_hours",
        "cleaners",
        "total_amount",
        "status",
    )
    list_filter = ("status", "service_type")
    search_fields = ("customer_name", "customer_email", "customer_phone", "address", "city")
    date_hierarchy = "booking_date"
    list_select_related = ("service_type",)
    autocomplete_fields = ("lead", "customer", "slot_offer")
    readonly_fields = ("google_calendar_event_id", "created_at", "updated_at")
    inlines = (ActivityInline,)

    @admin.display(description=_("start (Copenhagen)"), ordering="booking_date")
    def start(self, obj: Booking) -> str:
        return local(obj.booking_date)
