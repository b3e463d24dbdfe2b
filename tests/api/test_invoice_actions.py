"""`/api/invoices/` writes: issue, add a line to a draft, record a payment, send a reminder, credit, delete a draft,
and the PDF; completing a booking makes its invoice. An issued invoice is refused every edit with a clear 400."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoicing.models import Invoice
from leads.models import Lead
from renos import pipeline
from tests.invoicing.helpers import booked, completed_invoice

pytestmark = pytest.mark.django_db

URL = "/api/invoices/"


@pytest.fixture(autouse=True)
def _invoicing(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = True
    settings.RENOS_INVOICE_NUMBER_START = 1001
    settings.RENOS_COMPANY_CVR = "12345678"


@pytest.fixture
def draft(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False
    made = completed_invoice()
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = True
    return made


def post(client, url: str, body: dict | None = None):
    return client.post(url, body or {}, format="json")


def test_completing_a_booking_by_api_makes_and_issues_its_invoice(api_client):
    booking = booked()

    response = post(api_client, f"/api/bookings/{booking.id}/complete/", {"actual_hours": "4.00"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    body = api_client.get(URL, {"lead": str(booking.lead_id)}).json()
    (row,) = body["results"]
    assert (row["invoice_number"], row["status"], row["total_amount"]) == ("1001", "sent", "1396.00")
    detail = api_client.get(f"{URL}{row['id']}/").json()
    assert [(line["quantity"], line["unit_price"], line["amount"]) for line in detail["lines"]] == [
        ("4.00", "349.00", "1396.00")
    ]
    assert Lead.objects.get(pk=booking.lead_id).status == Lead.Status.INVOICED


def test_a_draft_gets_lines_then_is_issued(api_client, draft):
    added = post(api_client, f"{URL}{draft.id}/lines/", {"description": "Kørsel", "quantity": "1", "unit_price": "150"})
    issued = post(api_client, f"{URL}{draft.id}/issue/")

    assert added.status_code == 201, added.content
    assert added.json()["total_amount"] == "1371.50"
    assert added.json()["invoice_number"] is None
    assert issued.status_code == 200, issued.content
    assert issued.json()["invoice_number"] == "1001"
    assert issued.json()["seller_cvr"] == "12345678"
    assert issued.json()["vat_amount"] == "274.30"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "lines/", {"description": "Kørsel", "quantity": "1", "unit_price": "150"}),
        ("post", "issue/", {}),
        ("delete", "", None),
    ],
)
def test_an_issued_invoice_refuses_edits_and_deletion_with_a_clear_400(api_client, method, path, body):
    invoice = completed_invoice()

    response = getattr(api_client, method)(f"{URL}{invoice.id}/{path}", body, format="json")

    assert response.status_code == 400
    assert response.json()["status"]
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.total_amount, fresh.lines.count()) == (Decimal("1221.50"), 1)


def test_put_and_patch_stay_refused(api_client):
    invoice = completed_invoice()

    assert api_client.put(f"{URL}{invoice.id}/", {"status": "paid"}, format="json").status_code == 405
    assert api_client.patch(f"{URL}{invoice.id}/", {"total_amount": "1"}, format="json").status_code == 405


def test_a_draft_can_be_deleted(api_client, draft):
    assert api_client.delete(f"{URL}{draft.id}/").status_code == 204
    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_a_part_payment_then_the_rest(api_client):
    invoice = completed_invoice()
    today = invoice.issue_date.isoformat()

    partly = post(api_client, f"{URL}{invoice.id}/mark-paid/", {"date": today, "amount": "1000.00"})
    paid = post(api_client, f"{URL}{invoice.id}/mark-paid/", {"date": today, "amount": "221.50"})

    assert partly.status_code == 200, partly.content
    assert (partly.json()["status"], partly.json()["balance"]) == ("sent", "221.50")
    assert (paid.json()["status"], paid.json()["balance"]) == ("paid", "0.00")
    assert paid.json()["paid_date"].startswith(today)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2020-01-01", "amount": "5000"}, "amount"),
        ({"date": "2020-01-01"}, "amount"),
        ({"date": "soon", "amount": "10"}, "date"),
        ({"date": "2099-01-01", "amount": "10"}, "date"),
    ],
)
def test_a_bad_payment_is_a_400_naming_the_field(api_client, body, field):
    invoice = completed_invoice()

    response = post(api_client, f"{URL}{invoice.id}/mark-paid/", body)

    assert response.status_code == 400
    assert field in response.json()
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 0


def test_credit_answers_with_the_credit_note(api_client):
    invoice = completed_invoice()

    response = post(api_client, f"{URL}{invoice.id}/credit/", {"reason": "Fejl i timer"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["invoice_number"], body["credited_invoice"], body["total_amount"]) == (
        "1002",
        str(invoice.id),
        "-1221.50",
    )
    assert body["lines"][0]["quantity"] == "-3.50"
    assert api_client.get(f"{URL}{invoice.id}/").json()["status"] == "credited"
    assert post(api_client, f"{URL}{invoice.id}/credit/").status_code == 400


def test_a_reminder_is_queued_for_an_overdue_invoice_and_refused_otherwise(
    api_client, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(pipeline.send_invoice_reminder, "delay", lambda **kwargs: queued.append(kwargs))
    invoice = completed_invoice()

    not_due = post(api_client, f"{URL}{invoice.id}/send-reminder/")
    Invoice.objects.filter(pk=invoice.pk).update(due_date=date(2020, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        due = post(api_client, f"{URL}{invoice.id}/send-reminder/")

    assert not_due.status_code == 400
    assert "ikke forfalden" in not_due.json()["status"][0]
    assert due.status_code == 202
    assert queued == [{"invoice_id": str(invoice.id)}]


def test_the_pdf(api_client):
    invoice = completed_invoice()

    response = api_client.get(f"{URL}{invoice.id}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="faktura-1001.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")


def test_the_detail_costs_the_same_queries_for_1_or_10_lines(api_client, draft, django_assert_max_num_queries):
    for n in range(9):
        post(api_client, f"{URL}{draft.id}/lines/", {"description": f"Linje {n}", "quantity": "1", "unit_price": "1"})

    # The user of the token, the invoice, its lines.
    with django_assert_max_num_queries(3):
        response = api_client.get(f"{URL}{draft.id}/")

    assert len(response.json()["lines"]) == 10


@pytest.mark.parametrize("action", ["issue", "mark-paid", "send-reminder", "credit", "lines", "pdf"])
def test_anonymous_callers_get_401(anon_api_client, action):
    invoice = completed_invoice()
    method = anon_api_client.get if action == "pdf" else anon_api_client.post

    assert method(f"{URL}{invoice.id}/{action}/").status_code == 401
