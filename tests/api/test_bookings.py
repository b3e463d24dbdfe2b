"""`/api/bookings/`: read and filter bookings; local times, money as strings, a fixed query budget."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking
from tests.api.helpers import ids
from tests.conftest import bearer
from tests.factories import BookingFactory, CustomerFactory, LeadFactory, UserFactory, service

URL = "/api/bookings/"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.django_db
def test_anonymous_callers_get_401(anon_api_client):
    booking = BookingFactory()
    assert anon_api_client.get(URL).status_code == 401
    assert anon_api_client.get(f"{URL}{booking.id}/").status_code == 401


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403():
    booking = BookingFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{booking.id}/").status_code == 403


@pytest.mark.django_db
def test_a_booking_shows_local_times_with_offset_and_money_as_strings(api_client):
    # 12:00 UTC on 21 November is 13:00 in Copenhagen (CET, +01:00).
    booking = BookingFactory(
        booking_date=utc(2026, 11, 21, 12, 0),
        duration_hours=Decimal("3.5"),
        hourly_rate=Decimal("349.00"),
        total_amount=Decimal("1221.5"),
        service_type=service("flytte"),
    )

    response = api_client.get(f"{URL}{booking.id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(booking.id)
    assert body["lead"] == str(booking.lead_id)
    assert body["customer"] == str(booking.customer_id)
    assert body["booking_date"] == "2026-11-21T13:00:00+01:00"
    assert body["booking_time"] == "13:00"
    assert body["ends_at"] == "2026-11-21T16:30:00+01:00"
    assert body["total_amount"] == "1221.50"
    assert body["hourly_rate"] == "349.00"
    assert body["duration_hours"] == "3.50"
    assert body["service_type"] == "flytte"
    assert body["service_name"] == service("flytte").name
    assert body["status"] == "scheduled"
    assert body["customer_name"] == booking.customer_name


@pytest.mark.django_db
def test_summer_bookings_carry_the_summer_offset(api_client):
    booking = BookingFactory(booking_date=utc(2026, 6, 10, 6, 30))

    body = api_client.get(f"{URL}{booking.id}/").json()

    assert body["booking_date"] == "2026-06-10T08:30:00+02:00"
    assert body["booking_time"] == "08:30"


@pytest.mark.django_db
def test_an_unknown_or_malformed_id_is_a_404(api_client):
    assert api_client.get(f"{URL}{uuid.uuid4()}/").status_code == 404
    malformed = api_client.get(f"{URL}not-a-uuid/")
    assert malformed.status_code == 404
    assert "detail" in malformed.json()
    assert api_client.get(f"{URL}12345/").status_code == 404


@pytest.mark.django_db
def test_bookings_change_only_through_their_actions(api_client):
    booking = BookingFactory()
    assert api_client.patch(f"{URL}{booking.id}/", {"notes": "x"}, format="json").status_code == 405
    assert api_client.delete(f"{URL}{booking.id}/").status_code == 405
    assert Booking.objects.filter(pk=booking.pk).exists()


@pytest.mark.django_db
def test_the_list_is_paginated_soonest_first(api_client):
    later = BookingFactory(booking_date=utc(2026, 11, 25, 8))
    sooner = BookingFactory(booking_date=utc(2026, 11, 21, 8))
    latest = BookingFactory(booking_date=utc(2026, 12, 1, 8))

    response = api_client.get(URL, {"page_size": 2})

    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [str(sooner.id), str(later.id)]
    assert body["next"] is not None
    assert ids(api_client.get(URL, {"page_size": 2, "page": 2})) == [str(latest.id)]
    past_the_end = api_client.get(URL, {"page_size": 2, "page": 3})
    assert past_the_end.status_code == 404
    assert "detail" in past_the_end.json()


@pytest.mark.django_db
def test_filter_by_status_lead_customer_and_service(api_client):
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)
    mine = BookingFactory(lead=lead, status=Booking.Status.COMPLETED, service_type=service("hoved"))
    BookingFactory(status=Booking.Status.SCHEDULED)

    assert ids(api_client.get(URL, {"status": "completed"})) == [str(mine.id)]
    assert ids(api_client.get(URL, {"lead": str(lead.id)})) == [str(mine.id)]
    assert ids(api_client.get(URL, {"customer": str(customer.id)})) == [str(mine.id)]
    assert ids(api_client.get(URL, {"service_type": "hoved"})) == [str(mine.id)]
    assert ids(api_client.get(URL, {"lead": str(uuid.uuid4())})) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"service_type": "rumrejse"}, "service_type"),
        ({"lead": "not-a-uuid"}, "lead"),
        ({"customer": "42"}, "customer"),
        ({"date_from": "21-11-2026"}, "date_from"),
        ({"date_to": "2026-02-30"}, "date_to"),
    ],
)
def test_unknown_choices_and_wrong_types_are_a_400_naming_the_field(api_client, params, field):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert all(isinstance(message, str) for message in response.json()[field])


@pytest.mark.django_db
def test_date_filters_take_whole_days_in_copenhagen(api_client):
    # 23:30 UTC on the 20th is already 00:30 on the 21st in Copenhagen; 22:30 UTC on the 21st is 23:30 there.
    first_minute = BookingFactory(booking_date=utc(2026, 11, 20, 23, 30))
    last_hour = BookingFactory(booking_date=utc(2026, 11, 21, 22, 30))
    day_before = BookingFactory(booking_date=utc(2026, 11, 20, 22, 30))
    day_after = BookingFactory(booking_date=utc(2026, 11, 21, 23, 30))

    on_the_21st = ids(api_client.get(URL, {"date_from": "2026-11-21", "date_to": "2026-11-21"}))
    assert on_the_21st == [str(first_minute.id), str(last_hour.id)]
    assert ids(api_client.get(URL, {"date_to": "2026-11-20"})) == [str(day_before.id)]
    assert ids(api_client.get(URL, {"date_from": "2026-11-22"})) == [str(day_after.id)]


@pytest.mark.django_db
def test_dates_at_the_ends_of_the_calendar_are_accepted(api_client):
    booking = BookingFactory()

    assert ids(api_client.get(URL, {"date_from": "0001-01-01", "date_to": "9999-12-31"})) == [str(booking.id)]


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["HANSEN", "hansen@eksempel", "20998877", "bakkevej"])
def test_search_covers_name_email_phone_and_address(api_client, term):
    lead = LeadFactory(customer=None, customer_name="", customer_email="", customer_phone="")
    found = BookingFactory(
        lead=lead,
        customer_name="Jens Hansen",
        customer_email="jens.hansen@eksempel.dk",
        customer_phone="+4520998877",
        address="Bakkevej 3",
    )
    BookingFactory(customer_name="Mette Holm", customer_email="mette@example.dk", address="Søvej 1")

    assert ids(api_client.get(URL, {"search": term})) == [str(found.id)]


@pytest.mark.django_db
def test_ordering_by_amount_breaks_ties_by_id(api_client):
    cheap = BookingFactory(total_amount=Decimal("500.00"))
    tied = sorted([BookingFactory(total_amount=Decimal("900.00")) for _ in range(3)], key=lambda b: str(b.id))

    ascending = ids(api_client.get(URL, {"ordering": "total_amount"}))
    descending = ids(api_client.get(URL, {"ordering": "-total_amount"}))

    assert ascending == [str(cheap.id)] + [str(b.id) for b in tied]
    assert descending == [str(b.id) for b in reversed(tied)] + [str(cheap.id)]


@pytest.mark.django_db
def test_ordering_by_created_at_newest_first(api_client):
    older = BookingFactory(booking_date=utc(2026, 11, 21, 8))
    newer = BookingFactory(booking_date=utc(2026, 11, 20, 8))
    Booking.objects.filter(pk=older.pk).update(created_at=utc(2026, 1, 1))

    assert ids(api_client.get(URL, {"ordering": "-created_at"})) == [str(newer.id), str(older.id)]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_rows(api_client, django_assert_max_num_queries, rows):
    lead = LeadFactory()
    BookingFactory.create_batch(rows, lead=lead)

    # The user of the token, the count, the page (with the service joined in).
    with django_assert_max_num_queries(3):
        response = api_client.get(URL, {"page_size": 50})

    assert response.json()["count"] == rows
    assert all(row["service_name"] for row in response.json()["results"])
