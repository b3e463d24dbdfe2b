"""The staff CRM for bookings: the calendar of the coming two weeks, booking a lead into a free time, and moving,
cancelling, starting and completing a booking, always through the services (each writes the timeline)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.availability import COPENHAGEN, WorkingHours, free_slots
from bookings.models import Booking, SlotOffer
from bookings.services import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    booking_start,
    lead_job_duration,
)
from customers.admin import PhoneSearchMixin
from integrations.calendar import CalendarError
from invoicing.services import booking_complete_and_invoice
from leads.admin import ActivityInline
from leads.models import Lead
from renos.pipeline import CANCELLED, CREATED, RESCHEDULED, after_booking_change, after_invoice_issued

SLOTS_SHOWN = 6
CALENDAR_DAYS = 14
CALENDAR_YEARS = (2000, 2999)
WORK_WEEK = (0, 1, 2, 3, 4)


def local(value: datetime, fmt: str = "D d.m.Y H:i") -> str:
    """A stored UTC time as staff read it: Copenhagen time."""
    return date_format(value.astimezone(COPENHAGEN), fmt)


def calendar_problem(error: CalendarError) -> str:
    return gettext("The calendar cannot be read right now, so no time can be checked: %(error)s") % {"error": error}


# --- Forms ---------------------------------------------------------------------------------------------------


class StartForm(forms.Form):
    """A start time: the free slot whose button was pressed, or any other time typed in Copenhagen time."""

    slot = forms.CharField(required=False, widget=forms.HiddenInput)
    start = forms.DateTimeField(
        label=_("Another time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Copenhagen time; it must be free and within working hours."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("slot"):
            try:
                chosen = datetime.fromisoformat(data["slot"])
                chosen.astimezone(COPENHAGEN)  # a time at the very ends of the calendar has no local time
            except (ValueError, OverflowError):
                chosen = None
            if chosen is None or timezone.is_naive(chosen):
                raise ValidationError(_("Not a time: %(slot)s."), params={"slot": data["slot"]}, code="invalid")
            data["start"] = chosen
        elif data.get("start") is None and not self.has_error("start"):
            self.add_error("start", _("Choose one of the free times or enter another time."))
        return data


class BookLeadForm(StartForm):
    notes = forms.CharField(
        label=_("Notes for the cleaners"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Shown on the timeline."),
    )


class ConfirmForm(forms.Form):
    """No fields: pressing the button is the confirmation."""


class CompleteForm(forms.Form):
    actual_hours = forms.DecimalField(
        label=_("Actual work hours"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("All cleaners together: the hours the customer pays for."),
    )


# --- Changes to a booking ------------------------------------------------------------------------------------


def planned_work_hours(booking: Booking) -> Decimal:
    """What the customer was quoted (the lead's estimate); without one, the time on site times the cleaners."""
    return booking.lead.estimated_hours or booking.duration_hours * booking.cleaners


@dataclass(frozen=True)
class BookingAction:
    """A change staff make from a booking's page: its form, the service that makes it, and what follows."""

    label: Any
    intro: Any
    submit: Any
    done: Any  # the success message, with %(booking)s
    form: type[forms.Form]
    statuses: tuple[str, ...]  # where the button is offered; the service has the last word
    perform: Callable[[Booking, dict[str, Any]], Booking]
    follow_up: str | None = None
    offers_slots: bool = False
    initial: Callable[[Booking], dict[str, Any]] = field(default=lambda booking: {})


def complete_and_invoice(booking: Booking, data: dict[str, Any]) -> Booking:
    """Complete the booking and make its invoice (issued at once unless RENOS_ISSUE_INVOICES_AT_ONCE is off)."""
    invoice = booking_complete_and_invoice(booking=booking, actual_hours=data["actual_hours"])
    after_invoice_issued(invoice=invoice)
    return invoice.booking


BOOKING_ACTIONS = {
    "reschedule": BookingAction(
        label=_("Reschedule"),
        intro=_("Choose a free time or enter another. The calendar event moves and the customer gets an SMS."),
        submit=_("Move to this time"),
        done=_("Moved: %(booking)s. The calendar follows and the customer gets an SMS."),
        form=StartForm,
        statuses=(Booking.Status.SCHEDULED,),
        perform=lambda booking, data: booking_reschedule(booking=booking, start=data["start"]),
        follow_up=RESCHEDULED,
        offers_slots=True,
    ),
    "cancel": BookingAction(
        label=_("Cancel"),
        intro=_(
            "Cancel this booking? The time becomes free, the calendar event is deleted and the customer gets an SMS."
        ),
        submit=_("Yes, cancel the booking"),
        done=_("Cancelled: %(booking)s. The calendar follows and the customer gets an SMS."),
        form=CancelForm,
        statuses=(Booking.Status.SCHEDULED, Booking.Status.IN_PROGRESS),
        perform=lambda booking, data: booking_cancel(booking=booking, reason=data["reason"]),
        follow_up=CANCELLED,
    ),
    "start": BookingAction(
        label=_("Mark in progress"),
        intro=_("The cleaners have started this job?"),
        submit=_("Mark in progress"),
        done=_("In progress: %(booking)s."),
        form=ConfirmForm,
        statuses=(Booking.Status.SCHEDULED,),
        perform=lambda booking, data: booking_start(booking=booking),
    ),
    "complete": BookingAction(
        label=_("Complete"),
        intro=_("The job is done: record the hours actually worked. The invoice is made from them at once."),
        submit=_("Mark completed"),
        done=_("Completed: %(booking)s. The invoice is made."),
        form=CompleteForm,
        statuses=(Booking.Status.SCHEDULED, Booking.Status.IN_PROGRESS),
        perform=complete_and_invoice,
        initial=lambda booking: {"actual_hours": planned_work_hours(booking)},
    ),
}


# --- The calendar --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    booking: Booking
    times: str  # "08:00–11:30", Copenhagen time
    url: str


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_period: bool
    is_today: bool
    is_working_day: bool
    entries: list[CalendarEntry]


@dataclass(frozen=True)
class CalendarWeek:
    number: int
    days: list[CalendarDay]


def calendar_start(value: str) -> date:
    """`?start=` as a date; ValueError for anything else, and for a year no booking is in (the weeks around year 1
    or 9999 cannot even be computed)."""
    day = date.fromisoformat(value)
    if not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
        raise ValueError(f"{day} is outside the calendar")
    return day


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=COPENHAGEN)


