"""The morning sweep: one UPDATE marks overdue invoices, then one reminder task per invoice; reminders go out at
most once a week and three times in all, each an email recorded once and a line on the timeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from invoicing.models import Invoice
from invoicing.services import invoice_mark_paid, invoice_send_reminder, reminders
from leads.models import Activity
from messaging.models import EmailMessage
from renos import pipeline
from tests.factories import InvoiceFactory
from tests.invoicing.helpers import completed_invoice

pytestmark = pytest.mark.django_db

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
ISSUED = datetime(2026, 11, 2, 10, 0, tzinfo=COPENHAGEN)  # due 16 November
FIRST_OVERDUE_MORNING = datetime(2026, 11, 17, 7, 0, tzinfo=COPENHAGEN)


@pytest.fixture(autouse=True)
def _invoicing(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = True
    settings.RENOS_INVOICE_NUMBER_START = 1001
    settings.RENOS_PAYMENT_TERMS_DAYS = 14
    settings.RENOS_REMINDER_INTERVAL_DAYS = 7
    settings.RENOS_MAX_REMINDERS = 3
    settings.RENOS_PAYMENT_INFO = "Reg. nr. 1234, konto 5678901."


def issued_invoice() -> Invoice:
    with time_machine.travel(ISSUED):
        return completed_invoice()


def morning(day: datetime) -> int:
    with time_machine.travel(day):
        return pipeline.mark_overdue_and_remind()


def reminder_titles(invoice: Invoice) -> list[str]:
    return list(
        Activity.objects.filter(invoice=invoice, title__startswith="Betalingspåmindelse")
        .order_by("created_at")
        .values_list("title", flat=True)
    )


@pytest.mark.parametrize("invoices", [3, 30])
def test_the_sweep_costs_the_same_queries_for_3_or_30_invoices(
    invoices, monkeypatch, django_assert_num_queries, settings
):
    for n in range(invoices):
        InvoiceFactory(status=Invoice.Status.SENT, invoice_number=f"T{n}", due_date=date(2026, 11, 1))
    queued = []
    monkeypatch.setattr(pipeline.send_invoice_reminder, "delay", lambda **kwargs: queued.append(kwargs))

    # The UPDATE, then the ids of the invoices whose reminder is due.
    with time_machine.travel(FIRST_OVERDUE_MORNING), django_assert_num_queries(2):
        pipeline.mark_overdue_and_remind()

    assert Invoice.objects.filter(status=Invoice.Status.OVERDUE).count() == invoices
    assert len(queued) == invoices


def test_only_sent_invoices_past_their_due_date_become_overdue(monkeypatch):
    monkeypatch.setattr(pipeline.send_invoice_reminder, "delay", lambda **kwargs: None)
    due_yesterday = InvoiceFactory(status=Invoice.Status.SENT, invoice_number="1", due_date=date(2026, 11, 16))
    due_today = InvoiceFactory(status=Invoice.Status.SENT, invoice_number="2", due_date=date(2026, 11, 17))
    paid = InvoiceFactory(status=Invoice.Status.PAID, invoice_number="3", due_date=date(2026, 11, 1))
    draft = InvoiceFactory(due_date=date(2026, 11, 1))
    credit_note = InvoiceFactory(status=Invoice.Status.SENT, invoice_number="4", due_date=None)

    morning(FIRST_OVERDUE_MORNING)

    statuses = {inv.pk: inv.status for inv in Invoice.objects.all()}
    assert statuses[due_yesterday.pk] == Invoice.Status.OVERDUE
    assert statuses[due_today.pk] == Invoice.Status.SENT
    assert statuses[paid.pk] == Invoice.Status.PAID
    assert statuses[draft.pk] == Invoice.Status.DRAFT
    assert statuses[credit_note.pk] == Invoice.Status.SENT


def test_reminders_go_out_once_a_week_and_three_times_in_all(celery_eager):
    invoice = issued_invoice()
    sent_by_day = {}

    for day in range(0, 30):
        before = len(mail.outbox)
        morning(FIRST_OVERDUE_MORNING + timedelta(days=day))
        sent_by_day[day] = len(mail.outbox) - before

    assert [day for day, sent in sent_by_day.items() if sent] == [0, 7, 14]
    assert sum(sent_by_day.values()) == 3
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OVERDUE
    assert invoice.reminder_count == 3
    assert reminder_titles(invoice) == [
        "Betalingspåmindelse 1 sendt",
        "Betalingspåmindelse 2 sendt",
        "Betalingspåmindelse 3 sendt",
    ]
    ids = set(EmailMessage.objects.values_list("rfc822_message_id", flat=True))
    assert ids == {f"<invoice-reminder-{invoice.pk}-{n}@rendetalje.dk>" for n in (1, 2, 3)}


def test_the_reminder_says_number_amount_due_date_and_how_to_pay_in_danish(celery_eager):
    invoice = issued_invoice()

    morning(FIRST_OVERDUE_MORNING)

    (email,) = mail.outbox
    assert email.to == [invoice.customer_email]
    assert "faktura nr. 1001" in email.subject
    assert "1.221,50 kr." in email.body
    assert "16. november 2026" in email.body
    assert "Reg. nr. 1234, konto 5678901." in email.body


def test_after_a_part_payment_the_reminder_asks_for_the_rest(celery_eager):
    invoice = issued_invoice()
    with time_machine.travel(ISSUED + timedelta(days=1)):
        invoice_mark_paid(invoice=invoice, amount=Decimal("1000.00"), paid_on=date(2026, 11, 3))

    morning(FIRST_OVERDUE_MORNING)

    (email,) = mail.outbox
    assert "221,50 kr." in email.body and "1.221,50" not in email.body


def test_a_paid_invoice_gets_no_reminder(celery_eager):
    invoice = issued_invoice()
    morning(FIRST_OVERDUE_MORNING)
    with time_machine.travel(FIRST_OVERDUE_MORNING + timedelta(days=1)):
        invoice_mark_paid(invoice=invoice, amount=invoice.total_amount, paid_on=date(2026, 11, 18))

    morning(FIRST_OVERDUE_MORNING + timedelta(days=7))

    assert len(mail.outbox) == 1


def test_a_reminder_task_that_runs_twice_sends_once(celery_eager):
    invoice = issued_invoice()
    morning(FIRST_OVERDUE_MORNING)

    with time_machine.travel(FIRST_OVERDUE_MORNING + timedelta(minutes=5)):
        assert pipeline.send_invoice_reminder(invoice_id=str(invoice.pk)) == "skipped"
        assert invoice_send_reminder(invoice=invoice) is None

    assert len(mail.outbox) == 1
    assert Invoice.objects.get(pk=invoice.pk).reminder_count == 1


def test_a_reminder_sent_but_not_recorded_is_recorded_by_the_retry_without_a_second_email(monkeypatch):
    invoice = issued_invoice()
    real = reminders._record_reminder

    def crash(**kwargs):
        raise RuntimeError("the worker died after the send")

    with time_machine.travel(FIRST_OVERDUE_MORNING):
        monkeypatch.setattr(reminders, "_record_reminder", crash)
        with pytest.raises(RuntimeError):
            invoice_send_reminder(invoice=invoice)
        monkeypatch.setattr(reminders, "_record_reminder", real)

        record = invoice_send_reminder(invoice=invoice)

    assert record is not None
    assert len(mail.outbox) == 1
    assert Invoice.objects.get(pk=invoice.pk).reminder_count == 1
    assert reminder_titles(invoice) == ["Betalingspåmindelse 1 sendt"]
