"""The invoice of a completed job, payments and credit notes: the state rules an accountant relies on."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice, InvoiceNumberCounter
from invoicing.services import (
    LineInput,
    booking_complete_and_invoice,
    invoice_credit,
    invoice_delete,
    invoice_issue,
    invoice_line_add,
    invoice_mark_paid,
)
from invoicing.services import invoices as invoices_module
from leads.models import Activity, Lead
from tests.factories import InvoiceFactory
from tests.invoicing.helpers import booked, completed_invoice

pytestmark = pytest.mark.django_db

ISSUE_DAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _invoicing(settings):
    settings.RENOS_INVOICE_NUMBER_START = 1001
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = True
    settings.RENOS_PAYMENT_TERMS_DAYS = 14
    settings.RENOS_COMPANY_NAME = "Rendetalje ApS"
    settings.RENOS_COMPANY_ADDRESS = "Havnegade 1, 8000 Aarhus C"
    settings.RENOS_COMPANY_CVR = "12345678"


def titles(invoice: Invoice) -> list[str]:
    return list(Activity.objects.filter(lead=invoice.lead).order_by("created_at", "id").values_list("title", flat=True))


@time_machine.travel("2026-11-23 10:00 +01:00")
def test_completing_a_booking_issues_its_invoice_at_once():
    booking = booked()

    invoice = booking_complete_and_invoice(booking=booking, actual_hours=Decimal("3.25"))

    invoice.refresh_from_db()
    (line,) = invoice.lines.all()
    assert (line.quantity, line.unit, line.unit_price, line.amount) == (
        Decimal("3.25"),
        "timer",
        Decimal("349.00"),
        Decimal("1134.25"),
    )
    assert "Fast rengøring" in line.description
    assert (invoice.total_amount, invoice.vat_amount, invoice.subtotal) == (
        Decimal("1134.25"),
        Decimal("226.85"),
        Decimal("907.40"),
    )
    assert invoice.status == Invoice.Status.SENT
    assert invoice.invoice_number == "1001"
    assert invoice.issue_date == ISSUE_DAY
    assert invoice.due_date == ISSUE_DAY + timedelta(days=14)
    assert invoice.delivery_date == booking.booking_date.date()
    assert (invoice.seller_name, invoice.seller_cvr) == ("Rendetalje ApS", "12345678")
    assert invoice.customer_name == booking.customer_name
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.COMPLETED
    assert Lead.objects.get(pk=booking.lead_id).status == Lead.Status.INVOICED
    assert titles(invoice) == [
        "Opgaven er udført",
        "Status opdateret til Udført",
        "Fakturakladde oprettet",
        "Faktura nr. 1001 udstedt",
        "Status opdateret til Faktureret",
    ]


def test_further_lines_are_added_and_the_totals_follow(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False
    travel = LineInput(description="Kørsel", quantity=Decimal("1"), unit_price=Decimal("150.00"))

    invoice = completed_invoice(hours="3.50", extra=(travel,))
    invoice_line_add(invoice=invoice, description="Materialer", quantity=Decimal("2"), unit_price=Decimal("49.95"))

    invoice.refresh_from_db()
    assert [line.amount for line in invoice.lines.all()] == [Decimal("1221.50"), Decimal("150.00"), Decimal("99.90")]
    assert invoice.total_amount == Decimal("1471.40")
    assert invoice.vat_amount == Decimal("294.28")
    assert invoice.subtotal == Decimal("1177.12")


def test_without_issue_at_once_a_draft_waits_and_the_lead_is_only_completed(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False

    draft = completed_invoice()

    assert draft.status == Invoice.Status.DRAFT
    assert draft.invoice_number is None
    assert Lead.objects.get(pk=draft.lead_id).status == Lead.Status.COMPLETED
    issued = invoice_issue(invoice=draft)
    assert issued.invoice_number == "1001"
    assert Lead.objects.get(pk=draft.lead_id).status == Lead.Status.INVOICED


def test_when_the_invoice_cannot_be_made_the_booking_is_not_completed(monkeypatch):
    booking = booked()

    def broken(**kwargs):
        raise ValidationError({"lines": "Kaput"})

    monkeypatch.setattr(invoices_module, "invoice_issue", broken)
    with pytest.raises(ValidationError):
        booking_complete_and_invoice(booking=booking, actual_hours=Decimal("3"))

    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.SCHEDULED
    assert not Invoice.objects.exists()
    assert Lead.objects.get(pk=booking.lead_id).status == Lead.Status.BOOKED


def test_an_issued_invoice_refuses_new_lines_deletion_and_a_second_issue():
    invoice = completed_invoice()

    for change in (
        lambda: invoice_line_add(invoice=invoice, description="Kørsel", quantity=Decimal(1), unit_price=Decimal(1)),
        lambda: invoice_delete(invoice=invoice),
        lambda: invoice_issue(invoice=invoice),
    ):
        with pytest.raises(ValidationError) as refused:
            change()
        assert "status" in refused.value.message_dict
    assert Invoice.objects.get(pk=invoice.pk).lines.count() == 1


def test_a_draft_can_be_deleted(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False
    draft = completed_invoice()

    invoice_delete(invoice=draft)

    assert not Invoice.objects.filter(pk=draft.pk).exists()


@time_machine.travel("2026-12-01 12:00 +01:00")
def test_a_part_payment_keeps_the_invoice_open_and_the_rest_pays_it():
    invoice = completed_invoice()  # 1221.50
    customer = invoice.customer

    partly = invoice_mark_paid(invoice=invoice, amount=Decimal("1000.00"), paid_on=date(2026, 11, 30))

    assert partly.status == Invoice.Status.SENT
    assert partly.balance == Decimal("221.50")
    assert Customer.objects.get(pk=customer.pk).total_revenue == Decimal("0.00")
    paid = invoice_mark_paid(invoice=invoice, amount=Decimal("221.50"), paid_on=date(2026, 12, 1))
    assert paid.status == Invoice.Status.PAID
    assert paid.paid_date.date() == date(2026, 12, 1)
    assert Customer.objects.get(pk=customer.pk).total_revenue == Decimal("1221.50")
    assert titles(invoice)[-2:] == ["Delbetaling på faktura nr. 1001", "Faktura nr. 1001 betalt"]


@pytest.mark.parametrize(
    ("amount", "paid_on", "field"),
    [("1221.51", date(2026, 11, 30), "amount"), ("0", date(2026, 11, 30), "amount"), ("1", date(2027, 1, 1), "date")],
)
@time_machine.travel("2026-12-01 12:00 +01:00", tick=False)
def test_more_than_the_balance_nothing_or_a_future_date_is_refused(amount, paid_on, field):
    invoice = completed_invoice()

    with pytest.raises(ValidationError) as refused:
        invoice_mark_paid(invoice=invoice, amount=Decimal(amount), paid_on=paid_on)

    assert field in refused.value.message_dict
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 0


def test_a_paid_invoice_cannot_be_paid_again_or_changed():
    invoice = completed_invoice()
    invoice_mark_paid(invoice=invoice, amount=invoice.total_amount, paid_on=invoice.issue_date)

    with pytest.raises(ValidationError, match="Kun sendte eller forfaldne"):
        invoice_mark_paid(invoice=invoice, amount=Decimal("1"), paid_on=invoice.issue_date)
    with pytest.raises(ValidationError, match="kreditnota"):
        invoice_line_add(invoice=invoice, description="Ekstra", quantity=Decimal(1), unit_price=Decimal(100))


def test_a_credit_note_reverses_a_paid_invoice_with_its_own_number():
    invoice = completed_invoice(hours="2.75", rate="349.50")  # 961.125 → 961.13
    invoice_mark_paid(invoice=invoice, amount=invoice.total_amount, paid_on=invoice.issue_date)
    assert Customer.objects.get(pk=invoice.customer_id).total_revenue == Decimal("961.13")

    note = invoice_credit(invoice=invoice, reason="Aflyst efter aftale")

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert invoice.total_amount == Decimal("961.13"), "the original is never edited"
    assert note.invoice_number == "1002"
    assert note.credited_invoice_id == invoice.pk
    assert note.status == Invoice.Status.SENT and note.due_date is None
    (line,) = note.lines.all()
    assert (line.quantity, line.unit_price, line.amount) == (Decimal("-2.75"), Decimal("349.50"), Decimal("-961.13"))
    assert (note.total_amount, note.vat_amount, note.subtotal) == (
        -invoice.total_amount,
        -invoice.vat_amount,
        -invoice.subtotal,
    )
    assert Customer.objects.get(pk=invoice.customer_id).total_revenue == Decimal("0.00")
    assert "Kreditnota nr. 1002 udstedt" in titles(invoice)


def test_an_invoice_is_credited_once_and_a_draft_or_a_credit_note_never(settings):
    invoice = completed_invoice()
    note = invoice_credit(invoice=invoice)

    with pytest.raises(ValidationError, match="allerede krediteret"):
        invoice_credit(invoice=invoice)
    with pytest.raises(ValidationError, match="kreditnota kan ikke"):
        invoice_credit(invoice=note)
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False
    with pytest.raises(ValidationError, match="kladde"):
        invoice_credit(invoice=completed_invoice())
    assert InvoiceNumberCounter.objects.get().last_number == 1002


def test_an_invoice_from_before_lines_is_credited_for_its_whole_amount():
    old = InvoiceFactory(status=Invoice.Status.SENT, invoice_number="2026-0042")  # 3.5 hours, 1221.50, no lines

    note = invoice_credit(invoice=old)

    (line,) = note.lines.all()
    assert (line.quantity, line.unit_price, line.amount) == (Decimal("-3.5"), Decimal("349.00"), Decimal("-1221.50"))
    assert note.total_amount == Decimal("-1221.50")
