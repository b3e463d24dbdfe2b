"""Every write to invoices: the invoice of a completed job, issuing with a gapless number, payments, credit notes,
the overdue sweep and payment reminders. An issued invoice is never edited or deleted: a credit note reverses it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_complete
from customers.services import customer_update_stats
from invoicing.models import Invoice, InvoiceLine, InvoiceNumberCounter, local_today
from invoicing.vat import line_amount, totals_of
from leads.models import Activity, Lead
from leads.services import activity_create, lead_set_status, money
from messaging.models import Direction, EmailMessage, EmailTemplate
from messaging.outbound import EmailDraft, SendOutcomeUnknown, email_send_once, message_id_for
from messaging.rendering import DANISH_MONTHS, company_context, email_template_active, email_template_render
from messaging.services import conversation_create
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


# --- Payments and credit notes ---------------------------------------------------------------------------------


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, amount: Decimal, paid_on: date) -> Invoice:
    """Record a payment. The full balance makes the invoice paid (and counts in the customer's revenue); less is a
    part payment: the invoice stays sent (or overdue) for the rest, and reminders ask for the rest."""
    amount = money(Decimal(amount))
    if amount <= 0:
        raise ValidationError({"amount": "Beløbet skal være over 0 kr."}, code="not_positive")
    if paid_on > local_today():
        raise ValidationError({"date": "Betalingsdatoen kan ikke ligge i fremtiden."}, code="future")
    # Lock the invoice: two payments recorded at once must both count, and it must not be marked paid twice.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.is_credit_note or locked.status not in Invoice.OPEN_STATUSES:
        raise ValidationError(
            {"status": f"Kun sendte eller forfaldne fakturaer kan betales (denne er {locked.get_status_display()})."},
            code="not_open",
        )
    if amount > locked.balance:
        raise ValidationError(
            {"amount": f"Beløbet er større end restbeløbet på {dkk(locked.balance)}."}, code="too_much"
        )
    locked.amount_paid += amount
    lead = Lead.objects.filter(pk=locked.lead_id).first()
    if locked.balance == 0:
        locked.status = Invoice.Status.PAID
        locked.paid_date = datetime.combine(paid_on, time.min, tzinfo=timezone.get_default_timezone())
        title, note = f"Faktura nr. {locked.invoice_number} betalt", f"{dkk(amount)} modtaget {danish_date(paid_on)}"
    else:
        title = f"Delbetaling på faktura nr. {locked.invoice_number}"
        note = f"{dkk(amount)} modtaget {danish_date(paid_on)}; mangler {dkk(locked.balance)}"
    locked.save(update_fields=["amount_paid", "status", "paid_date", "updated_at"])
    activity_create(
        lead=lead,
        booking=locked.booking,
        invoice=locked,
        type=Activity.Type.INVOICE,
        title=title,
        description=note,
        status=Activity.Status.SUCCESS,
        metadata={"amount": str(amount), "date": paid_on.isoformat()},
    )
    if locked.status == Invoice.Status.PAID and locked.customer_id:
        customer_update_stats(customer=locked.customer)
    return locked


@transaction.atomic
def invoice_credit(*, invoice: Invoice, reason: str = "") -> Invoice:
    """Reverse an issued invoice with a credit note: a new invoice with its own number from the same sequence and
    the lines with the quantities turned negative; the original becomes credited and is otherwise left as it was."""
    # Lock the invoice: two clicks must not write two credit notes, nor credit it while a payment is recorded.
    original = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if original.is_credit_note:
        raise ValidationError({"status": "En kreditnota kan ikke krediteres."}, code="credit_note")
    if original.status == Invoice.Status.CREDITED:
        raise ValidationError({"status": "Fakturaen er allerede krediteret."}, code="credited")
    if original.status not in Invoice.CREDITABLE_STATUSES:
        raise ValidationError({"status": "En kladde krediteres ikke; den kan rettes eller slettes."}, code="draft")
    was_paid = original.status == Invoice.Status.PAID
    note = Invoice.objects.create(
        lead=original.lead,
        booking=original.booking,
        customer=original.customer,
        credited_invoice=original,
        customer_name=original.customer_name,
        customer_email=original.customer_email,
        customer_address=original.customer_address,
        service_description=f"Kreditering af faktura nr. {original.invoice_number}"
        + (f": {reason.strip()}" if reason.strip() else ""),
        hours_worked=-original.hours_worked,
        hourly_rate=original.hourly_rate,
        vat_rate=original.vat_rate,
        delivery_date=original.delivery_date,
        subtotal=Decimal("0.00"),
        vat_amount=Decimal("0.00"),
        total_amount=Decimal("0.00"),
    )
    reversed_lines = [
        InvoiceLine(
            invoice=note,
            position=line.position,
            description=line.description,
            quantity=-line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line_amount(quantity=-line.quantity, unit_price=line.unit_price),
        )
        for line in original.billed_lines()
    ]
    InvoiceLine.objects.bulk_create(reversed_lines)
    totals = totals_of((line.amount for line in reversed_lines), rate=note.vat_rate)
    note.subtotal, note.vat_amount, note.total_amount = totals.subtotal, totals.vat, totals.total
    # Nothing to pay on a credit note: no due date, so the overdue sweep never picks it up.
    _stamp_issued(note, due_in_days=None)
    original.status = Invoice.Status.CREDITED
    original.save(update_fields=["status", "updated_at"])
    lead = Lead.objects.filter(pk=original.lead_id).first()
    activity_create(
        lead=lead,
        booking=original.booking,
        invoice=original,
        type=Activity.Type.INVOICE,
        title=f"Faktura nr. {original.invoice_number} krediteret",
        description=f"Kreditnota nr. {note.invoice_number}" + (f": {reason.strip()}" if reason.strip() else ""),
        status=Activity.Status.WARNING,
    )
    activity_create(
        lead=lead,
        booking=original.booking,
        invoice=note,
        type=Activity.Type.INVOICE,
        title=f"Kreditnota nr. {note.invoice_number} udstedt",
        description=f"{dkk(note.total_amount)} inkl. moms, krediterer faktura nr. {original.invoice_number}",
    )
    if was_paid and original.customer_id:
        customer_update_stats(customer=original.customer)
    return note


# --- Overdue and reminders -------------------------------------------------------------------------------------


def invoices_mark_overdue(*, today: date) -> int:
    """One UPDATE: every sent invoice past its due date (in Copenhagen) becomes overdue. Returns how many."""
    return Invoice.objects.filter(status=Invoice.Status.SENT, due_date__lt=today).update(
        status=Invoice.Status.OVERDUE, updated_at=timezone.now()
    )


def invoices_needing_reminder(*, today: date) -> list[UUID]:
    """Overdue invoices that may get a reminder today: fewer than RENOS_MAX_REMINDERS so far, and none within the
    last RENOS_REMINDER_INTERVAL_DAYS days (counted in days, so a reminder sent at 07:00:05 is due again on the
    same weekday, whatever second the sweep runs). One query."""
    return list(
        Invoice.objects.filter(
            _reminder_allowed(today=today),
            status=Invoice.Status.OVERDUE,
        ).values_list("pk", flat=True)
    )


def invoice_reminder_refusal(*, invoice: Invoice, today: date | None = None) -> str | None:
    """Why no reminder may go out for this invoice today (Danish, for staff), or None when one may."""
    today = today or local_today()
    if invoice.is_credit_note or not Invoice.objects.overdue(today).filter(pk=invoice.pk).exists():
        return "Fakturaen er ikke forfalden."
    if not invoice.customer_email:
        return "Kunden har ingen e-mailadresse."
    if invoice.reminder_count >= settings.RENOS_MAX_REMINDERS:
        return f"Der er allerede sendt {invoice.reminder_count} påmindelser (højst {settings.RENOS_MAX_REMINDERS})."
    if not Invoice.objects.filter(_reminder_allowed(today=today), pk=invoice.pk).exists():
        last = timezone.localtime(invoice.last_reminder_at, timezone.get_default_timezone()).date()
        next_day = last + timedelta(days=settings.RENOS_REMINDER_INTERVAL_DAYS)
        return f"Der blev sendt en påmindelse {danish_date(last)}; den næste kan sendes {danish_date(next_day)}."
    return None


def _reminder_allowed(*, today: date) -> Q:
    interval = settings.RENOS_REMINDER_INTERVAL_DAYS
    # Sent before the start of (today − interval + 1 day): on or before the day `interval` days ago.
    cutoff = datetime.combine(today - timedelta(days=interval - 1), time.min, tzinfo=timezone.get_default_timezone())
    return (
        Q(credited_invoice__isnull=True, reminder_count__lt=settings.RENOS_MAX_REMINDERS)
        & ~Q(customer_email="")
        & (Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lt=cutoff))
    )


def invoice_send_reminder(*, invoice: Invoice) -> EmailMessage | None:
    """Email the customer reminder number n (the `invoice_reminder` template) at most once, and record it on the
    invoice and the timeline. None when no reminder is due or it was sent already.

    Raises MailError when the send fails (the task retries; the same Message-ID means the same email).
    """
    prepared = _prepare_reminder(invoice=invoice)
    if prepared is None:
        return None
    number, conversation, draft = prepared
    try:
        record = email_send_once(conversation=conversation, draft=draft)
    except SendOutcomeUnknown:
        activity_create(
            lead=Lead.objects.filter(pk=invoice.lead_id).first(),
            invoice=invoice,
            type=Activity.Type.EMAIL,
            title=f"Betalingspåmindelse {number} uvis",
            description="Påmindelsen blev påbegyndt, men det er uvist, om den blev sendt. Tjek udbakken.",
            status=Activity.Status.ERROR,
        )
        return None
    if record is None:
        # Sent by an earlier attempt that stopped before recording it: record it now, never send it again.
        record = EmailMessage.objects.filter(
            rfc822_message_id=draft.message_id, direction=Direction.OUTBOUND, status=EmailMessage.Status.SENT
        ).first()
        if record is None:
            return None
    return record if _record_reminder(invoice=invoice, number=number, record=record) else None


@transaction.atomic
def _prepare_reminder(*, invoice: Invoice) -> tuple[int, object, EmailDraft] | None:
    locked = Invoice.objects.select_related("lead", "customer").get(pk=invoice.pk)
    if invoice_reminder_refusal(invoice=locked) is not None:
        return None
    if locked.status == Invoice.Status.SENT:
        # Past due before the morning sweep got to it.
        Invoice.objects.filter(pk=locked.pk, status=Invoice.Status.SENT).update(status=Invoice.Status.OVERDUE)
    number = locked.reminder_count + 1
    context = {
        **company_context(),
        "invoice": locked,
        "customer_name": locked.customer_name,
        "invoice_number": locked.invoice_number,
        "amount": locked.balance,
        "total_amount": locked.total_amount,
        "due_date": danish_date(locked.due_date),
        "payment_info": settings.RENOS_PAYMENT_INFO,
        "reminder_number": number,
    }
    rendered = email_template_render(
        template=email_template_active(template_type=EmailTemplate.Type.INVOICE_REMINDER), context=context
    )
    draft = EmailDraft(
        to=locked.customer_email,
        subject=rendered.subject,
        body=rendered.body,
        message_id=message_id_for("invoice-reminder", f"{locked.pk}-{number}"),
    )
    conversation = (locked.lead.conversations.order_by("created_at").first() if locked.lead else None) or (
        conversation_create(customer=locked.customer, lead=locked.lead, subject=f"Faktura nr. {locked.invoice_number}")
    )
    return number, conversation, draft


@transaction.atomic
def _record_reminder(*, invoice: Invoice, number: int, record: EmailMessage) -> bool:
    # Only from n − 1 to n: a second worker recording the same reminder changes nothing.
    counted = Invoice.objects.filter(pk=invoice.pk, reminder_count=number - 1).update(
        reminder_count=number, last_reminder_at=record.sent_at or timezone.now(), updated_at=timezone.now()
    )
    if not counted:
        return False
    invoice.refresh_from_db()
    activity_create(
        lead=Lead.objects.filter(pk=invoice.lead_id).first(),
        invoice=invoice,
        type=Activity.Type.EMAIL,
        title=f"Betalingspåmindelse {number} sendt",
        description=f"{dkk(invoice.balance)} til {record.to_address}",
        status=Activity.Status.WARNING,
        metadata={"email_message": str(record.pk), "reminder": number},
    )
    return True


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


def invoice_record_reminder_error(*, invoice: Invoice, error: str) -> None:
    """A reminder that cannot be sent (a bad address, a refused sender): on the timeline for staff."""
    activity_create(
        lead=Lead.objects.filter(pk=invoice.lead_id).first(),
        invoice=invoice,
        type=Activity.Type.EMAIL,
        title="Betalingspåmindelse kunne ikke sendes",
        description=error[:500],
        status=Activity.Status.ERROR,
    )
