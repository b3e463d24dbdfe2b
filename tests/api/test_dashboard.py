"""`GET /api/dashboard/summary/`: leads by status and source, this week's bookings, invoice totals; fixed queries."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from bookings.models import Booking
from invoicing.models import Invoice
from leads.models import Lead
from tests.conftest import bearer
from tests.factories import BookingFactory, InvoiceFactory, LeadFactory, UserFactory

URL = "/api/dashboard/summary/"
# Wednesday 18 November 2026, 12:00 in Copenhagen. This week: Monday 16th to Sunday 22nd.
# The default period: the 30 days 20 October .. 18 November.
NOW = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
ZERO_STATUSES = {"new": 0, "contacted": 0, "booked": 0, "completed": 0, "invoiced": 0}
ZERO_SOURCES = {"leadpoint": 0, "leadmail": 0, "booking_form": 0, "manual": 0}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def frozen_client(staff_user):
    """A staff client at NOW, its token issued in the frozen time."""
    with time_machine.travel(NOW, tick=False):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))
        yield client


def lead(created_at: datetime, **kwargs) -> Lead:
    made = LeadFactory(**kwargs)
    Lead.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


def invoice(total: str, *, status: str, **kwargs) -> Invoice:
    """An invoice with no booking of its own (so it makes no lead), VAT split as the database demands."""
    total_amount = Decimal(total)
    subtotal = (total_amount / Decimal("1.25")).quantize(Decimal("0.01"))
    if status != Invoice.Status.DRAFT:
        kwargs.setdefault("invoice_number", f"2026-{uuid.uuid4().hex[:6]}")
    return InvoiceFactory(
        booking=None,
        status=status,
        total_amount=total_amount,
        subtotal=subtotal,
        vat_amount=total_amount - subtotal,
        **kwargs,
    )


@pytest.fixture
def business(frozen_client):
    """Known leads, bookings and invoices around the default period and this week."""
    old = lead(utc(2026, 1, 1), status=Lead.Status.INVOICED, source=Lead.Source.MANUAL)
    # Leads: 00:30 on 20 October in Copenhagen (CEST) is in the period; 23:30 on the 19th is not.
    lead(utc(2026, 10, 19, 22, 30), status=Lead.Status.NEW, source=Lead.Source.LEADMAIL)
    lead(utc(2026, 11, 18, 10, 0), status=Lead.Status.NEW, source=Lead.Source.LEADMAIL)
    lead(utc(2026, 11, 1, 9, 0), status=Lead.Status.CONTACTED, source=Lead.Source.LEADPOINT)
    lead(utc(2026, 11, 10, 9, 0), status=Lead.Status.BOOKED, source=Lead.Source.MANUAL)
    lead(utc(2026, 10, 19, 21, 30), status=Lead.Status.COMPLETED, source=Lead.Source.BOOKING_FORM)

    # Bookings: 00:30 Monday and 23:30 Sunday local count; cancelled, last Sunday and next Monday do not.
    BookingFactory(lead=old, booking_date=utc(2026, 11, 15, 23, 30), total_amount=Decimal("1000.00"))
    BookingFactory(
        lead=old,
        booking_date=utc(2026, 11, 22, 22, 30),
        total_amount=Decimal("500.50"),
        status=Booking.Status.COMPLETED,
    )
    BookingFactory(
        lead=old, booking_date=utc(2026, 11, 18, 9), total_amount=Decimal("999"), status=Booking.Status.CANCELLED
    )
    BookingFactory(lead=old, booking_date=utc(2026, 11, 22, 23, 30), total_amount=Decimal("700"))
    BookingFactory(lead=old, booking_date=utc(2026, 11, 15, 22, 30), total_amount=Decimal("800"))

    sent, paid, overdue = Invoice.Status.SENT, Invoice.Status.PAID, Invoice.Status.OVERDUE
    # Sent in the period, due later: invoiced.
    invoice("1000.00", status=sent, lead=old, sent_date=utc(2026, 11, 2, 9), due_date=date(2026, 11, 30))
    # Sent and paid in the period: invoiced and paid.
    invoice("500.00", status=paid, lead=old, sent_date=utc(2026, 10, 25, 9), paid_date=utc(2026, 11, 5, 9))
    # Sent before, paid at 00:30 on the first day of the period: paid only.
    invoice("250.00", status=paid, lead=old, sent_date=utc(2026, 9, 1, 9), paid_date=utc(2026, 10, 19, 22, 30))
    # Paid at 23:30 on the day before the period: nothing.
    invoice("4000.00", status=paid, lead=old, sent_date=utc(2026, 9, 1, 9), paid_date=utc(2026, 10, 19, 21, 30))
    # Marked overdue long ago: overdue only.
    invoice("300.00", status=overdue, lead=old, sent_date=utc(2026, 9, 1, 9), due_date=date(2026, 9, 15))
    # Sent in the period and due yesterday: invoiced and overdue.
    invoice("200.00", status=sent, lead=old, sent_date=utc(2026, 10, 30, 9), due_date=date(2026, 11, 17))
    # Issued without a sent date, created today: invoiced.
    invoice("100.00", status=sent, lead=old, due_date=date(2026, 12, 1))
    # A draft is not invoiced, however large.
    invoice("9999.00", status=Invoice.Status.DRAFT, lead=old)
    return frozen_client


@pytest.mark.django_db
def test_the_summary_of_the_last_30_days(business):
    response = business.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "period": {"start": "2026-10-20", "end": "2026-11-18"},
        "leads": {
            "total": 4,
            "by_status": {"new": 2, "contacted": 1, "booked": 1, "completed": 0, "invoiced": 0},
            "by_source": {"leadpoint": 1, "leadmail": 2, "booking_form": 0, "manual": 1},
        },
        "bookings_this_week": {"start": "2026-11-16", "end": "2026-11-22", "count": 2, "total_amount": "1500.50"},
        "invoices": {
            "invoiced_total": "1800.00",
            "paid_total": "750.00",
            "overdue_total": "500.00",
            "overdue_count": 2,
        },
    }


@pytest.mark.django_db
def test_a_chosen_period_narrows_leads_and_invoice_totals_but_not_this_week_or_overdue(business):
    body = business.get(URL, {"period_start": "2026-11-01", "period_end": "2026-11-10"}).json()

    assert body["period"] == {"start": "2026-11-01", "end": "2026-11-10"}
    assert body["leads"]["total"] == 2
    assert body["leads"]["by_status"] == {**ZERO_STATUSES, "contacted": 1, "booked": 1}
    assert body["leads"]["by_source"] == {**ZERO_SOURCES, "leadpoint": 1, "manual": 1}
    assert body["invoices"] == {
        "invoiced_total": "1000.00",
        "paid_total": "500.00",
        "overdue_total": "500.00",
        "overdue_count": 2,
    }
    assert body["bookings_this_week"]["count"] == 2


@pytest.mark.django_db
def test_with_nothing_recorded_every_key_is_there_with_zero(frozen_client):
    body = frozen_client.get(URL).json()

    assert body["leads"] == {"total": 0, "by_status": ZERO_STATUSES, "by_source": ZERO_SOURCES}
    assert body["bookings_this_week"]["count"] == 0
    assert body["bookings_this_week"]["total_amount"] == "0.00"
    assert body["invoices"] == {
        "invoiced_total": "0.00",
        "paid_total": "0.00",
        "overdue_total": "0.00",
        "overdue_count": 0,
    }


@pytest.mark.django_db
def test_only_an_end_gives_the_30_days_before_it(frozen_client):
    body = frozen_client.get(URL, {"period_end": "2026-03-31"}).json()

    assert body["period"] == {"start": "2026-03-02", "end": "2026-03-31"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period_start": "2026-11-10", "period_end": "2026-11-01"}, "period_start"),
        ({"period_start": "2026-12-01"}, "period_start"),  # after today, the default end
        ({"period_start": "18-11-2026"}, "period_start"),
        ({"period_end": "2026-02-30"}, "period_end"),
        ({"period_end": "i går"}, "period_end"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(frozen_client, params, field):
    response = frozen_client.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_the_ends_of_the_calendar_are_no_500(frozen_client):
    assert frozen_client.get(URL, {"period_start": "0001-01-01", "period_end": "9999-12-31"}).status_code == 200
    assert frozen_client.get(URL, {"period_end": "0001-01-05"}).json()["period"]["start"] == "0001-01-01"


@pytest.mark.django_db
def test_anonymous_callers_get_401(anon_api_client):
    assert anon_api_client.get(URL).status_code == 401


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 20])
def test_the_summary_costs_the_same_queries_for_few_or_many_rows(frozen_client, django_assert_max_num_queries, rows):
    old = lead(utc(2026, 1, 1))
    for number in range(rows):
        lead(utc(2026, 11, 1 + number % 15, 9), status=Lead.Status.NEW)
        BookingFactory(lead=old, booking_date=utc(2026, 11, 17, 9), total_amount=Decimal("100.00"))
        invoice("100.00", status=Invoice.Status.OVERDUE, lead=old, sent_date=utc(2026, 11, 2, 9))

    # The user of the token, then one aggregate each for leads, bookings and invoices.
    with django_assert_max_num_queries(4):
        body = frozen_client.get(URL).json()

    assert body["leads"]["by_status"]["new"] == rows
    assert body["bookings_this_week"] == {
        "start": "2026-11-16",
        "end": "2026-11-22",
        "count": rows,
        "total_amount": f"{100 * rows}.00",
    }
    assert body["invoices"]["overdue_count"] == rows
    assert body["invoices"]["invoiced_total"] == f"{100 * rows}.00"
