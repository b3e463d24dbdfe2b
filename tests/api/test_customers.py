"""`/api/customers/`: find-or-create, filters by status/tags/email, includes, soft delete, stats, linking leads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from invoicing.models import Invoice
from messaging.models import Conversation
from tests.conftest import bearer
from tests.factories import (
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    UserFactory,
)

URL = "/api/customers/"

FIELDS = {
    "id",
    "name",
    "email",
    "phone",
    "address",
    "company_name",
    "notes",
    "status",
    "tags",
    "total_leads",
    "total_bookings",
    "total_revenue",
    "last_contact_at",
    "created_at",
    "updated_at",
}


def detail(customer) -> str:
    return f"{URL}{customer.pk}/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def editable_customer(**kwargs) -> Customer:
    """A customer whose phone passes validation (CustomerFactory's +452000xxxx numbers are not valid Danish numbers,
    and customer_update checks the stored phone again)."""
    kwargs.setdefault("phone", "")
    return CustomerFactory(**kwargs)


def non_staff_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    return client


def endpoints(customer) -> list[tuple[str, str]]:
    return [
        ("get", URL),
        ("post", URL),
        ("get", detail(customer)),
        ("patch", detail(customer)),
        ("put", detail(customer)),
        ("delete", detail(customer)),
        ("get", f"{detail(customer)}conversations/"),
        ("post", f"{detail(customer)}recompute-stats/"),
        ("post", f"{detail(customer)}link-lead/"),
    ]


# Who may call


@pytest.mark.django_db
def test_anonymous_callers_get_401_everywhere(anon_api_client):
    customer = CustomerFactory()
    for method, url in endpoints(customer):
        assert getattr(anon_api_client, method)(url, {}, format="json").status_code == 401, (method, url)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403_everywhere():
    customer = CustomerFactory()
    client = non_staff_client()
    for method, url in endpoints(customer):
        assert getattr(client, method)(url, {}, format="json").status_code == 403, (method, url)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "conversations/", "recompute-stats/", "link-lead/"])
@pytest.mark.parametrize("customer_id", [str(uuid.uuid4()), "not-a-uuid", "123"])
def test_an_unknown_or_malformed_id_is_404(api_client, suffix, customer_id):
    lead = LeadFactory()
    url = f"{URL}{customer_id}/{suffix}"
    method = api_client.get if suffix in ("", "conversations/") else api_client.post
    response = method(url, {"lead": str(lead.pk)}, format="json")
    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.customer.total_leads == 0


@pytest.mark.django_db
def test_update_and_delete_of_an_unknown_customer_are_404(api_client):
    url = f"{URL}{uuid.uuid4()}/"
    assert api_client.patch(url, {"name": "X"}, format="json").status_code == 404
    assert api_client.put(url, {"name": "X"}, format="json").status_code == 404
    assert api_client.delete(url).status_code == 404
    assert api_client.delete(f"{URL}nope/").status_code == 404


# Reading


@pytest.mark.django_db
def test_a_customer_shows_e164_phone_money_as_string_tags_and_local_times(api_client):
    customer = CustomerFactory(
        name="Mette Hansen",
        email="mette@example.dk",
        phone="+4520112233",
        company_name="Hansen ApS",
        total_leads=2,
        total_bookings=1,
        total_revenue=Decimal("5000"),
        last_contact_at=datetime(2026, 11, 21, 12, 0, tzinfo=UTC),
        tags=["vip", "erhverv"],
    )

    response = api_client.get(detail(customer))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body["id"] == str(customer.pk)
    assert body["email"] == "mette@example.dk"
    assert body["phone"] == "+4520112233"
    assert body["company_name"] == "Hansen ApS"
    assert body["status"] == "active"
    assert body["tags"] == ["erhverv", "vip"]
    assert body["total_leads"] == 2
    assert body["total_bookings"] == 1
    assert body["total_revenue"] == "5000.00"
    # 12:00 UTC on 21 November is 13:00 in Copenhagen.
    assert body["last_contact_at"] == "2026-11-21T13:00:00+01:00"


@pytest.mark.django_db
def test_the_list_is_paginated_and_ordered_by_name_then_id(api_client):
    for name in ("Ørsted", "Andersen", "Bech", "Andersen"):
        CustomerFactory(name=name)

    response = api_client.get(URL, {"page_size": 3})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["next"] is not None
    assert [row["name"] for row in body["results"]] == ["Andersen", "Andersen", "Bech"]
    first, second = body["results"][0]["id"], body["results"][1]["id"]
    assert first < second
    assert names(api_client.get(URL, {"page": 2, "page_size": 3})) == ["Ørsted"]


@pytest.mark.django_db
def test_the_list_orders_by_revenue_on_request(api_client):
    CustomerFactory(name="Lille", total_revenue=Decimal("100"))
    CustomerFactory(name="Stor", total_revenue=Decimal("9000"))
    CustomerFactory(name="Mellem", total_revenue=Decimal("1500"))

    assert names(api_client.get(URL, {"ordering": "-total_revenue"})) == ["Stor", "Mellem", "Lille"]
    assert api_client.get(URL, {"ordering": "-total_revenue"}).json()["results"][0]["total_revenue"] == "9000.00"


@pytest.mark.django_db
def test_the_status_filter(api_client):
    CustomerFactory(name="Aktiv")
    CustomerFactory(name="Spærret", status=Customer.Status.BLOCKED)

    assert names(api_client.get(URL, {"status": "blocked"})) == ["Spærret"]
    assert names(api_client.get(URL, {"status": "active"})) == ["Aktiv"]


@pytest.mark.django_db
def test_an_unknown_status_is_a_400_on_that_field(api_client):
    response = api_client.get(URL, {"status": "deleted"})
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.django_db
def test_one_tag_finds_the_customers_carrying_it_in_any_case(api_client):
    CustomerFactory(name="Vip", tags=["vip"])
    CustomerFactory(name="Begge", tags=["VIP", "erhverv"])
    CustomerFactory(name="Erhverv", tags=["erhverv"])
    CustomerFactory(name="Ingen")

    assert names(api_client.get(URL, {"tag": "vip"})) == ["Begge", "Vip"]


@pytest.mark.django_db
def test_two_tags_find_only_customers_carrying_both(api_client):
    CustomerFactory(name="Vip", tags=["vip"])
    CustomerFactory(name="Begge", tags=["vip", "erhverv"])
    CustomerFactory(name="Erhverv", tags=["erhverv"])

    response = api_client.get(f"{URL}?tag=vip&tag=erhverv")

    assert names(response) == ["Begge"]
    assert response.json()["results"][0]["tags"] == ["erhverv", "vip"]
    assert names(api_client.get(f"{URL}?tag=vip&tag=ukendt")) == []


@pytest.mark.django_db
def test_the_email_filter_is_exact_and_ignores_case(api_client):
    CustomerFactory(name="Mette", email="mette@example.dk")
    CustomerFactory(name="Mette Junior", email="mette.junior@example.dk")

    assert names(api_client.get(URL, {"email": "METTE@Example.DK"})) == ["Mette"]
    assert names(api_client.get(URL, {"email": "mette"})) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "term", ["hansen", "HANSEN@EXAMPLE", "20112233", "rengøring aps"], ids=["name", "email", "phone", "company"]
)
def test_search_covers_name_email_phone_and_company(api_client, term):
    CustomerFactory(name="Mette Hansen", email="hansen@example.dk", phone="+4520112233", company_name="Rengøring ApS")
    CustomerFactory(name="Jens Jensen", email="jens@example.dk", phone="+4530998877", company_name="Jensen")

    assert names(api_client.get(URL, {"search": term})) == ["Mette Hansen"]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_costs_the_same_queries_for_3_or_30_tagged_customers(api_client, django_assert_max_num_queries, rows):
    for n in range(rows):
        CustomerFactory(tags=["vip", f"tag{n}"])

    # auth user, count, page, tags
    with django_assert_max_num_queries(4):
        response = api_client.get(URL, {"page_size": 50, "tag": "vip"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert all(len(row["tags"]) == 2 for row in response.json()["results"])


# Creating


@pytest.mark.django_db
def test_create_normalises_email_and_phone_and_sets_tags(api_client):
    response = api_client.post(
        URL,
        {
            "name": "Mette Hansen",
            "email": " Mette@Example.DK ",
            "phone": "20 11 22 33",
            "address": "Søvej 1, 8240 Risskov",
            "tags": ["vip", "erhverv"],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "mette@example.dk"
    assert body["phone"] == "+4520112233"
    assert body["status"] == "active"
    assert body["tags"] == ["erhverv", "vip"]
    assert body["total_revenue"] == "0.00"
    customer = Customer.objects.get(pk=body["id"])
    assert sorted(customer.tags.names()) == ["erhverv", "vip"]


@pytest.mark.django_db
def test_a_second_create_with_the_same_email_in_another_case_is_409_with_the_existing_id(api_client):
    existing = CustomerFactory(name="Mette Hansen", email="mette@example.dk")

    response = api_client.post(URL, {"name": "Mette H.", "email": "METTE@example.dk"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["id"] == str(existing.pk)
    assert "mette@example.dk" in body["detail"]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_create_cannot_set_status_or_stats(api_client):
    response = api_client.post(
        URL,
        {"name": "Ny", "email": "ny@example.dk", "status": "blocked", "total_revenue": "999.00", "total_leads": 9},
        format="json",
    )

    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.status == Customer.Status.ACTIVE
    assert customer.total_revenue == 0
    assert customer.total_leads == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "email": "ikke-en-mail"}, "email"),
        ({"name": "X", "phone": "12"}, "phone"),
        ({"email": "x@example.dk"}, "name"),
        ({"name": "X", "tags": "vip"}, "tags"),
        ({"name": "X", "tags": [["vip"]]}, "tags"),
    ],
    ids=["bad-email", "bad-phone", "no-name", "tags-not-a-list", "tag-not-a-string"],
)
def test_bad_input_on_create_is_a_400_on_that_field(api_client, payload, field):
    response = api_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Customer.objects.exists()


# Including leads and conversations


@pytest.mark.django_db
def test_a_plain_read_has_no_leads_or_conversations(api_client):
    customer = CustomerFactory()
    LeadFactory(customer=customer)

    body = api_client.get(detail(customer)).json()

    assert "leads" not in body
    assert "conversations" not in body


@pytest.mark.django_db
def test_include_leads_adds_the_customers_leads(api_client):
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer, estimated_price=Decimal("1221.5"))
    LeadFactory()  # someone else's

    body = api_client.get(detail(customer), {"include": "leads"}).json()

    assert "conversations" not in body
    assert body["leads"] == [
        {
            "id": str(lead.pk),
            "status": "new",
            "source": "leadmail",
            "service_type": "fast",
            "estimated_price": "1221.50",
            "created_at": body["leads"][0]["created_at"],
        }
    ]
    assert body["leads"][0]["created_at"].endswith(("+01:00", "+02:00"))


@pytest.mark.django_db
def test_include_conversations_adds_the_customers_conversations(api_client):
    customer = CustomerFactory()
    conversation = ConversationFactory(lead=LeadFactory(customer=customer), subject="Flytterengøring")

    body = api_client.get(detail(customer), {"include": "conversations"}).json()

    assert "leads" not in body
    assert [(row["id"], row["subject"], row["channel"], row["status"]) for row in body["conversations"]] == [
        (str(conversation.pk), "Flytterengøring", "email", "active")
    ]
    assert set(body["conversations"][0]) == {"id", "subject", "channel", "status", "updated_at"}


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 20])
def test_include_both_costs_the_same_queries_for_few_or_many_rows(api_client, django_assert_max_num_queries, rows):
    customer = CustomerFactory(tags=["vip"])
    for _ in range(rows):
        ConversationFactory(lead=LeadFactory(customer=customer))

    # auth user, customer, tags, leads, conversations
    with django_assert_max_num_queries(5):
        response = api_client.get(detail(customer), {"include": "leads,conversations"})

    assert response.status_code == 200
    assert len(response.json()["leads"]) == rows
    assert len(response.json()["conversations"]) == rows


@pytest.mark.django_db
def test_include_may_be_repeated(api_client):
    customer = CustomerFactory()
    conversation = ConversationFactory(lead=LeadFactory(customer=customer))

    body = api_client.get(f"{detail(customer)}?include=leads&include=conversations").json()

    assert [row["id"] for row in body["leads"]] == [str(conversation.lead_id)]
    assert [row["id"] for row in body["conversations"]] == [str(conversation.pk)]


@pytest.mark.django_db
def test_an_unknown_include_is_a_400(api_client):
    customer = CustomerFactory()

    response = api_client.get(detail(customer), {"include": "leads,invoices"})

    assert response.status_code == 400
    assert "invoices" in str(response.json()["include"])


# Updating


@pytest.mark.django_db
def test_patch_changes_the_given_fields_and_replaces_the_tags(api_client):
    customer = CustomerFactory(name="Mette", notes="Gammel note", tags=["vip", "erhverv"])

    response = api_client.patch(detail(customer), {"phone": "30 99 88 77", "tags": ["privat"]}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == "+4530998877"
    assert body["tags"] == ["privat"]
    assert body["notes"] == "Gammel note"
    customer.refresh_from_db()
    assert customer.phone == "+4530998877"
    assert list(customer.tags.names()) == ["privat"]


@pytest.mark.django_db
def test_put_replaces_the_customer(api_client):
    customer = editable_customer(name="Mette", company_name="Gammel ApS")

    response = api_client.put(
        detail(customer),
        {"name": "Mette Hansen", "email": "ny@example.dk", "company_name": "", "status": "blocked"},
        format="json",
    )

    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.company_name, customer.status) == (
        "Mette Hansen",
        "ny@example.dk",
        "",
        "blocked",
    )


@pytest.mark.django_db
def test_stats_are_read_only(api_client):
    customer = editable_customer(total_revenue=Decimal("100"))

    response = api_client.patch(detail(customer), {"total_revenue": "99999.00", "total_leads": 42}, format="json")

    assert response.status_code == 200
    assert response.json()["total_revenue"] == "100.00"
    customer.refresh_from_db()
    assert customer.total_leads == 0


@pytest.mark.django_db
def test_changing_to_an_email_another_customer_has_is_409_with_that_customers_id(api_client):
    other = CustomerFactory(email="mette@example.dk")
    customer = editable_customer(email="jens@example.dk")

    response = api_client.patch(detail(customer), {"email": "Mette@Example.dk"}, format="json")

    assert response.status_code == 409
    assert response.json()["id"] == str(other.pk)
    customer.refresh_from_db()
    assert customer.email == "jens@example.dk"


@pytest.mark.django_db
def test_keeping_ones_own_email_in_another_case_is_fine(api_client):
    customer = editable_customer(email="jens@example.dk")

    response = api_client.patch(detail(customer), {"email": "JENS@example.dk"}, format="json")

    assert response.status_code == 200
    assert response.json()["email"] == "jens@example.dk"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"status": "deleted"}, "status"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_on_update_is_a_400_on_that_field(api_client, payload, field):
    customer = CustomerFactory(name="Mette", phone="+4520112233")

    response = api_client.patch(detail(customer), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.status) == ("Mette", "+4520112233", "active")


# Deleting


@pytest.mark.django_db
def test_delete_is_soft_the_row_stays_inactive(api_client):
    customer = CustomerFactory()
    LeadFactory(customer=customer)

    response = api_client.delete(detail(customer))

    assert response.status_code == 204
    customer.refresh_from_db()
    assert customer.status == Customer.Status.INACTIVE
    assert customer.leads.count() == 1
    after = api_client.get(detail(customer))
    assert after.status_code == 200
    assert after.json()["status"] == "inactive"
    assert names(api_client.get(URL, {"status": "inactive"})) == [customer.name]


# Conversations of a customer


@pytest.mark.django_db
def test_the_customers_conversations_with_message_counts_latest_first(api_client):
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)
    older = ConversationFactory(lead=lead, subject="Første")
    newer = ConversationFactory(lead=lead, subject="Anden")
    EmailMessageFactory.create_batch(2, conversation=older)
    Conversation.objects.filter(pk=older.pk).update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    ConversationFactory(subject="En andens")

    response = api_client.get(f"{detail(customer)}conversations/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(row["id"], row["subject"], row["message_count"]) for row in body["results"]] == [
        (str(newer.pk), "Anden", 0),
        (str(older.pk), "Første", 2),
    ]
    assert body["results"][0]["lead"] == str(lead.pk)


@pytest.mark.django_db
def test_customer_filters_do_not_hide_the_customer_behind_an_action(api_client):
    customer = CustomerFactory(status=Customer.Status.INACTIVE)
    ConversationFactory(lead=LeadFactory(customer=customer))

    response = api_client.get(f"{detail(customer)}conversations/", {"status": "active"})

    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_the_customers_conversations_cost_the_same_queries_for_3_or_30(api_client, django_assert_max_num_queries, rows):
    customer = CustomerFactory()
    for _ in range(rows):
        EmailMessageFactory(conversation=ConversationFactory(lead=LeadFactory(customer=customer)))

    # auth user, customer, count, page
    with django_assert_max_num_queries(4):
        response = api_client.get(f"{detail(customer)}conversations/", {"page_size": 50})

    assert len(response.json()["results"]) == rows


# Stats and linking leads


@pytest.mark.django_db
def test_recompute_stats_counts_leads_bookings_and_paid_revenue(api_client):
    customer = CustomerFactory(total_leads=0, total_revenue=Decimal("0"))
    lead = LeadFactory(customer=customer)
    LeadFactory(customer=customer)
    booking = BookingFactory(lead=lead)
    InvoiceFactory(
        booking=booking,
        invoice_number="2026-0001",
        status=Invoice.Status.PAID,
        subtotal=Decimal("4000"),
        vat_amount=Decimal("1000"),
        total_amount=Decimal("5000"),
    )
    InvoiceFactory(
        booking=BookingFactory(lead=lead),
        invoice_number="2026-0002",
        status=Invoice.Status.SENT,
        subtotal=Decimal("560"),
        vat_amount=Decimal("140"),
        total_amount=Decimal("700"),
    )

    response = api_client.post(f"{detail(customer)}recompute-stats/")

    assert response.status_code == 200
    body = response.json()
    assert body["total_leads"] == 2
    assert body["total_bookings"] == 2
    assert body["total_revenue"] == "5000.00"
    customer.refresh_from_db()
    assert customer.total_revenue == Decimal("5000.00")


@pytest.mark.django_db
def test_link_lead_moves_the_lead_and_recounts_both_customers(api_client):
    previous = CustomerFactory()
    lead = LeadFactory(customer=previous)
    customer = CustomerFactory()
    LeadFactory(customer=customer)
    api_client.post(f"{detail(previous)}recompute-stats/")
    assert Customer.objects.get(pk=previous.pk).total_leads == 1

    response = api_client.post(f"{detail(customer)}link-lead/", {"lead": str(lead.pk)}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(customer.pk)
    assert response.json()["total_leads"] == 2
    lead.refresh_from_db()
    assert lead.customer_id == customer.pk
    assert Customer.objects.get(pk=previous.pk).total_leads == 0


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{"lead": str(uuid.uuid4())}, {"lead": "not-a-uuid"}, {"lead": 12}, {}])
def test_link_lead_with_an_unknown_or_bad_lead_is_a_400_on_lead(api_client, payload):
    customer = CustomerFactory()

    response = api_client.post(f"{detail(customer)}link-lead/", payload, format="json")

    assert response.status_code == 400
    assert "lead" in response.json()
    customer.refresh_from_db()
    assert customer.total_leads == 0


@pytest.mark.django_db
def test_a_requested_ordering_breaks_ties_by_id_so_pages_are_stable(api_client):
    tied = sorted(str(CustomerFactory(total_revenue=Decimal("500")).pk) for _ in range(4))

    first = api_client.get(URL, {"ordering": "-total_revenue", "page_size": 2}).json()["results"]
    second = api_client.get(URL, {"ordering": "-total_revenue", "page_size": 2, "page": 2}).json()["results"]

    assert [row["id"] for row in first + second] == tied
