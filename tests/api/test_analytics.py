"""`GET /api/analytics/...`: top customers, response ratios, AI-written email, the lead funnel and job size."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import Direction, EmailMessage
from tests.conftest import bearer
from tests.factories import (
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    UserFactory,
    service,
)

BASE = "/api/analytics/"
URLS = ["top-customers/", "response-ratio/", "ai-emails/", "leads/", "job-size/"]
NOW = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)  # 12:00 in Copenhagen
OUT, IN = Direction.OUTBOUND, Direction.INBOUND

pytestmark = pytest.mark.django_db


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def invoice(total: str, *, status: str, **kwargs) -> Invoice:
    """An invoice with no booking of its own, VAT split as the database demands."""
    total_amount = Decimal(total)
    subtotal = (total_amount / Decimal("1.25")).quantize(Decimal("0.01"))
    if status != Invoice.Status.DRAFT:
        kwargs.setdefault("invoice_number", f"2026-{uuid.uuid4().hex[:8]}")
    return InvoiceFactory(
        booking=None,
        status=status,
        total_amount=total_amount,
        subtotal=subtotal,
        vat_amount=total_amount - subtotal,
        **kwargs,
    )


def lead(created_at: datetime = NOW, **kwargs) -> Lead:
    made = LeadFactory(**kwargs)
    Lead.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


def email(conversation, direction: str, *, status: str = EmailMessage.Status.SENT, **kwargs) -> EmailMessage:
    return EmailMessageFactory(conversation=conversation, direction=direction, status=status, **kwargs)


# --- access ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", URLS)
def test_anonymous_callers_get_401(anon_api_client, url):
    assert anon_api_client.get(BASE + url).status_code == 401


@pytest.mark.parametrize("url", URLS)
def test_users_who_are_not_staff_get_403(url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    assert client.get(BASE + url).status_code == 403


# --- top-customers ---------------------------------------------------------------------------------------------


def test_top_customers_are_the_active_ones_with_the_most_paid_revenue(api_client):
    CustomerFactory(name="Lille ApS", total_revenue=Decimal("500.00"))
    big = CustomerFactory(name="Stor A/S", total_revenue=Decimal("12500.50"), total_leads=3, total_bookings=2)
    CustomerFactory(name="Midt", total_revenue=Decimal("2500.00"))
    CustomerFactory(name="Blokeret", total_revenue=Decimal("99999.00"), status=Customer.Status.BLOCKED)
    CustomerFactory(name="Tidligere", total_revenue=Decimal("88888.00"), status=Customer.Status.INACTIVE)
    CustomerFactory(name="Ny kunde", total_revenue=Decimal("0.00"))

    response = api_client.get(BASE + "top-customers/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(row["name"], row["total_revenue"]) for row in results] == [
        ("Stor A/S", "12500.50"),
        ("Midt", "2500.00"),
        ("Lille ApS", "500.00"),
    ]
    assert results[0] == {
        "id": str(big.pk),
        "name": "Stor A/S",
        "email": big.email,
        "status": "active",
        "total_leads": 3,
        "total_bookings": 2,
        "total_revenue": "12500.50",
    }


def test_top_customers_default_to_ten_and_take_a_limit(api_client):
    for number in range(12):
        CustomerFactory(name=f"Kunde {number:02}", total_revenue=Decimal(1000 + number))

    assert len(api_client.get(BASE + "top-customers/").json()["results"]) == 10
    top = api_client.get(BASE + "top-customers/", {"limit": 2}).json()["results"]
    assert [row["name"] for row in top] == ["Kunde 11", "Kunde 10"]


def test_revenue_paid_through_the_invoice_services_makes_a_top_customer(api_client):
    from customers.services import customer_update_stats

    customer = CustomerFactory(name="Betalt")
    invoice("1221.50", status=Invoice.Status.PAID, customer=customer)
    invoice("999.00", status=Invoice.Status.SENT, customer=customer)  # not paid: no revenue yet
    customer_update_stats(customer=customer)

    results = api_client.get(BASE + "top-customers/").json()["results"]

    assert [(row["name"], row["total_revenue"]) for row in results] == [("Betalt", "1221.50")]


@pytest.mark.parametrize("limit", ["0", "101", "-3", "ti", "2.5"])
def test_a_bad_limit_is_a_400_on_the_field(api_client, limit):
    response = api_client.get(BASE + "top-customers/", {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()


@pytest.mark.parametrize("rows", [2, 20])
def test_top_customers_cost_the_same_queries_for_few_or_many(api_client, django_assert_max_num_queries, rows):
    for number in range(rows):
        CustomerFactory(total_revenue=Decimal(100 + number), tags=["vip"])

    with django_assert_max_num_queries(2):  # the user of the token, the customers
        response = api_client.get(BASE + "top-customers/", {"limit": 100})

    assert len(response.json()["results"]) == rows


# --- response-ratio --------------------------------------------------------------------------------------------


@pytest.fixture
def threads():
    """Two customers' conversations with known counts; drafts and failed sends must not count."""
    anna = CustomerFactory(name="Anna")
    bo = CustomerFactory(name="Bo")
    with time_machine.travel(utc(2026, 11, 1), tick=False):
        older = ConversationFactory(lead=LeadFactory(customer=anna), subject="Vinduespudsning")
    with time_machine.travel(utc(2026, 11, 2), tick=False):
        newer = ConversationFactory(lead=LeadFactory(customer=bo), subject="Flytterengøring")
    with time_machine.travel(utc(2026, 11, 3), tick=False):
        silent = ConversationFactory(lead=LeadFactory(customer=anna), subject="Ingen svar endnu")
    email(older, IN)
    email(older, IN)
    email(older, OUT)
    email(older, OUT, status=EmailMessage.Status.BOUNCED)  # it went out
    email(older, OUT, status=EmailMessage.Status.DRAFT)
    email(newer, IN)
    email(newer, OUT)
    email(newer, OUT, status=EmailMessage.Status.FAILED)
    email(silent, OUT)
    return {"anna": anna, "bo": bo, "older": older, "newer": newer, "silent": silent}


