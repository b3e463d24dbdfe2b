"""What customers read about their booking (SMS, the calendar event), in Danish with real dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from bookings.models import Booking
from integrations.calendar import CalendarEvent, event_id_for
from leads.models import Lead
from messaging.rendering import DANISH_WEEKDAYS, company_context, danish_datetime
from messaging.templatetags.renos_format import dkk, timer

SHORT_MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")


def short_datetime(value: datetime) -> str:
    """'tirsdag 2. dec. kl. 10:00' in Copenhagen time."""
    local = timezone.localtime(value)
    return f"{DANISH_WEEKDAYS[local.weekday()]} {local.day}. {SHORT_MONTHS[local.month - 1]} kl. {local:%H:%M}"


def _first_name(name: str) -> str:
    return (name or "").split(" ")[0]


def _lead_context(lead: Lead) -> dict[str, Any]:
    return {
        **company_context(),
        "first_name": _first_name(lead.customer_name),
        "service_name": lead.service_type.name if lead.service_type else "rengøring",
        "estimated_hours": lead.estimated_hours,
        "estimated_price": lead.estimated_price,
        "cleaners": lead.cleaners,
        "hours_on_site": lead.hours_on_site,
        "has_email": bool(lead.customer_email),
    }


def offer_sms(*, lead: Lead, slots: list[datetime], intro: str = "") -> str:
    numbered = [{"emoji": KEYCAPS[index], "text": short_datetime(slot)} for index, slot in enumerate(slots)]
    numbers = [str(index + 1) for index in range(len(slots))]
    choices = numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} eller {numbers[-1]}"
    context = {**_lead_context(lead), "slots": numbered, "intro": intro, "choices": choices}
    return render_to_string("sms/booking_options.txt", context).strip()


def clarification_sms() -> str:
    return render_to_string("sms/clarification.txt", company_context()).strip()


def booking_context(booking: Booking) -> dict[str, Any]:
    """What a message may say about a booking (SMS templates and the booking_confirmation email)."""
    lead = booking.lead
    return {
        **_lead_context(lead),
        "booking": booking,
        "first_name": _first_name(booking.customer_name),
        "service_name": booking.service_type.name,
        "start": short_datetime(booking.booking_date),
        "start_long": danish_datetime(booking.booking_date),
        "address": full_address(booking),
        "estimated_price": booking.total_amount,
        "hours_on_site": booking.duration_hours,
        "cleaners": booking.cleaners,
    }


def booking_sms(booking: Booking, template: str) -> str:
    """The confirmation, reminder, rescheduled or cancelled SMS."""
    return render_to_string(f"sms/{template}.txt", booking_context(booking)).strip()


def full_address(booking: Booking) -> str:
    lead = booking.lead
    town = " ".join(part for part in (lead.postal_code, booking.city) if part)
    return ", ".join(part for part in (booking.address, town) if part)


def calendar_event(booking: Booking) -> CalendarEvent:
    """The job in the calendar: Danish summary and description; no attendees, so Google never mails the customer."""
    # The work quoted and priced (see _booking_insert), not the time on site times the cleaners, which is rounded up.
    estimate = booking.lead.estimated_hours
    work_hours = estimate if estimate is not None else booking.duration_hours * booking.cleaners
    lines = [
        f"Kunde: {booking.customer_name}",
        f"Telefon: {booking.customer_phone or '-'}",
        f"E-mail: {booking.customer_email or '-'}",
        f"Adresse: {full_address(booking)}",
        f"Opgave: {booking.service_type.name}",
        f"Rengøringsassistenter: {booking.cleaners}",
        f"Tid på adressen: {timer(booking.duration_hours)} timer ({timer(work_hours)} arbejdstimer)",
        f"Pris (overslag): {dkk(booking.total_amount)} inkl. moms",
    ]
    if booking.notes:
        lines.append(f"Noter: {booking.notes}")
    return CalendarEvent(
        event_id=booking.google_calendar_event_id or event_id_for(booking.pk),
        summary=f"{booking.service_type.name} - {booking.customer_name}",
        description="\n".join(lines),
        location=full_address(booking),
        start=booking.booking_date,
        end=booking.ends_at,
    )
