"""`/api/invoices/`: read and filter invoices; overdue judged by today's date in Copenhagen; a fixed query budget."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from invoicing.models import Invoice
from tests.api.helpers import ids
from tests.conftest import bearer
from tests.factories import CustomerFactory, InvoiceFactory, LeadFactory, UserFactory

URL = "/api/invoices/"
# 23:30 UTC on 20 November 2026 is 00:30 on the 21st in Copenhagen: "today" there is the 21st, in UTC the 20th.
JUST_AFTER_MIDNIGHT_IN_COPENHAGEN = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def invoice(total: str = "1221.50", **kwargs) -> Invoice:
    """An invoice whose total incl. 25% moms splits into subtotal and VAT as the database demands."""
    total_amount = Decimal(total)
    subtotal = (total_amount / Decimal("1.25")).quantize(Decimal("0.01"))
    if kwargs.get("status", Invoice.Status.DRAFT) != Invoice.Status.DRAFT:
        kwargs.setdefault("invoice_number", f"2026-{uuid.uuid4().hex[:6]}")
    return InvoiceFactory(total_amount=total_amount, subtotal=subtotal, vat_amount=total_amount - subtotal, **kwargs)


@pytest.mark.django_db
def test_anonymous_callers_get_401(anon_api_client):
    inv = invoice()
    assert anon_api_client.get(URL).status_code == 401
    assert anon_api_client.get(f"{URL}{inv.id}/").status_code == 401


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403():
    inv = invoice()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{inv.id}/").status_code == 403


@pytest.mark.django_db
def test_an_invoice_shows_money_as_strings_and_times_with_offset(api_client):
    inv = invoice(
        "1221.5",
        status=Invoice.Status.SENT,
        invoice_number="2026-0042",
        due_date=date(2026, 12, 5),
        sent_date=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
    )

    response = api_client.get(f"{URL}{inv.id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(inv.id)
    assert body["invoice_number"] == "2026-0042"
    assert body["status"] == "sent"
    assert (body["subtotal"], body["vat_amount"], body["total_amount"]) == ("977.20", "244.30", "1221.50")
    assert body["hourly_rate"] == "349.00"
    assert body["hours_worked"] == "3.50"
    assert body["due_date"] == "2026-12-05"
    assert body["sent_date"] == "2026-11-21T10:00:00+01:00"
    assert body["paid_date"] is None
    assert body["lead"] == str(inv.lead_id)
    assert body["booking"] == str(inv.booking_id)
    assert body["customer"] == str(inv.customer_id)


@pytest.mark.django_db
def test_an_unknown_or_malformed_id_is_a_404(api_client):
    assert api_client.get(f"{URL}{uuid.uuid4()}/").status_code == 404
    malformed = api_client.get(f"{URL}not-a-uuid/")
    assert malformed.status_code == 404
    assert "detail" in malformed.json()


@pytest.mark.django_db
def test_invoices_are_not_created_or_edited_directly(api_client):
    # Invoices come from completed bookings and change through POST actions (tests/api/test_invoice_actions.py).
    inv = invoice()
    assert api_client.post(URL, {"customer_name": "X"}, format="json").status_code == 405
    assert api_client.put(f"{URL}{inv.id}/", {"status": "paid"}, format="json").status_code == 405
    assert Invoice.objects.get(pk=inv.pk).status == Invoice.Status.DRAFT


@pytest.mark.django_db
def test_the_list_is_paginated_newest_first(api_client):
    oldest, middle, newest = invoice(), invoice(), invoice()
    for inv, day in ((oldest, 1), (middle, 2), (newest, 3)):
        Invoice.objects.filter(pk=inv.pk).update(created_at=datetime(2026, 11, day, tzinfo=UTC))

    body = api_client.get(URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [str(newest.id), str(middle.id)]
    assert ids(api_client.get(URL, {"page_size": 2, "page": 2})) == [str(oldest.id)]
    assert api_client.get(URL, {"page_size": 2, "page": 3}).status_code == 404


@pytest.mark.django_db
def test_filter_by_status_customer_and_lead(api_client):
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)
    mine = invoice(status=Invoice.Status.PAID, lead=lead, customer=customer)
    invoice(status=Invoice.Status.SENT)

    assert ids(api_client.get(URL, {"status": "paid"})) == [str(mine.id)]
    assert ids(api_client.get(URL, {"customer": str(customer.id)})) == [str(mine.id)]
    assert ids(api_client.get(URL, {"lead": str(lead.id)})) == [str(mine.id)]
    assert ids(api_client.get(URL, {"customer": str(uuid.uuid4())})) == []


@pytest.mark.django_db
def test_due_before_includes_the_day_itself(api_client):
    due_on_the_day = invoice(due_date=date(2026, 12, 1))
    earlier = invoice(due_date=date(2026, 11, 15))
    invoice(due_date=date(2026, 12, 2))
    invoice(due_date=None)

    found = set(ids(api_client.get(URL, {"due_before": "2026-12-01"})))

    assert found == {str(due_on_the_day.id), str(earlier.id)}


@pytest.mark.django_db
@time_machine.travel(JUST_AFTER_MIDNIGHT_IN_COPENHAGEN, tick=False)
def test_overdue_is_judged_by_todays_date_in_copenhagen(staff_user):
    api_client = APIClient()  # a token issued in the frozen time
    api_client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))
    marked_overdue = invoice(status=Invoice.Status.OVERDUE, due_date=date(2026, 11, 1))
    # Due on the 20th: overdue in Copenhagen (where it is the 21st), though in UTC it is still the 20th.
    sent_past_due = invoice(status=Invoice.Status.SENT, due_date=date(2026, 11, 20))
    due_today = invoice(status=Invoice.Status.SENT, due_date=date(2026, 11, 21))
    sent_without_due_date = invoice(status=Invoice.Status.SENT, due_date=None)
    paid_late = invoice(status=Invoice.Status.PAID, due_date=date(2026, 11, 1))
    draft = invoice(status=Invoice.Status.DRAFT, due_date=date(2026, 11, 1))

    overdue = set(ids(api_client.get(URL, {"overdue": "true"})))
    not_overdue = set(ids(api_client.get(URL, {"overdue": "false"})))

    assert overdue == {str(marked_overdue.id), str(sent_past_due.id)}
    assert not_overdue == {str(due_today.id), str(sent_without_due_date.id), str(paid_late.id), str(draft.id)}
    flags = {row["id"]: row["is_overdue"] for row in api_client.get(URL).json()["results"]}
    assert {key for key, value in flags.items() if value} == overdue


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "cancelled"}, "status"),
        ({"overdue": "maybe"}, "overdue"),
        ({"due_before": "soon"}, "due_before"),
        ({"lead": "nope"}, "lead"),
        ({"customer": "0"}, "customer"),
    ],
)
def test_unknown_choices_and_wrong_types_are_a_400_naming_the_field(api_client, params, field):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert all(isinstance(message, str) for message in response.json()[field])


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["2026-0777", "SØRENSEN", "soren@firma"])
def test_search_covers_number_name_and_email(api_client, term):
    found = invoice(
        status=Invoice.Status.SENT,
        invoice_number="2026-0777",
        customer_name="Søren Sørensen",
        customer_email="soren@firma.dk",
    )
    invoice(status=Invoice.Status.SENT, invoice_number="2026-0001", customer_name="Anne Berg")

    assert ids(api_client.get(URL, {"search": term})) == [str(found.id)]


@pytest.mark.django_db
def test_ordering_by_due_date_amount_and_number(api_client):
    a = invoice("300.00", status=Invoice.Status.SENT, invoice_number="2026-0003", due_date=date(2026, 12, 3))
    b = invoice("100.00", status=Invoice.Status.SENT, invoice_number="2026-0001", due_date=date(2026, 12, 2))
    c = invoice("200.00", status=Invoice.Status.SENT, invoice_number="2026-0002", due_date=date(2026, 12, 1))

    assert ids(api_client.get(URL, {"ordering": "due_date"})) == [str(c.id), str(b.id), str(a.id)]
    assert ids(api_client.get(URL, {"ordering": "-total_amount"})) == [str(a.id), str(c.id), str(b.id)]
    assert ids(api_client.get(URL, {"ordering": "invoice_number"})) == [str(b.id), str(c.id), str(a.id)]


@pytest.mark.django_db
def test_equal_amounts_keep_a_stable_order_by_id(api_client):
    tied = [invoice("500.00") for _ in range(4)]

    assert ids(api_client.get(URL, {"ordering": "total_amount"})) == sorted(str(inv.id) for inv in tied)


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_rows(api_client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        invoice(status=Invoice.Status.SENT)

    # The user of the token, the count, the page.
    with django_assert_max_num_queries(3):
        response = api_client.get(URL, {"page_size": 50, "overdue": "false"})

    assert response.json()["count"] == rows