def test_the_response_ratio_overall_and_per_conversation(api_client, threads):
    body = api_client.get(BASE + "response-ratio/").json()

    assert body["overall"] == {"outbound": 4, "inbound": 3, "ratio": 1.33}
    assert body["count"] == 3
    rows = {row["subject"]: row for row in body["results"]}
    # Latest activity first.
    assert [row["subject"] for row in body["results"]] == ["Ingen svar endnu", "Flytterengøring", "Vinduespudsning"]
    assert rows["Vinduespudsning"]["outbound"] == 2
    assert rows["Vinduespudsning"]["inbound"] == 2
    assert rows["Vinduespudsning"]["ratio"] == 1.0
    assert rows["Vinduespudsning"]["customer"] == str(threads["anna"].pk)
    assert rows["Vinduespudsning"]["customer_name"] == "Anna"
    assert (rows["Flytterengøring"]["outbound"], rows["Flytterengøring"]["inbound"]) == (1, 1)
    assert rows["Ingen svar endnu"] == {**rows["Ingen svar endnu"], "outbound": 1, "inbound": 0, "ratio": None}


def test_the_response_ratio_of_one_customer(api_client, threads):
    body = api_client.get(BASE + "response-ratio/", {"customer": str(threads["anna"].pk)}).json()

    assert body["overall"] == {"outbound": 3, "inbound": 2, "ratio": 1.5}
    assert {row["subject"] for row in body["results"]} == {"Vinduespudsning", "Ingen svar endnu"}


