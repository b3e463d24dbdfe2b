"""`/api/leads/`: list, filter, search, order and page leads; create, change, delete and move them along."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from customers.models import Customer
from leads.models import Activity, Lead
from leads.services import lead_update
from tests.api.helpers import ids
from tests.conftest import bearer
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    CustomerFactory,
    InvoiceFactory,
    LeadFactory,
    UserFactory,
    service,
)

URL = "/api/leads/"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def detail(lead: Lead, suffix: str = "") -> str:
    return f"{URL}{lead.id}/{suffix}"


def lead_at(moment: datetime, **fields) -> Lead:
    with time_machine.travel(moment, tick=False):
        return LeadFactory(**fields)


def non_staff_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    return client


NEW_LEAD = {
    "customer_name": "Anna Jensen",
    "customer_email": "Anna.Jensen@Example.dk",
    "customer_phone": "20 11 22 33",
    "company_name": "",
    "service_type": "fast",
    "address": "Søvej 12",
    "city": "Risskov",
    "postal_code": "8240",
    "area_m2": 110,
    "preferred_date": "2026-12-01",
    "priority": "high",
    "notes": "Har en hund.",
}


# --- who may call -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_callers_get_401(anon_api_client):
    lead = LeadFactory()
    assert anon_api_client.get(URL).status_code == 401
    assert anon_api_client.post(URL, NEW_LEAD, format="json").status_code == 401
    assert anon_api_client.get(detail(lead)).status_code == 401
    assert anon_api_client.post(detail(lead, "status/"), {"status": "contacted"}, format="json").status_code == 401
    assert anon_api_client.delete(detail(lead)).status_code == 401
    assert Lead.objects.filter(pk=lead.pk, status="new").exists()


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403():
    lead = LeadFactory()
    client = non_staff_client()
    assert client.get(URL).status_code == 403
    assert client.post(URL, NEW_LEAD, format="json").status_code == 403
    assert client.get(detail(lead, "activities/")).status_code == 403
    assert client.patch(detail(lead), {"notes": "x"}, format="json").status_code == 403
    assert client.delete(detail(lead)).status_code == 403
    assert Lead.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("lead_id", [str(uuid.uuid4()), "not-a-uuid", "123"])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("put", "", {"notes": "x"}),
        ("patch", "", {"notes": "x"}),
        ("delete", "", None),
        ("post", "status/", {"status": "contacted"}),
        ("get", "activities/", None),
    ],
)
def test_an_unknown_or_malformed_id_is_a_404(api_client, lead_id, method, suffix, body):
    response = getattr(api_client, method)(f"{URL}{lead_id}/{suffix}", body, format="json")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- the list ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_is_newest_first_with_money_as_strings_and_local_times(api_client):
    older = lead_at(utc(2026, 11, 20, 9, 0))
    # 12:00 UTC on 21 November is 13:00 in Copenhagen (CET, +01:00).
    newer = lead_at(utc(2026, 11, 21, 12, 0), estimated_price=Decimal("1221.5"), service_type=service("flytte"))

    response = api_client.get(URL)

    assert ids(response) == [str(newer.id), str(older.id)]
    row = response.json()["results"][0]
    assert row["estimated_price"] == "1221.50"
    assert row["estimated_hours"] == "3.50"
    assert row["created_at"] == "2026-11-21T13:00:00+01:00"
    assert row["service_type"] == "flytte"
    assert row["service_name"] == "Flytterengøring"
    assert row["customer"] == str(newer.customer_id)
    assert row["status"] == "new"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "value", "matching", "other"),
    [
        ("status", "contacted", {"status": "contacted"}, {"status": "new"}),
        ("source", "leadpoint", {"source": "leadpoint"}, {"source": "leadmail"}),
        ("priority", "high", {"priority": "high"}, {"priority": "low"}),
        ("needs_follow_up", "true", {"needs_follow_up": True}, {"needs_follow_up": False}),
    ],
)
def test_the_list_filters_by_a_choice(api_client, param, value, matching, other):
    wanted = LeadFactory(**matching)
    LeadFactory(**other)

    assert ids(api_client.get(URL, {param: value})) == [str(wanted.id)]


@pytest.mark.django_db
def test_the_list_filters_by_service_code(api_client):
    moving = LeadFactory(service_type=service("flytte"))
    LeadFactory(service_type=service("fast"))
    LeadFactory(service_type=None)

    assert ids(api_client.get(URL, {"service_type": "flytte"})) == [str(moving.id)]


@pytest.mark.django_db
def test_the_list_filters_by_customer(api_client):
    customer = CustomerFactory()
    first, second = LeadFactory(customer=customer), LeadFactory(customer=customer)
    LeadFactory()

    assert set(ids(api_client.get(URL, {"customer": str(customer.id)}))) == {str(first.id), str(second.id)}


@pytest.mark.django_db
def test_the_list_filters_by_creation_date_or_moment(api_client):
    # 23:30 UTC on 20 November is already 21 November (00:30) in Copenhagen.
    late_evening = lead_at(utc(2026, 11, 20, 23, 30))
    noon = lead_at(utc(2026, 11, 21, 11, 0))
    next_day = lead_at(utc(2026, 11, 22, 8, 0))
    lead_at(utc(2026, 11, 19, 12, 0))

    on_the_21st = {"created_after": "2026-11-21", "created_before": "2026-11-21"}
    assert ids(api_client.get(URL, on_the_21st)) == [str(noon.id), str(late_evening.id)]
    from_noon = {"created_after": "2026-11-21T12:00:00+01:00"}
    assert ids(api_client.get(URL, from_noon)) == [str(next_day.id), str(noon.id)]
    # A moment without offset is Danish time: 12:00 in Copenhagen is 11:00 UTC.
    until_noon = {"created_after": "2026-11-20", "created_before": "2026-11-21T12:00:00"}
    assert ids(api_client.get(URL, until_noon)) == [str(noon.id), str(late_evening.id)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "lost"),
        ("source", "facebook"),
        ("priority", "urgent"),
        ("service_type", "rengøring"),
        ("customer", "not-a-uuid"),
        ("created_after", "yesterday"),
        ("created_before", "2026-13-45"),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_the_filter(api_client, param, value):
    LeadFactory()

    response = api_client.get(URL, {param: value})

    assert response.status_code == 400
    assert param in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["anna", "JENSEN", "ANNA.JENSEN@EX", "2011", "+4520112233", "1122"])
def test_search_looks_in_name_email_and_phone_in_any_case(api_client, term):
    customer = CustomerFactory(name="Anna Jensen", email="anna.jensen@example.dk", phone="+4520112233")
    anna = LeadFactory(customer=customer)
    LeadFactory(customer=CustomerFactory(name="Bo Nielsen", email="bo@firma.dk", phone="+4588776655"))

    assert ids(api_client.get(URL, {"search": term})) == [str(anna.id)]


@pytest.mark.django_db
def test_ordering_by_name_and_by_price(api_client):
    cheap = LeadFactory(customer_name="Carl", estimated_price=Decimal("698.00"))
    dear = LeadFactory(customer_name="Anna", estimated_price=Decimal("2792.00"))
    middle = LeadFactory(customer_name="Bo", estimated_price=Decimal("1221.50"))

    assert ids(api_client.get(URL, {"ordering": "customer_name"})) == [str(dear.id), str(middle.id), str(cheap.id)]
    assert ids(api_client.get(URL, {"ordering": "-estimated_price"})) == [str(dear.id), str(middle.id), str(cheap.id)]


@pytest.mark.django_db
def test_priority_and_status_sort_in_their_natural_order_not_alphabetically(api_client):
    high = LeadFactory(priority="high", status="invoiced")
    low = LeadFactory(priority="low", status="contacted")
    medium = LeadFactory(priority="medium", status="new")

    assert ids(api_client.get(URL, {"ordering": "-priority"})) == [str(high.id), str(medium.id), str(low.id)]
    assert ids(api_client.get(URL, {"ordering": "status"})) == [str(medium.id), str(low.id), str(high.id)]


@pytest.mark.django_db
def test_rows_with_the_same_sort_key_keep_one_order_across_pages(api_client):
    leads = [LeadFactory(customer_name="Samme Navn") for _ in range(5)]
    expected = sorted(str(lead.id) for lead in leads)

    pages = [api_client.get(URL, {"ordering": "customer_name", "page_size": 2, "page": page}) for page in (1, 2, 3)]

    assert [lead_id for page in pages for lead_id in ids(page)] == expected


@pytest.mark.django_db
def test_the_list_is_paginated(api_client):
    leads = [lead_at(utc(2026, 11, day, 12, 0)) for day in (1, 2, 3)]

    first = api_client.get(URL, {"page_size": 2})
    second = api_client.get(URL, {"page_size": 2, "page": 2})

    assert first.json()["count"] == 3
    assert ids(first) == [str(leads[2].id), str(leads[1].id)]
    assert first.json()["next"].endswith("page=2&page_size=2")
    assert ids(second) == [str(leads[0].id)]
    assert api_client.get(URL, {"page": 3, "page_size": 2}).status_code == 404


@pytest.mark.django_db
def test_page_size_is_capped_at_200(api_client):
    Lead.objects.bulk_create(
        Lead(customer_name=f"Kunde {n}", source=Lead.Source.MANUAL, service_type=service("fast")) for n in range(205)
    )

    response = api_client.get(URL, {"page_size": 500})

    assert response.json()["count"] == 205
    assert len(response.json()["results"]) == 200


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_takes_the_same_number_of_queries_for_3_or_30_leads(api_client, django_assert_max_num_queries, rows):
    LeadFactory.create_batch(rows, service_type=service("hoved"))

    with django_assert_max_num_queries(3):  # the user of the token, the count, the page
        response = api_client.get(URL, {"page_size": 50, "ordering": "-priority"})

    assert len(response.json()["results"]) == rows
    assert response.json()["results"][0]["service_name"] == "Hovedrengøring"


# --- create -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_prices_the_lead_links_a_new_customer_and_writes_the_timeline(api_client, staff_user):
    with time_machine.travel(utc(2026, 11, 21, 12, 0), tick=False):
        api_client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))  # a token valid at that time
        response = api_client.post(URL, NEW_LEAD, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    lead = Lead.objects.get(pk=body["id"])
    customer = Customer.objects.get(email="anna.jensen@example.dk")
    # 110 m² of regular cleaning at 35 m² an hour: 3.5 hours at 349.00.
    assert body["estimated_hours"] == "3.50"
    assert body["estimated_price"] == "1221.50"
    assert body["status"] == "new"
    assert body["source"] == "manual"
    assert body["priority"] == "high"
    assert body["customer"] == str(customer.id)
    assert body["customer_email"] == "anna.jensen@example.dk"
    assert body["customer_phone"] == "+4520112233"
    assert body["created_at"] == "2026-11-21T13:00:00+01:00"
    assert customer.phone == "+4520112233"
    assert customer.total_leads == 1
    activity = lead.activities.get()
    assert activity.title == "Nyt lead oprettet"
    assert activity.description == "Fast rengøring - Risskov"


@pytest.mark.django_db
def test_create_links_the_existing_customer_by_email_in_any_case(api_client):
    customer = CustomerFactory(email="anna.jensen@example.dk")

    response = api_client.post(URL, NEW_LEAD, format="json")

    assert response.status_code == 201
    assert response.json()["customer"] == str(customer.id)
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_create_with_hours_prices_hours_times_the_rate(api_client):
    response = api_client.post(URL, {**NEW_LEAD, "estimated_hours": "4"}, format="json")

    assert response.status_code == 201
    assert response.json()["estimated_hours"] == "4.00"
    assert response.json()["estimated_price"] == "1396.00"


@pytest.mark.django_db
def test_create_ignores_read_only_fields(api_client):
    body = {**NEW_LEAD, "status": "invoiced", "estimated_price": "1.00", "sms_sent": True, "response_sent": True}

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.status, lead.estimated_price, lead.sms_sent, lead.response_sent) == (
        "new",
        Decimal("1221.50"),
        False,
        False,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_phone", "123"),
        ("customer_email", "anna@"),
        ("service_type", "rumrengøring"),
        ("source", "facebook"),
        ("priority", "urgent"),
        ("area_m2", "stort"),
        ("area_m2", -5),
        ("estimated_hours", "mange"),
        ("estimated_hours", "0"),
        ("preferred_date", "næste uge"),
    ],
)
def test_create_refuses_bad_input_with_a_400_on_the_field(api_client, field, value):
    response = api_client.post(URL, {**NEW_LEAD, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Lead.objects.exists()
    assert not Customer.objects.exists()


# --- retrieve, update -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retrieve_shows_the_lead(api_client):
    lead = LeadFactory(notes="Ring efter kl. 16", needs_follow_up=True, follow_up_reason="Ukendt adresse")

    response = api_client.get(detail(lead))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(lead.id)
    assert body["notes"] == "Ring efter kl. 16"
    assert body["needs_follow_up"] is True
    assert body["follow_up_reason"] == "Ukendt adresse"
    assert body["estimated_price"] == "1221.50"


@pytest.mark.django_db
def test_a_put_that_changes_the_area_reprices_the_lead(api_client):
    lead = LeadFactory(area_m2=110, service_type=service("fast"))
    body = api_client.get(detail(lead)).json()

    response = api_client.put(detail(lead), {**body, "area_m2": 140}, format="json")

    assert response.status_code == 200, response.content
    # 140 m² at 35 m² an hour: 4 hours at 349.00.
    assert response.json()["estimated_hours"] == "4.00"
    assert response.json()["estimated_price"] == "1396.00"
    lead.refresh_from_db()
    assert (lead.area_m2, lead.estimated_price) == (140, Decimal("1396.00"))


@pytest.mark.django_db
def test_changing_the_service_reprices_the_lead(api_client):
    lead = LeadFactory(area_m2=72, service_type=service("fast"))

    response = api_client.patch(detail(lead), {"service_type": "flytte"}, format="json")

    assert response.status_code == 200
    # 72 m² of moving-out cleaning at 8 m² an hour: 9 hours.
    assert response.json()["estimated_hours"] == "9.00"
    assert response.json()["estimated_price"] == "3141.00"


@pytest.mark.django_db
def test_changing_the_hours_prices_hours_times_the_rate(api_client):
    lead = LeadFactory()

    response = api_client.patch(detail(lead), {"estimated_hours": "5"}, format="json")

    assert response.status_code == 200
    assert response.json()["estimated_price"] == "1745.00"


@pytest.mark.django_db
def test_changing_other_fields_keeps_the_price_and_normalises_email_and_phone(api_client):
    lead = LeadFactory(estimated_hours=Decimal("4"), estimated_price=Decimal("1396.00"))

    response = api_client.patch(
        detail(lead),
        {"notes": "Nøgle under måtten", "customer_email": " Ny@Example.DK ", "customer_phone": "0045 20 11 22 33"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["estimated_price"] == "1396.00"
    assert body["notes"] == "Nøgle under måtten"
    assert body["customer_email"] == "ny@example.dk"
    assert body["customer_phone"] == "+4520112233"


@pytest.mark.django_db
def test_an_update_does_not_undo_a_status_change_made_meanwhile():
    lead = LeadFactory()
    # A worker moves the lead while the update holds an instance loaded before.
    Lead.objects.filter(pk=lead.pk).update(status="contacted", sms_sent=True)

    lead_update(lead=lead, data={"notes": "Ny note"})

    lead.refresh_from_db()
    assert (lead.status, lead.sms_sent, lead.notes) == ("contacted", True, "Ny note")


@pytest.mark.django_db
def test_an_update_refuses_to_change_the_status(api_client):
    lead = LeadFactory(status="new")

    response = api_client.patch(detail(lead), {"status": "booked"}, format="json")

    assert response.status_code == 400
    assert "/status/" in response.json()["status"][0]
    lead.refresh_from_db()
    assert lead.status == "new"


@pytest.mark.django_db
def test_an_update_accepts_the_current_status(api_client):
    lead = LeadFactory(status="contacted")

    response = api_client.patch(detail(lead), {"status": "contacted", "city": "Aarhus"}, format="json")

    assert response.status_code == 200
    assert response.json()["city"] == "Aarhus"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_phone", "123"),
        ("service_type", "rumrengøring"),
        ("status", "lost"),
        ("priority", "urgent"),
        ("area_m2", "stort"),
    ],
)
def test_an_update_refuses_bad_input_with_a_400_on_the_field(api_client, field, value):
    lead = LeadFactory(notes="før")

    response = api_client.patch(detail(lead), {field: value, "notes": "efter"}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    lead.refresh_from_db()
    assert lead.notes == "før"


# --- delete -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_delete_removes_the_lead_and_its_timeline_and_recounts_the_customer(api_client):
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)
    ActivityFactory(lead=lead)
    Customer.objects.filter(pk=customer.pk).update(total_leads=1)

    response = api_client.delete(detail(lead))

    assert response.status_code == 204
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Activity.objects.exists()
    customer.refresh_from_db()
    assert customer.total_leads == 0


@pytest.mark.django_db
@pytest.mark.parametrize("record", ["booking", "invoice"])
def test_a_lead_with_bookings_or_invoices_cannot_be_deleted(api_client, record):
    lead = LeadFactory()
    if record == "booking":
        BookingFactory(lead=lead)
    else:
        InvoiceFactory(booking=None, lead=lead, customer=lead.customer)

    response = api_client.delete(detail(lead))

    assert response.status_code == 409
    assert "cannot be deleted" in response.json()["detail"]
    assert Lead.objects.filter(pk=lead.pk).exists()


# --- status -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_status_action_moves_the_lead_and_writes_the_timeline(api_client):
    lead = LeadFactory(status="new")

    response = api_client.post(detail(lead, "status/"), {"status": "contacted"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "contacted"
    assert response.json()["id"] == str(lead.id)
    lead.refresh_from_db()
    assert lead.status == "contacted"
    assert lead.activities.get().title == "Status opdateret til Kontaktet"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("current", "wanted", "allowed"),
    [
        ("new", "completed", "allowed: contacted, booked"),
        ("contacted", "new", "allowed: booked"),
        ("completed", "booked", "allowed: invoiced"),
    ],
)
def test_a_move_that_is_not_allowed_is_a_400_naming_the_allowed_ones(api_client, current, wanted, allowed):
    lead = LeadFactory(status=current)

    response = api_client.post(detail(lead, "status/"), {"status": wanted}, format="json")

    assert response.status_code == 400
    assert allowed in response.json()["status"][0]
    lead.refresh_from_db()
    assert lead.status == current
    assert not lead.activities.exists()


@pytest.mark.django_db
def test_an_invoiced_lead_is_final(api_client):
    lead = LeadFactory(status="invoiced")

    response = api_client.post(detail(lead, "status/"), {"status": "completed"}, format="json")

    assert response.status_code == 400
    assert "final" in response.json()["status"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"status": "lost"}, {}, {"status": 3}])
def test_an_unknown_or_missing_status_is_a_400(api_client, body):
    lead = LeadFactory(status="new")

    response = api_client.post(detail(lead, "status/"), body, format="json")

    assert response.status_code == 400
    assert "status" in response.json()


# --- the lead's timeline ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_activities_of_a_lead_are_newest_first_and_paginated(api_client):
    lead = LeadFactory()
    with time_machine.travel(utc(2026, 11, 20, 9, 0), tick=False):
        first = ActivityFactory(lead=lead, title="Nyt lead oprettet")
    with time_machine.travel(utc(2026, 11, 21, 12, 0), tick=False):
        second = ActivityFactory(lead=lead, title="Status opdateret til Kontaktet")
    ActivityFactory()  # another lead's

    response = api_client.get(detail(lead, "activities/"))
    paged = api_client.get(detail(lead, "activities/"), {"page_size": 1})

    assert ids(response) == [str(second.id), str(first.id)]
    assert response.json()["results"][0]["title"] == "Status opdateret til Kontaktet"
    assert response.json()["results"][0]["created_at"] == "2026-11-21T13:00:00+01:00"
    assert paged.json()["count"] == 2
    assert ids(paged) == [str(second.id)]


@pytest.mark.django_db
def test_the_activity_of_a_lead_created_through_the_api_is_on_its_timeline(api_client):
    lead_id = api_client.post(URL, NEW_LEAD, format="json").json()["id"]

    response = api_client.get(f"{URL}{lead_id}/activities/")

    assert [row["title"] for row in response.json()["results"]] == ["Nyt lead oprettet"]