def calendar_weeks(*, first: date, days: int, today: date) -> tuple[list[int], list[CalendarWeek]]:
    """The bookings of `days` days from `first` (cancelled ones left out) as week rows of Monday to Friday, plus
    Saturday and Sunday when one of them has a booking. One query however many bookings there are."""
    last = first + timedelta(days=days - 1)
    bookings = (
        Booking.objects.exclude(status=Booking.Status.CANCELLED)
        .filter(booking_date__gte=local_midnight(first), booking_date__lt=local_midnight(last + timedelta(days=1)))
        .select_related("service_type")
        .order_by("booking_date", "id")
    )
    by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
    for booking in bookings:
        start, end = booking.booking_date.astimezone(COPENHAGEN), booking.ends_at.astimezone(COPENHAGEN)
        url = reverse("admin:bookings_booking_change", args=[booking.pk])
        by_day[start.date()].append(CalendarEntry(booking=booking, times=f"{start:%H:%M}–{end:%H:%M}", url=url))
    weekend = sorted({day.weekday() for day in by_day} - set(WORK_WEEK))
    weekdays = [*WORK_WEEK, *weekend]
    hours = WorkingHours.from_settings()
    weeks = []
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        week = [monday + timedelta(days=weekday) for weekday in weekdays]
        cells = [
            CalendarDay(
                day=day,
                in_period=first <= day <= last,
                is_today=day == today,
                is_working_day=hours.is_working_day(day),
                entries=by_day.get(day, []),
            )
            for day in week
        ]
        weeks.append(CalendarWeek(number=monday.isocalendar().week, days=cells))
        monday += timedelta(days=7)
    return weekdays, weeks


