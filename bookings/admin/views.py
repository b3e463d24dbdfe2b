"""The booking pages: booking a lead into a free time, and moving, cancelling, starting and completing a booking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.admin.forms import BookLeadForm, CancelForm, CompleteForm, ConfirmForm, StartForm
from bookings.availability import COPENHAGEN, free_slots
from bookings.models import Booking
from bookings.services import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    booking_start,
    lead_job_duration,
)
from integrations.calendar import CalendarError
from invoicing.services import booking_complete_and_invoice
from leads.models import Lead
from renos.pipeline import CANCELLED, CREATED, RESCHEDULED, after_booking_change, after_invoice_issued

SLOTS_SHOWN = 6


def local(value: datetime, fmt: str = "D d.m.Y H:i") -> str:
    """A stored UTC time as staff read it: Copenhagen time."""
    return date_format(value.astimezone(COPENHAGEN), fmt)


def calendar_problem(error: CalendarError) -> str:
    return gettext("The calendar cannot be read right now, so no time can be checked: %(error)s") % {"error": error}


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


class BookingViews:
    """The pages that book a lead and make each change in BOOKING_ACTIONS; mixed into BookingAdmin, which provides
    the permissions, message_user and `_render`."""

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
