"""Issued invoices reach Billy once (contact, invoice, approval, email), and payments come back."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
import responses
import time_machine
from django.utils import timezone

from customers.models import Customer
from invoicing.billy_sync import invoice_sync_payment, invoice_sync_to_billy
from invoicing.models import Invoice
from invoicing.services import booking_complete_and_invoice
from renos import pipeline
from tests.factories import BookingFactory

API = "https://billy.test/v2"


@pytest.fixture
def billy(settings):
    settings.BILLY_API_KEY = "token"
    settings.BILLY_ORGANIZATION_ID = "org"
    settings.BILLY_BASE_URL = API
    settings.BILLY_MAX_ATTEMPTS = 2
    settings.BILLY_DEFAULT_PRODUCT_ID = "prod-default"
    settings.BILLING_BACKEND = "integrations.billy.BillyClient"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def issued(db):
    with time_machine.travel("2026-12-01 15:00 +01:00", tick=False):
        booking = BookingFactory(booking_date=timezone.now())
        invoice = booking_complete_and_invoice(booking=booking, actual_hours=Decimal("3.5"))
    return Invoice.objects.get(pk=invoice.pk)


def answer_contact_and_invoice(mock, invoice: Invoice, *, existing: bool = False) -> None:
    mock.get(f"{API}/contacts", json={"contacts": []})
    mock.post(f"{API}/contacts", json={"contacts": [{"id": "contact-1"}]})
    record = {"id": "billy-1", "externalId": str(invoice.pk), "state": "draft", "invoiceNo": None}
    mock.get(f"{API}/invoices", json={"invoices": [record] if existing else []})
    mock.post(f"{API}/invoices", json={"invoices": [record]})
    mock.put(f"{API}/invoices/billy-1", json={"invoices": [{**record, "state": "approved", "invoiceNo": 77}]})
    mock.get(f"{API}/invoices/billy-1", json={"invoice": {**record, "state": "approved", "sentState": "unsent"}})
    persons = [{"id": "person-1", "email": invoice.customer_email, "isPrimary": True}]
    mock.get(f"{API}/contacts/contact-1", json={"contact": {"id": "contact-1", "contactPersons": persons}})
    mock.post(f"{API}/invoices/billy-1/emails", json={})


def calls(mock, method: str, path: str) -> int:
    return sum(
        1 for call in mock.calls if call.request.method == method and call.request.url.split("?")[0] == API + path
    )


def test_an_issued_invoice_is_created_approved_and_emailed_in_billy(billy, issued):
    answer_contact_and_invoice(billy, issued)

    assert invoice_sync_to_billy(invoice=issued) == "synced"

    issued.refresh_from_db()
    assert (issued.billy_invoice_id, issued.billy_invoice_no, issued.billy_sync_error) == ("billy-1", "77", "")
    assert issued.billy_synced_at is not None
    assert Customer.objects.get(pk=issued.customer_id).billy_contact_id == "contact-1"
    created = next(
        call for call in billy.calls if call.request.method == "POST" and call.request.url == f"{API}/invoices"
    )
    body = created.request.body.decode()
    assert '"taxMode": "incl"' in body and '"currencyId": "DKK"' in body and str(issued.pk) in body
    assert calls(billy, "POST", "/invoices/billy-1/emails") == 1
    assert issued.activities.filter(title="Faktura sendt via Billy").exists()


def test_a_retry_after_the_invoice_was_made_finds_it_instead_of_making_another(billy, issued):
    answer_contact_and_invoice(billy, issued, existing=True)
    Customer.objects.filter(pk=issued.customer_id).update(billy_contact_id="contact-1")

    assert invoice_sync_to_billy(invoice=issued) == "synced"

    assert calls(billy, "POST", "/invoices") == 0
    assert calls(billy, "POST", "/contacts") == 0


def test_a_billy_timeout_on_create_is_retried_by_looking_it_up(billy, issued, celery_eager):
    answer_contact_and_invoice(billy, issued)
    billy.replace(responses.POST, f"{API}/invoices", body=requests.exceptions.ReadTimeout("timed out"))
    record = {"id": "billy-1", "externalId": str(issued.pk), "state": "draft"}
    billy.replace(responses.GET, f"{API}/invoices", json={"invoices": []})
    billy.add(responses.GET, f"{API}/invoices", json={"invoices": [record]})

    pipeline.sync_invoice_to_billy.delay(invoice_id=str(issued.pk))

    issued.refresh_from_db()
    assert issued.billy_invoice_id == "billy-1"
    assert calls(billy, "POST", "/invoices") == 1


def test_without_billy_invoices_stay_local_and_not_synced(settings, issued):
    settings.BILLING_BACKEND = "integrations.billy.LocalBilling"
    assert invoice_sync_to_billy(invoice=issued) == "local"
    issued.refresh_from_db()
    assert issued.billy_synced_at is None


def test_a_permanent_billy_error_is_kept_on_the_invoice(billy, issued, celery_eager):
    billy.get(f"{API}/contacts", json={"contacts": []})
    billy.post(f"{API}/contacts", status=422, json={"errorMessage": "Ugyldig kontakt"})

    assert pipeline.sync_invoice_to_billy(invoice_id=str(issued.pk)) == "failed"
    issued.refresh_from_db()
    assert "Ugyldig kontakt" in issued.billy_sync_error
    assert issued.activities.filter(title="Fakturaen kunne ikke sendes til Billy").exists()


def test_a_payment_seen_in_billy_marks_the_invoice_paid_and_counts_revenue(billy, issued):
    Invoice.objects.filter(pk=issued.pk).update(billy_invoice_id="billy-1")
    issued.refresh_from_db()
    payment = {"id": "m1", "entryDate": "2026-12-05", "amount": float(issued.total_amount), "isVoided": False}
    billy.get(
        f"{API}/invoices/billy-1",
        json={"invoice": {"id": "billy-1", "isPaid": True, "balance": 0.0, "balanceModifiers": [payment]}},
    )

    with time_machine.travel("2026-12-06 10:00 +01:00", tick=False):
        assert invoice_sync_payment(invoice=issued) == "paid"

    issued.refresh_from_db()
    assert issued.status == Invoice.Status.PAID
    assert timezone.localdate(issued.paid_date).isoformat() == "2026-12-05"
    assert Customer.objects.get(pk=issued.customer_id).total_revenue == issued.total_amount


def test_an_unpaid_invoice_stays_open(billy, issued):
    Invoice.objects.filter(pk=issued.pk).update(billy_invoice_id="billy-1")
    issued.refresh_from_db()
    billy.get(f"{API}/invoices/billy-1", json={"invoice": {"id": "billy-1", "isPaid": False, "balance": 500.0}})
    assert invoice_sync_payment(invoice=issued) == "unpaid"
    issued.refresh_from_db()
    assert issued.status == Invoice.Status.SENT
