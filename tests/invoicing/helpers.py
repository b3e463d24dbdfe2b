"""Invoices as the journey makes them: a booked lead whose booking is completed."""

from __future__ import annotations

from decimal import Decimal

from bookings.models import Booking
from invoicing.models import Invoice
from invoicing.services import LineInput, booking_complete_and_invoice
from leads.models import Lead
from tests.factories import BookingFactory, LeadFactory


def booked(*, rate: str = "349.00", **lead_fields) -> Booking:
    lead = LeadFactory(status=Lead.Status.BOOKED, **lead_fields)
    return BookingFactory(lead=lead, hourly_rate=Decimal(rate))


def completed_invoice(*, hours: str = "3.50", rate: str = "349.00", extra: tuple[LineInput, ...] = ()) -> Invoice:
    return booking_complete_and_invoice(booking=booked(rate=rate), actual_hours=Decimal(hours), extra_lines=extra)
