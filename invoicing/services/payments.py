"""Payments on issued invoices, and credit notes that reverse them."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.services import customer_update_stats
from invoicing.models import Invoice, InvoiceLine, local_today
from invoicing.services.invoices import _stamp_issued, danish_date
from invoicing.vat import line_amount, totals_of
from leads.models import Activity, Lead
from leads.services import activity_create, money
from messaging.templatetags.renos_format import dkk


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
