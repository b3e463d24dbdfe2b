"""Merging customers: everything moves to the kept one, its stats are right, the merged ones are recorded and gone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.models import Booking
from customers.models import Customer, TaggedCustomer
from invoicing.models import Invoice
from leads.models import Activity, Lead
from messaging.models import Conversation, EmailMessage, SmsMessage
from renos.backoffice.merge import customer_merge
from tests.admin.helpers import admin_url, messages_of
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    SmsMessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TABLES = {
    "leads": (Lead, "customer"),
    "conversations": (Conversation, "customer"),
    "bookings": (Booking, "customer"),
    "invoices": (Invoice, "customer"),
    "sms": (SmsMessage, "lead__customer"),
    "emails": (EmailMessage, "conversation__customer"),
    "activities": (Activity, "lead__customer"),
}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def actor():
    return UserFactory(username="kontor", is_staff=True)


def history(customer: Customer, *, paid: bool, number: str) -> None:
    """A lead with an email, an SMS, a booking, an invoice and an activity."""
    lead = LeadFactory(customer=customer)
    EmailMessageFactory(conversation=ConversationFactory(lead=lead, customer=customer))
    SmsMessageFactory(lead=lead)
    booking = BookingFactory(lead=lead)
    InvoiceFactory(booking=booking, invoice_number=number, status=Invoice.Status.PAID if paid else Invoice.Status.SENT)
    ActivityFactory(lead=lead, title="Nyt lead oprettet")


def counts(customer: Customer) -> dict[str, int]:
    return {kind: model.objects.filter(**{path: customer}).count() for kind, (model, path) in TABLES.items()}


def totals() -> dict[str, int]:
    return {kind: model.objects.count() for kind, (model, _path) in TABLES.items()}


def test_merging_moves_every_row_and_removes_the_duplicates(actor):
    kept = CustomerFactory(name="Anna Møller", email="anna@example.dk", tags=["vip"])
    first = CustomerFactory(name="Anna M", tags=["vip", "erhverv"])
    second = CustomerFactory(name="A. Møller", tags=["fast"])
    other = CustomerFactory(name="Bo Jensen")
    history(kept, paid=True, number="1")
    history(first, paid=True, number="2")
    history(first, paid=False, number="3")
    history(second, paid=False, number="4")
    history(other, paid=True, number="5")
    before = {customer.pk: counts(customer) for customer in (kept, first, second, other)}
    all_rows = totals()

    customer_merge(kept=kept, duplicates=[first, second], actor=actor)

    assert counts(kept) == {
        kind: before[kept.pk][kind] + before[first.pk][kind] + before[second.pk][kind] for kind in TABLES
    }
    assert counts(other) == before[other.pk]
    # Nothing lost, nothing copied; one activity more: the record of the merge.
    assert totals() == {**all_rows, "activities": all_rows["activities"] + 1}
    assert not Customer.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert sorted(kept.tags.names()) == ["erhverv", "fast", "vip"]
    assert TaggedCustomer.objects.filter(content_object=kept).count() == 3
    assert not Lead.objects.filter(customer__isnull=True).exists()


def test_the_kept_customers_statistics_are_right_after_the_merge(actor):
    kept = CustomerFactory()
    duplicate = CustomerFactory(last_contact_at=dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC))
    history(kept, paid=True, number="1")
    history(duplicate, paid=True, number="2")
    history(duplicate, paid=False, number="3")
    Booking.objects.filter(customer=duplicate).update(status=Booking.Status.CANCELLED)
    BookingFactory(lead=Lead.objects.filter(customer=duplicate).first())

    merged = customer_merge(kept=kept, duplicates=[duplicate], actor=actor)

    merged.refresh_from_db()
    assert merged.total_leads == 3
    assert merged.total_bookings == 2  # the two cancelled ones do not count
    assert merged.total_revenue == Decimal("2443.00")  # the paid invoices
    assert merged.last_contact_at >= dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def test_empty_contact_details_are_filled_from_the_duplicates_and_a_block_stays(actor):
    kept = CustomerFactory(name="Anna Møller", email=None, phone="", address="Søvej 12", company_name="")
    duplicate = CustomerFactory(
        name="Anna M",
        email="anna@example.dk",
        phone="+4520112233",
        address="Havnegade 3",
        company_name="Møller ApS",
        status=Customer.Status.BLOCKED,
        billy_contact_id="billy-77",
    )

    customer_merge(kept=kept, duplicates=[duplicate], actor=actor)

    kept.refresh_from_db()
    assert (kept.name, kept.email, kept.phone, kept.address, kept.company_name) == (
        "Anna Møller",
        "anna@example.dk",
        "+4520112233",
        "Søvej 12",
        "Møller ApS",
    )
    assert kept.status == Customer.Status.BLOCKED
    assert kept.billy_contact_id == "billy-77"


def test_the_merge_is_recorded_in_an_activity_with_everything_the_duplicates_held(actor):
    kept = CustomerFactory(name="Anna Møller")
    duplicate = CustomerFactory(name="Anna M", email="anna.m@example.dk", notes="Nøgle under måtten", tags=["vip"])
    history(duplicate, paid=False, number="1")
    ActivityFactory(lead=None, title="Ringede", metadata={"customer_id": str(duplicate.pk)})

    customer_merge(kept=kept, duplicates=[duplicate], actor=actor)

    activity = Activity.objects.get(title="Kunder lagt sammen")
    assert activity.metadata["customer_id"] == str(kept.pk)
    assert activity.metadata["by"] == "kontor"
    [record] = activity.metadata["merged_customers"]
    assert record["id"] == str(duplicate.pk)
    assert (record["name"], record["email"], record["notes"], record["tags"]) == (
        "Anna M",
        "anna.m@example.dk",
        "Nøgle under måtten",
        ["vip"],
    )
    assert activity.metadata["moved"]["leads"] == 1
    assert activity.metadata["moved"]["activities"] == 2
    assert activity.description == (
        "Anna M (anna.m@example.dk) er lagt sammen med Anna Møller. "
        "Flyttet: 1 lead, 1 samtale, 1 booking, 1 faktura, 1 sms, 2 aktiviteter, 1 tag."
    )
    # The duplicate's own activity is now the kept customer's.
    assert Activity.objects.get(title="Ringede").metadata["customer_id"] == str(kept.pk)


def test_merging_a_customer_into_itself_is_refused(actor):
    kept = CustomerFactory()
    LeadFactory(customer=kept)

    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        customer_merge(kept=kept, duplicates=[kept], actor=actor)

    assert Customer.objects.filter(pk=kept.pk).exists()
    assert Lead.objects.filter(customer=kept).count() == 1


def test_merging_a_single_customer_is_refused(actor):
    kept = CustomerFactory(name="Anna Møller")

    with pytest.raises(ValidationError, match="Choose at least one other customer to merge into Anna Møller"):
        customer_merge(kept=kept, duplicates=[], actor=actor)


def test_a_customer_merged_away_meanwhile_is_refused(actor):
    kept, duplicate = CustomerFactory(), CustomerFactory()
    Customer.objects.filter(pk=duplicate.pk).delete()

    with pytest.raises(ValidationError, match="no longer exists"):
        customer_merge(kept=kept, duplicates=[duplicate], actor=actor)


# --- The admin ------------------------------------------------------------------------------------


def merge_url(*customers: Customer) -> str:
    return f"{reverse('admin:customers_customer_merge')}?ids={','.join(str(c.pk) for c in customers)}"


def test_the_changelist_action_opens_the_confirmation_with_what_moves(admin_client_logged_in):
    first = CustomerFactory(name="Anna Møller")
    second = CustomerFactory(name="Anna M")
    history(second, paid=False, number="1")

    response = admin_client_logged_in.post(
        admin_url(Customer, "changelist"),
        {"action": "merge_customers", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    confirmation = admin_client_logged_in.get(response.url)

    assert confirmation.status_code == 200
    rows = {customer.pk: dict(held) for customer, held in confirmation.context["rows"]}
    assert rows[second.pk]["leads"] == 1
    assert rows[second.pk]["invoices"] == 1
    assert rows[second.pk]["SMS"] == 1
    assert rows[first.pk]["leads"] == 0
    # The one with the most leads is suggested as the one to keep.
    assert confirmation.context["form"]["kept"].value() == str(second.pk)


def test_the_action_on_one_customer_says_a_merge_needs_two(admin_client_logged_in):
    customer = CustomerFactory()

    response = admin_client_logged_in.post(
        admin_url(Customer, "changelist"), {"action": "merge_customers", "_selected_action": [customer.pk]}, follow=True
    )

    assert ("error", "Select at least two customers to merge.") in [
        (message.level_tag, str(message)) for message in response.context["messages"]
    ]
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_the_same_customer_twice_is_refused_with_a_message(admin_client_logged_in):
    customer = CustomerFactory()

    response = admin_client_logged_in.get(merge_url(customer, customer))

    assert response.status_code == 302
    assert (
        "error",
        "A merge needs at least two different customers; a customer cannot be merged into itself.",
    ) in messages_of(response)


def test_confirming_merges_into_the_chosen_customer(admin_client_logged_in):
    kept = CustomerFactory(name="Anna Møller")
    duplicate = CustomerFactory(name="Anna M")
    history(duplicate, paid=True, number="1")
    page = admin_client_logged_in.get(merge_url(kept, duplicate))

    response = admin_client_logged_in.post(
        reverse("admin:customers_customer_merge"), {"ids": page.context["form"]["ids"].value(), "kept": kept.pk}
    )

    assert response.status_code == 302
    assert response.url == admin_url(Customer, "change", kept.pk)
    assert ("success", "Merged 1 customer into Anna Møller.") in messages_of(response)
    assert list(Customer.objects.values_list("pk", flat=True)) == [kept.pk]
    assert Lead.objects.get().customer == kept


def test_choosing_no_customer_to_keep_is_a_form_error(admin_client_logged_in):
    first, second = CustomerFactory(), CustomerFactory()

    response = admin_client_logged_in.post(
        reverse("admin:customers_customer_merge"), {"ids": f"{first.pk},{second.pk}", "kept": ""}
    )

    assert response.status_code == 200
    assert "kept" in response.context["form"].errors
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("rows", [1, 10])
def test_the_confirmation_costs_the_same_queries_for_few_or_many_rows(
    admin_client_logged_in, django_assert_max_num_queries, rows
):
    first, second = CustomerFactory(), CustomerFactory()
    for number in range(rows):
        history(second, paid=False, number=str(number))

    with django_assert_max_num_queries(14):
        response = admin_client_logged_in.get(merge_url(first, second))

    assert dict(response.context["rows"][1][1])["leads"] == rows


def test_staff_who_may_only_view_customers_cannot_merge(client):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="laeser", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(user)
    first, second = CustomerFactory(), CustomerFactory()

    response = client.post(
        reverse("admin:customers_customer_merge"), {"ids": f"{first.pk},{second.pk}", "kept": first.pk}
    )

    assert response.status_code == 403
    assert Customer.objects.count() == 2