# --- Admins --------------------------------------------------------------------------------------------------


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
    readonly_fields = ("google_calendar_event_id", "calendar_synced_at", "created_at", "updated_at")
    # Once booked, the time and the status change only through the buttons: the services write the timeline, and
    # the calendar and the customer follow.
    readonly_after_booking = ("status", "booking_date", "actual_hours")
    inlines = (ActivityInline,)

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

    # --- Views ---

    def book_view(self, request: HttpRequest, lead_id: Any) -> HttpResponse:
        """Book a lead: the next free slots as buttons, or any other time; through booking_create."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        lead = Lead.objects.select_related("service_type").filter(pk=lead_id).first()
        if lead is None:
            raise Http404(gettext("No lead with this id."))
        form = BookLeadForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data

            def book() -> Booking:
                booking = booking_create(lead=lead, start=data["start"], notes=data["notes"])
                after_booking_change(booking=booking, change=CREATED)
                return booking

            booking = self._perform(form, book)
            if booking is not None:
                message = gettext("Booked: %(booking)s. The calendar follows and the customer gets the confirmation.")
                self.message_user(request, message % {"booking": booking}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        problems: list[str] = []
        slots: list[tuple[str, str]] = []
        try:
            duration = lead_job_duration(lead)
        except ValidationError as exc:
            problems += exc.messages
        else:
            slots = self._slots(duration=duration, problems=problems)
        active = lead.bookings.filter(status__in=[Booking.Status.SCHEDULED, Booking.Status.IN_PROGRESS])
        context = {
            "title": gettext("Book %(lead)s") % {"lead": lead},
            "lead": lead,
            "lead_opts": Lead._meta,
            "form": form,
            "offers_slots": True,
            "slots": slots,
            "problems": problems,
            "active_bookings": list(active.order_by("booking_date", "id")),
            "intro": gettext("Choose a free time or enter another. The customer gets the confirmation."),
            "submit": gettext("Book at this time"),
        }
        return self._render(request, "admin/bookings/booking_form.html", context)

    def booking_action_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        action = BOOKING_ACTIONS[name]
        booking = self.get_object(request, unquote(object_id))
        if booking is None:
            raise Http404(gettext("No booking with this id."))
        if not self.has_change_permission(request, booking):
            raise PermissionDenied
        form = action.form(request.POST if request.method == "POST" else None, initial=action.initial(booking))
        if form.is_bound and form.is_valid():
            data = form.cleaned_data

            def perform() -> Booking:
                changed = action.perform(booking, data)
                if action.follow_up:
                    after_booking_change(booking=changed, change=action.follow_up)
                return changed

            changed = self._perform(form, perform)
            if changed is not None:
                self.message_user(request, action.done % {"booking": changed}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
        problems: list[str] = []
        slots: list[tuple[str, str]] = []
        if action.offers_slots:
            duration = timedelta(hours=float(booking.duration_hours))
            slots = self._slots(duration=duration, problems=problems, exclude_booking=booking)
        context = {
            "title": f"{action.label}: {booking}",
            "booking": booking,
            "form": form,
            "offers_slots": action.offers_slots,
            "slots": slots,
            "problems": problems,
            "intro": action.intro,
            "submit": action.submit,
        }
        return self._render(request, "admin/bookings/booking_form.html", context)

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        """The coming two weeks' bookings as a week grid; `?start=YYYY-MM-DD` moves it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate(timezone=COPENHAGEN)
        first = today
        if request.GET.get("start"):
            try:
                first = calendar_start(request.GET["start"])
            except ValueError:
                message = gettext("%(value)s is not a date (YYYY-MM-DD); showing from today.")
                self.message_user(request, message % {"value": request.GET["start"]}, messages.WARNING)
        weekdays, weeks = calendar_weeks(first=first, days=CALENDAR_DAYS, today=today)
        last = first + timedelta(days=CALENDAR_DAYS - 1)
        url = reverse("admin:bookings_booking_calendar")
        context = {
            "title": gettext("Calendar"),
            "period": f"{date_format(first, 'j M Y')} – {date_format(last, 'j M Y')}",
            "weekdays": [WEEKDAYS[weekday] for weekday in weekdays],
            "weeks": weeks,
            "previous_url": f"{url}?{urlencode({'start': (first - timedelta(days=7)).isoformat()})}",
            "next_url": f"{url}?{urlencode({'start': (first + timedelta(days=7)).isoformat()})}",
            "today_url": url,
            "statuses": [status for status in Booking.Status if status != Booking.Status.CANCELLED],
        }
        return self._render(request, "admin/bookings/calendar.html", context)

    # --- Helpers ---

    def _perform(self, form: forms.Form, change: Callable[[], Booking]) -> Booking | None:
        """Run a service call and queue what follows, in one transaction; what the service refuses becomes a form
        error (and nothing is queued)."""
        try:
            with transaction.atomic():
                return change()
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except CalendarError as exc:
            form.add_error(None, calendar_problem(exc))
        return None

    def _slots(
        self, *, duration: timedelta, problems: list[str], exclude_booking: Booking | None = None
    ) -> list[tuple[str, str]]:
        """The next free slots as (value to post, label in Copenhagen time); a calendar that cannot be read is a
        problem shown on the page, and any other time can still be typed in."""
        try:
            starts = free_slots(duration=duration, count=SLOTS_SHOWN, exclude_booking=exclude_booking)
        except CalendarError as exc:
            problems.append(calendar_problem(exc))
            return []
        return [(start.isoformat(), f"{local(start)}–{local(start + duration, 'H:i')}") for start in starts]

    def _render(self, request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, template, {**self.admin_site.each_context(request), "opts": self.opts, **context}
        )
