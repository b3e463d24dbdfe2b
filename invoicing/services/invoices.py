"""Invoices of completed jobs: drafts and their lines, and issuing with a gapless number."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_complete
from invoicing.models import Invoice, InvoiceLine, InvoiceNumberCounter, local_today
from invoicing.vat import line_amount, totals_of
from leads.models import Activity, Lead
from leads.services import activity_create, lead_set_status
from messaging.rendering import DANISH_MONTHS
from messaging.templatetags.renos_format import dkk

HOURS_UNIT = "timer"
ISSUED_CANNOT_CHANGE = "Fakturaen er udstedt og kan ikke ændres eller slettes. Lav en kreditnota i stedet."


@dataclass(frozen=True)
class LineInput:
    """A line to put on an invoice: materials, travel, or the hours of the job; the price includes moms."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = "stk."


def danish_date(day: date) -> str:
    """'5. december 2026'."""
    return f"{day.day}. {DANISH_MONTHS[day.month - 1]} {day.year}"


# --- Drafts ----------------------------------------------------------------------------------------------------


@transaction.atomic
def booking_complete_and_invoice(
    *, booking: Booking, actual_hours: Decimal, extra_lines: Sequence[LineInput] = ()
) -> Invoice:
    """The job is done: the booking is completed (the lead too) and its invoice made in the same transaction, and
    issued at once unless RENOS_ISSUE_INVOICES_AT_ONCE is off (then a draft waits for staff)."""
    completed = booking_complete(booking=booking, actual_hours=actual_hours)
    invoice = invoice_create_for_booking(booking=completed, extra_lines=extra_lines)
    if settings.RENOS_ISSUE_INVOICES_AT_ONCE:
        invoice = invoice_issue(invoice=invoice)
    return invoice


@transaction.atomic
def invoice_create_for_booking(*, booking: Booking, extra_lines: Sequence[LineInput] = ()) -> Invoice:
    """A draft for a completed booking: one line for the service (the actual work hours at the booking's hourly rate
    incl. moms), then any further lines."""
    booking = Booking.objects.select_related("lead", "customer", "service_type").get(pk=booking.pk)
    if booking.status != Booking.Status.COMPLETED or booking.actual_hours is None:
        raise ValidationError({"booking": "Kun en udført booking med arbejdstimer kan faktureres."}, code="not_done")
    billed = Invoice.objects.filter(booking=booking, credited_invoice__isnull=True).exclude(
        status=Invoice.Status.CREDITED
    )
    if billed.exists():
        raise ValidationError({"booking": "Bookingen er allerede faktureret."}, code="invoiced")
    delivered = timezone.localtime(booking.booking_date, timezone.get_default_timezone()).date()
    place = ", ".join(part for part in (booking.address, booking.city) if part and part != "-")
    service = LineInput(
        description=" - ".join(part for part in (booking.service_type.name, place) if part),
        quantity=booking.actual_hours,
        unit_price=booking.hourly_rate,
        unit=HOURS_UNIT,
    )
    invoice = Invoice.objects.create(
        lead=booking.lead,
        booking=booking,
        customer=booking.customer,
        customer_name=booking.customer_name,
        customer_email=booking.customer_email,
        customer_address=_buyer_address(booking),
        service_description=service.description,
        hours_worked=booking.actual_hours,
        hourly_rate=booking.hourly_rate,
        delivery_date=delivered,
        subtotal=Decimal("0.00"),
        vat_amount=Decimal("0.00"),
        total_amount=Decimal("0.00"),
    )
    _lines_insert(invoice=invoice, lines=[service, *extra_lines])
    invoice_recalculate(invoice=invoice)
    activity_create(
        lead=booking.lead,
        booking=booking,
        invoice=invoice,
        type=Activity.Type.INVOICE,
        title="Fakturakladde oprettet",
        description=f"{dkk(invoice.total_amount)} inkl. moms",
    )
    return invoice


@transaction.atomic
def invoice_line_add(
    *, invoice: Invoice, description: str, quantity: Decimal, unit_price: Decimal, unit: str = "stk."
) -> InvoiceLine:
    """Add a line (materials, travel) to a draft; an issued invoice is refused."""
    locked = _locked_draft(invoice)
    if not description.strip():
        raise ValidationError({"description": "Beskriv linjen."}, code="required")
    if Decimal(quantity) == 0:
        raise ValidationError({"quantity": "Antallet kan ikke være 0."}, code="zero")
    (line,) = _lines_insert(
        invoice=locked, lines=[LineInput(description.strip(), Decimal(quantity), Decimal(unit_price), unit)]
    )
    invoice_recalculate(invoice=locked)
    return line


