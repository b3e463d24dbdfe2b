"""The staff CRM for bookings: the calendar of the coming two weeks, booking a lead into a free time, and moving,
cancelling, starting and completing a booking, always through the services (each writes the timeline).

- forms.py: the forms of the booking pages.
- views.py: booking a lead, and the changes to a booking (BOOKING_ACTIONS) with their pages.
- calendar.py: the calendar page.
- __init__.py (here): the ModelAdmins, registered with the admin site, with their URLs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from bookings.admin.calendar import CalendarView
from bookings.admin.views import BOOKING_ACTIONS, BookingViews, local
from bookings.models import Booking, SlotOffer
from bookings.resources import BookingResource
from customers.admin import AuditHistoryMixin, PhoneSearchMixin, SpreadsheetExportMixin
from leads.admin import ActivityInline


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
class BookingAdmin(
    AuditHistoryMixin, SpreadsheetExportMixin, PhoneSearchMixin, BookingViews, CalendarView, admin.ModelAdmin
):
    # The Export button joins the Calendar link of this changelist template.
    change_list_template = "admin/bookings/booking/change_list.html"
    resource_classes = (BookingResource,)
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
    readonly_fields = ("google_calendar_event_id", "calendar_synced_at", "created_at", "updated_at")
    # Once booked, the time and the status change only through the buttons: the services write the timeline, and
    # the calendar and the customer follow.
    readonly_after_booking = ("status", "booking_date", "actual_hours")
    inlines = (ActivityInline,)
    filter_horizontal = ("assigned_staff",)

    @staticmethod
    def sees_every_booking(request: HttpRequest) -> bool:
        """Office staff and superusers; a cleaner (Rengøring) sees only the jobs they are on."""
        return request.user.has_perm("bookings.view_all_bookings")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        bookings = super().get_queryset(request)
        if self.sees_every_booking(request):
            return bookings
        return bookings.filter(assigned_staff=request.user)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Booking | None:
        booking = super().get_object(request, object_id, from_field)
        if booking is None and not self.sees_every_booking(request):
            # Not one of this cleaner's jobs (whether or not it exists): refused, where the admin would redirect with
            # "perhaps it was deleted?".
            raise PermissionDenied
        return booking

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        if not self.sees_every_booking(request):
            raise PermissionDenied  # the calendar shows every job of the fortnight
        return super().calendar_view(request)

    @admin.display(description=_("start (Copenhagen)"), ordering="booking_date")
    def start(self, obj: Booking) -> str:
        return local(obj.booking_date)

    def get_readonly_fields(self, request: HttpRequest, obj: Booking | None = None) -> Any:
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_after_booking, *self.readonly_fields)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        actions = [
            path(f"<path:object_id>/{name}/", view(self.booking_action_view), {"name": name}, name=f"{info}_{name}")
            for name in BOOKING_ACTIONS
        ]
        return [
            path("calendar/", view(self.calendar_view), name=f"{info}_calendar"),
            path("book/<uuid:lead_id>/", view(self.book_view), name=f"{info}_book"),
            *actions,
            *super().get_urls(),
        ]

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False, **kwargs: Any
    ) -> HttpResponse:
        obj = kwargs.get("obj")
        if obj is not None and self.has_change_permission(request, obj):
            context["booking_actions"] = [
                (action.label, reverse(f"admin:bookings_booking_{name}", args=[obj.pk]))
                for name, action in BOOKING_ACTIONS.items()
                if obj.status in action.statuses
            ]
        return super().render_change_form(request, context, add=add, change=change, **kwargs)

    def _render(self, request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, template, {**self.admin_site.each_context(request), "opts": self.opts, **context}
        )
