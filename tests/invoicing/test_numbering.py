"""Invoice numbers: one gapless sequence from a configurable start, given when issued, never twice, even when
several invoices are issued at the same moment."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from invoicing.models import Invoice
from invoicing.services import invoice_credit, invoice_issue
from tests.invoicing.helpers import completed_invoice


@pytest.fixture(autouse=True)
def _drafts_first(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False
    settings.RENOS_INVOICE_NUMBER_START = 1001


@pytest.mark.django_db
def test_numbers_start_at_the_setting_and_count_on_for_invoices_and_credit_notes(settings):
    settings.RENOS_INVOICE_NUMBER_START = 5000
    drafts = [completed_invoice() for _ in range(3)]
    assert all(draft.invoice_number is None for draft in drafts)

    first, second = invoice_issue(invoice=drafts[0]), invoice_issue(invoice=drafts[1])
    note = invoice_credit(invoice=first)
    third = invoice_issue(invoice=drafts[2])

    assert [first.invoice_number, second.invoice_number, note.invoice_number, third.invoice_number] == [
        "5000",
        "5001",
        "5002",
        "5003",
    ]


@pytest.mark.django_db
def test_an_issue_that_rolls_back_gives_its_number_back():
    first, second = completed_invoice(), completed_invoice()

    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_issue(invoice=first)
        raise RuntimeError("the rest of the transaction failed")

    assert Invoice.objects.get(pk=first.pk).invoice_number is None
    assert invoice_issue(invoice=second).invoice_number == "1001"


@pytest.mark.django_db(transaction=True)
def test_invoices_issued_at_the_same_moment_get_distinct_numbers_without_gaps(seeded_catalogue):
    issuers = 8
    drafts = [completed_invoice(hours=str(Decimal(2) + n)) for n in range(issuers)]
    barrier = threading.Barrier(issuers)
    numbers: list[str] = []
    errors: list[Exception] = []

    def issue(draft: Invoice) -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(invoice_issue(invoice=draft).invoice_number)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(numbers, key=int) == [str(number) for number in range(1001, 1001 + issuers)]
    stored = Invoice.objects.exclude(invoice_number=None).values_list("invoice_number", flat=True)
    assert sorted(stored, key=int) == sorted(numbers, key=int)
