"""`/api/activities/`: the timeline, read and filtered; newest first, local times, a fixed query budget."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from leads.models import Activity
from tests.api.helpers import ids
from tests.conftest import bearer
from tests.factories import ActivityFactory, BookingFactory, InvoiceFactory, LeadFactory, UserFactory

URL = "/api/activities/"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.django_db
def test_anonymous_callers_get_401(anon_api_client):
    activity = ActivityFactory()
    assert anon_api_client.get(URL).status_code == 401
    assert anon_api_client.get(f"{URL}{activity.id}/").status_code == 401


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403():
    activity = ActivityFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{activity.id}/").status_code == 403


@pytest.mark.django_db
def test_the_timeline_is_newest_first_with_local_times(api_client):
    with time_machine.travel(utc(2026, 11, 20, 9, 0), tick=False):
        older = ActivityFactory(title="Nyt lead oprettet")
    # 12:00 UTC on 21 November is 13:00 in Copenhagen (CET, +01:00).
    with time_machine.travel(utc(2026, 11, 21, 12, 0), tick=False):
        newer = ActivityFactory(title="Status opdateret til Kontaktet", type="pending", metadata={"to": "contacted"})

    response = api_client.get(URL)

    assert ids(response) == [str(newer.id), str(older.id)]
    row = response.json()["results"][0]
    assert row["created_at"] == "2026-11-21T13:00:00+01:00"
    assert row["title"] == "Status opdateret til Kontaktet"
    assert row["type"] == "pending"
    assert row["lead"] == str(newer.lead_id)
    assert row["metadata"] == {"to": "contacted"}


@pytest.mark.django_db
def test_one_entry(api_client):
    activity = ActivityFactory(description="Fast rengøring - Risskov")

    response = api_client.get(f"{URL}{activity.id}/")

    assert response.status_code == 200
    assert response.json()["description"] == "Fast rengøring - Risskov"
    assert response.json()["customer"] == activity.customer


@pytest.mark.django_db
@pytest.mark.parametrize("activity_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_or_malformed_id_is_a_404(api_client, activity_id):
    response = api_client.get(f"{URL}{activity_id}/")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.django_db
def test_the_timeline_is_read_only(api_client):
    activity = ActivityFactory()

    assert api_client.post(URL, {"title": "x", "type": "email"}, format="json").status_code == 405
    assert api_client.patch(f"{URL}{activity.id}/", {"title": "x"}, format="json").status_code == 405
    assert api_client.delete(f"{URL}{activity.id}/").status_code == 405
    assert Activity.objects.get().title == "Nyt lead oprettet"


@pytest.mark.django_db
def test_filter_by_lead(api_client):
    lead = LeadFactory()
    mine = ActivityFactory(lead=lead)
    ActivityFactory()

    assert ids(api_client.get(URL, {"lead": str(lead.id)})) == [str(mine.id)]


@pytest.mark.django_db
@pytest.mark.parametrize(("param", "value", "other"), [("type", "sms", "email"), ("status", "error", "info")])
def test_filter_by_type_and_status(api_client, param, value, other):
    wanted = ActivityFactory(**{param: value})
    ActivityFactory(**{param: other})

    assert ids(api_client.get(URL, {param: value})) == [str(wanted.id)]


@pytest.mark.django_db
def test_filter_by_booking_and_invoice(api_client):
    booking = BookingFactory()
    invoice = InvoiceFactory(booking=booking)
    about_booking = ActivityFactory(lead=booking.lead, booking=booking, type="booking")
    about_invoice = ActivityFactory(lead=booking.lead, invoice=invoice, type="invoice")
    ActivityFactory(lead=booking.lead)

    assert ids(api_client.get(URL, {"booking": str(booking.id)})) == [str(about_booking.id)]
    assert ids(api_client.get(URL, {"invoice": str(invoice.id)})) == [str(about_invoice.id)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "value"),
    [("type", "fax"), ("status", "fatal"), ("lead", "not-a-uuid"), ("booking", "1"), ("invoice", "x")],
)
def test_an_unknown_filter_value_is_a_400_naming_the_filter(api_client, param, value):
    response = api_client.get(URL, {param: value})

    assert response.status_code == 400
    assert param in response.json()


@pytest.mark.django_db
def test_the_timeline_is_paginated(api_client):
    lead = LeadFactory()
    Activity.objects.bulk_create(Activity(lead=lead, type="email", title=f"Entry {n}") for n in range(205))

    small = api_client.get(URL, {"page_size": 5, "page": 2})
    capped = api_client.get(URL, {"page_size": 1000})

    assert small.json()["count"] == 205
    assert len(small.json()["results"]) == 5
    assert small.json()["previous"] is not None
    assert len(capped.json()["results"]) == 200


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_takes_the_same_number_of_queries_for_3_or_30_entries(api_client, django_assert_max_num_queries, rows):
    ActivityFactory.create_batch(rows)

    with django_assert_max_num_queries(3):  # the user of the token, the count, the page
        response = api_client.get(URL, {"page_size": 50})

    assert len(response.json()["results"]) == rows