def test_the_conversations_are_paginated(api_client, threads):
    body = api_client.get(BASE + "response-ratio/", {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3
    assert [row["subject"] for row in body["results"]] == ["Vinduespudsning"]
    assert body["next"] is None
    assert "page_size=2" in body["previous"]
    assert body["overall"]["outbound"] == 4  # overall is about every conversation, not the page


def test_with_no_email_the_ratio_is_null(api_client):
    body = api_client.get(BASE + "response-ratio/").json()

    assert body == {
        "overall": {"outbound": 0, "inbound": 0, "ratio": None},
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_a_customer_that_is_no_uuid_is_a_400(api_client):
    response = api_client.get(BASE + "response-ratio/", {"customer": "anna"})

    assert response.status_code == 400
    assert "customer" in response.json()


def test_a_page_past_the_end_is_a_404(api_client, threads):
    assert api_client.get(BASE + "response-ratio/", {"page": 9}).status_code == 404


@pytest.mark.parametrize("rows", [2, 20])
def test_the_response_ratio_costs_the_same_queries_for_few_or_many(api_client, django_assert_max_num_queries, rows):
    for _number in range(rows):
        conversation = ConversationFactory()
        email(conversation, IN)
        email(conversation, OUT)

    # The user, the overall counts, the page's count and the page.
    with django_assert_max_num_queries(4):
        body = api_client.get(BASE + "response-ratio/").json()

    assert body["overall"] == {"outbound": rows, "inbound": rows, "ratio": 1.0}
    assert len(body["results"]) == rows
    assert all(row["customer_name"] for row in body["results"])


# --- ai-emails -------------------------------------------------------------------------------------------------


def test_ai_written_emails_are_counted_by_model(api_client):
    conversation = ConversationFactory()
    for _number in range(3):
        email(conversation, OUT, is_ai_generated=True, ai_model="gemini-2.5-flash")
    email(conversation, OUT, is_ai_generated=True, ai_model="gemini-2.5-pro")
    email(conversation, OUT, is_ai_generated=True, ai_model="")
    email(conversation, OUT, is_ai_generated=True, ai_model="gemini-2.5-pro", status=EmailMessage.Status.DRAFT)
    email(conversation, OUT, is_ai_generated=False, ai_model="")
    email(conversation, IN)

    body = api_client.get(BASE + "ai-emails/").json()

    assert body == {
        "total": 5,
        "by_model": [
            {"model": "gemini-2.5-flash", "count": 3},
            {"model": "gemini-2.5-pro", "count": 1},
            {"model": "unknown", "count": 1},
        ],
    }


@pytest.mark.parametrize("rows", [2, 20])
def test_ai_emails_cost_the_same_queries_for_few_or_many(api_client, django_assert_max_num_queries, rows):
    conversation = ConversationFactory()
    for number in range(rows):
        email(conversation, OUT, is_ai_generated=True, ai_model=f"model-{number % 3}")

    with django_assert_max_num_queries(2):
        body = api_client.get(BASE + "ai-emails/").json()

    assert body["total"] == rows


# --- leads -----------------------------------------------------------------------------------------------------


@pytest.fixture
def funnel():
    """Leads through the funnel, by source and service, with paid, unpaid, credited and credit-note invoices."""
    fast, move = service("fast"), service("flytte")
    won = lead(utc(2026, 11, 10, 9), source=Lead.Source.LEADPOINT, service_type=fast, status=Lead.Status.INVOICED)
    invoice("1221.50", status=Invoice.Status.PAID, lead=won)
    invoice("300.00", status=Invoice.Status.SENT, lead=won)  # not paid yet: no revenue
    completed = lead(
        utc(2026, 11, 11, 9), source=Lead.Source.LEADPOINT, service_type=move, status=Lead.Status.COMPLETED
    )
    credited = invoice("800.00", status=Invoice.Status.CREDITED, lead=completed)
    invoice("-800.00", status=Invoice.Status.SENT, lead=completed, credited_invoice=credited)
    lead(utc(2026, 11, 12, 9), source=Lead.Source.LEADPOINT, service_type=fast, status=Lead.Status.CONTACTED)
    lead(utc(2026, 11, 12, 9), source=Lead.Source.LEADPOINT, service_type=None, status=Lead.Status.NEW)
    booked = lead(utc(2026, 11, 13, 9), source=Lead.Source.LEADMAIL, service_type=fast, status=Lead.Status.BOOKED)
    invoice("2000.00", status=Invoice.Status.PAID, lead=booked)
    invoice("500.00", status=Invoice.Status.PAID, lead=booked)
    # 23:30 UTC on 31 October is 00:30 on 1 November in Copenhagen.
    lead(utc(2026, 10, 31, 23, 30), source=Lead.Source.MANUAL, service_type=move, status=Lead.Status.NEW)
    # 22:30 UTC on 31 October is 23:30 on 31 October in Copenhagen.
    lead(utc(2026, 10, 31, 22, 30), source=Lead.Source.MANUAL, service_type=move, status=Lead.Status.BOOKED)
    return {"fast": fast, "move": move}


def by(rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows}


def test_leads_by_source_with_the_funnel_conversion_and_revenue(api_client, funnel, settings):
    settings.LANGUAGE_CODE = "en"  # the labels are the sources' names in the language of the request
    body = api_client.get(BASE + "leads/").json()

    assert body["period"] == {"start": None, "end": None}
    sources = by(body["by_source"], "source")
    assert list(sources) == ["leadpoint", "leadmail", "booking_form", "manual"]
    assert sources["leadpoint"] == {
        "source": "leadpoint",
        "label": "Leadpoint.dk",
        "leads": 4,
        "booked": 2,
        "completed": 2,
        "invoiced": 1,
        "conversion_rate": 0.5,
        "revenue": "1221.50",
    }
    assert sources["leadmail"]["revenue"] == "2500.00"
    assert sources["leadmail"]["conversion_rate"] == 1.0
    assert sources["booking_form"] == {
        "source": "booking_form",
        "label": "Own booking form",
        "leads": 0,
        "booked": 0,
        "completed": 0,
        "invoiced": 0,
        "conversion_rate": None,
        "revenue": "0.00",
    }
    assert body["total"] == {
        "leads": 7,
        "booked": 4,
        "completed": 2,
        "invoiced": 1,
        "conversion_rate": 0.5714,
        "revenue": "3721.50",
    }


def test_leads_by_service_most_leads_first_and_those_without_a_service(api_client, funnel):
    body = api_client.get(BASE + "leads/").json()

    services = body["by_service"]
    assert [row["service_type"] for row in services] == ["fast", "flytte", None]
    fast = services[0]
    assert fast["name"] == funnel["fast"].name
    assert (fast["leads"], fast["booked"], fast["invoiced"], fast["revenue"]) == (3, 2, 1, "3721.50")
    move = services[1]
    assert (move["leads"], move["booked"], move["completed"], move["revenue"]) == (3, 2, 1, "0.00")
    assert services[2] == {**services[2], "name": None, "leads": 1, "booked": 0, "conversion_rate": 0.0}


def test_a_period_counts_the_leads_created_on_those_days_in_copenhagen(api_client, funnel):
    body = api_client.get(BASE + "leads/", {"period_start": "2026-11-01", "period_end": "2026-11-11"}).json()

    assert body["period"] == {"start": "2026-11-01", "end": "2026-11-11"}
    sources = by(body["by_source"], "source")
    assert sources["manual"]["leads"] == 1  # 00:30 on the 1st counts; 23:30 on the 31st does not
    assert sources["leadpoint"]["leads"] == 2
    assert sources["leadmail"]["leads"] == 0
    assert body["total"]["leads"] == 3


def test_an_open_ended_period(api_client, funnel):
    assert api_client.get(BASE + "leads/", {"period_start": "2026-11-12"}).json()["total"]["leads"] == 3
    assert api_client.get(BASE + "leads/", {"period_end": "2026-10-31"}).json()["total"]["leads"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period_start": "2026-11-10", "period_end": "2026-11-01"}, "period_start"),
        ({"period_start": "10-11-2026"}, "period_start"),
        ({"period_end": "2026-02-30"}, "period_end"),
        ({"period_end": "i går"}, "period_end"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(api_client, params, field):
    response = api_client.get(BASE + "leads/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_the_ends_of_the_calendar_are_no_500(api_client, funnel):
    response = api_client.get(BASE + "leads/", {"period_start": "0001-01-01", "period_end": "9999-12-31"})

    assert response.status_code == 200
    assert response.json()["total"]["leads"] == 7


@pytest.mark.parametrize("rows", [2, 20])
def test_leads_cost_the_same_queries_for_few_or_many(api_client, django_assert_max_num_queries, rows):
    for number in range(rows):
        made = lead(status=Lead.Status.INVOICED, source=Lead.Source.values[number % 4])
        invoice("100.00", status=Invoice.Status.PAID, lead=made)

    with django_assert_max_num_queries(3):  # the user, by source, by service
        body = api_client.get(BASE + "leads/").json()

    assert body["total"]["leads"] == rows
    assert body["total"]["revenue"] == f"{100 * rows}.00"


# --- job-size --------------------------------------------------------------------------------------------------


def test_the_average_job_over_completed_bookings_and_issued_invoices(api_client):
    done = Booking.Status.COMPLETED
    BookingFactory(status=done, duration_hours=Decimal("3.5"), cleaners=1, total_amount=Decimal("1221.50"))
    BookingFactory(status=done, duration_hours=Decimal("4.0"), cleaners=2, total_amount=Decimal("2792.00"))
    BookingFactory(status=done, duration_hours=Decimal("2.0"), cleaners=1, total_amount=Decimal("698.00"))
    BookingFactory(status=Booking.Status.SCHEDULED, duration_hours=Decimal("10"), total_amount=Decimal("9999"))
    BookingFactory(status=Booking.Status.CANCELLED, duration_hours=Decimal("10"), total_amount=Decimal("9999"))
    invoice("1000.00", status=Invoice.Status.SENT)
    invoice("2000.00", status=Invoice.Status.PAID)
    invoice("1500.01", status=Invoice.Status.OVERDUE)
    invoice("9999.00", status=Invoice.Status.DRAFT)
    credited = invoice("5000.00", status=Invoice.Status.CREDITED)
    invoice("-5000.00", status=Invoice.Status.SENT, credited_invoice=credited)

    body = api_client.get(BASE + "job-size/").json()

    assert body == {
        "bookings": {
            "count": 3,
            "average_hours": "3.17",
            "average_cleaners": "1.33",
            "average_amount": "1570.50",
        },
        "invoices": {"count": 3, "average_total": "1500.00"},
    }


def test_with_no_jobs_the_averages_are_null(api_client):
    body = api_client.get(BASE + "job-size/").json()

    assert body == {
        "bookings": {"count": 0, "average_hours": None, "average_cleaners": None, "average_amount": None},
        "invoices": {"count": 0, "average_total": None},
    }


@pytest.mark.parametrize("rows", [2, 20])
def test_job_size_costs_the_same_queries_for_few_or_many(api_client, django_assert_max_num_queries, rows):
    for _number in range(rows):
        BookingFactory(status=Booking.Status.COMPLETED, total_amount=Decimal("1000.00"))
        invoice("1000.00", status=Invoice.Status.PAID)

    with django_assert_max_num_queries(3):  # the user, the bookings, the invoices
        body = api_client.get(BASE + "job-size/").json()

    assert body["bookings"]["count"] == rows
    assert body["invoices"]["average_total"] == "1000.00"


def test_every_analytics_endpoint_is_in_the_schema(api_client):
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert {BASE + url for url in URLS} <= set(paths)