def invoice_recalculate(*, invoice: Invoice) -> Invoice:
    """A draft's amounts from its lines (after lines are added or edited); issued invoices keep theirs."""
    if invoice.is_issued:
        raise ValidationError({"status": ISSUED_CANNOT_CHANGE}, code="issued")
    lines = list(invoice.lines.all())
    for line in lines:
        amount = line_amount(quantity=line.quantity, unit_price=line.unit_price)
        if line.amount != amount:
            line.amount = amount
            line.save(update_fields=["amount"])
    totals = totals_of((line.amount for line in lines), rate=invoice.vat_rate)
    invoice.subtotal, invoice.vat_amount, invoice.total_amount = totals.subtotal, totals.vat, totals.total
    hour_lines = [line for line in lines if line.unit == HOURS_UNIT]
    if hour_lines:
        invoice.hours_worked = sum((line.quantity for line in hour_lines), Decimal("0.00"))
        invoice.hourly_rate = hour_lines[0].unit_price
    if lines:
        invoice.service_description = "\n".join(line.description for line in lines)
    invoice.save()
    return invoice


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> None:
    """Delete a draft; bookkeeping keeps every issued invoice."""
    _locked_draft(invoice).delete()


# --- Issuing ---------------------------------------------------------------------------------------------------


@transaction.atomic
def invoice_issue(*, invoice: Invoice) -> Invoice:
    """Give a draft the next number, today's date, the due date and the seller's details; the lead is invoiced."""
    # Lock the invoice: two clicks (or staff and the automatic issue) must not give one invoice two numbers.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.is_issued:
        raise ValidationError({"status": "Fakturaen er allerede udstedt."}, code="issued")
    if not locked.lines.exists() or locked.total_amount <= 0:
        raise ValidationError({"lines": "En faktura skal have linjer med et samlet beløb over 0 kr."}, code="empty")
    _stamp_issued(locked, due_in_days=settings.RENOS_PAYMENT_TERMS_DAYS)
    lead = Lead.objects.filter(pk=locked.lead_id).first()
    activity_create(
        lead=lead,
        booking=locked.booking,
        invoice=locked,
        type=Activity.Type.INVOICE,
        title=f"Faktura nr. {locked.invoice_number} udstedt",
        description=f"{dkk(locked.total_amount)} inkl. moms, forfalder {danish_date(locked.due_date)}",
        status=Activity.Status.SUCCESS,
    )
    if lead is not None and lead.status == Lead.Status.COMPLETED:
        lead_set_status(lead=lead, status=Lead.Status.INVOICED, note=f"Faktura nr. {locked.invoice_number}")
    return locked


def _stamp_issued(invoice: Invoice, *, due_in_days: int | None) -> None:
    invoice.invoice_number = _next_invoice_number()
    invoice.status = Invoice.Status.SENT
    invoice.issue_date = local_today()
    invoice.due_date = invoice.issue_date + timedelta(days=due_in_days) if due_in_days is not None else None
    invoice.sent_date = timezone.now()
    invoice.seller_name = settings.RENOS_COMPANY_NAME
    invoice.seller_address = settings.RENOS_COMPANY_ADDRESS
    invoice.seller_cvr = settings.RENOS_COMPANY_CVR
    invoice.save()


def _next_invoice_number() -> str:
    """The next number of the one sequence (invoices and credit notes), from RENOS_INVOICE_NUMBER_START."""
    # Lock the counter row until commit: two invoices issued at once must not get the same number, and an issue
    # that rolls back takes its number back with it, so the sequence has no gaps.
    counter, created = InvoiceNumberCounter.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_number": settings.RENOS_INVOICE_NUMBER_START}
    )
    if not created:
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return str(counter.last_number)


# --- Helpers ---------------------------------------------------------------------------------------------------


def _locked_draft(invoice: Invoice) -> Invoice:
    # Lock the invoice: a line added while another worker issues it would change an issued invoice.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.is_issued:
        raise ValidationError({"status": ISSUED_CANNOT_CHANGE}, code="issued")
    return locked


def _lines_insert(*, invoice: Invoice, lines: Iterable[LineInput]) -> list[InvoiceLine]:
    start = (invoice.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    rows = []
    for position, line in enumerate(lines, start=start):
        if Decimal(line.unit_price) < 0:
            raise ValidationError({"unit_price": "Prisen kan ikke være negativ."}, code="negative")
        rows.append(
            InvoiceLine(
                invoice=invoice,
                position=position,
                description=line.description[:255],
                quantity=Decimal(line.quantity),
                unit=line.unit,
                unit_price=Decimal(line.unit_price),
                amount=line_amount(quantity=line.quantity, unit_price=line.unit_price),
            )
        )
    return InvoiceLine.objects.bulk_create(rows)


def _buyer_address(booking: Booking) -> str:
    """The customer's own address when we have it, else where the job was done."""
    if booking.customer and booking.customer.address:
        return booking.customer.address
    lead = booking.lead
    town = " ".join(part for part in (lead.postal_code, booking.city or lead.city) if part)
    return ", ".join(part for part in (booking.address, town) if part and part != "-") or "-"
