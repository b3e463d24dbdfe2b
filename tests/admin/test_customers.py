"""The customer admin: numbers and emails stored the one way the system finds them, and deleting is soft."""

from __future__ import annotations

import html
import re

import pytest

from customers.models import Customer
from tests.admin.helpers import admin_url, form_data, messages_of
from tests.factories import BookingFactory, ConversationFactory, CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def add_customer(client, **fields):
    data = form_data(client.get(admin_url(Customer, "add")))
    data.update(fields)
    return client.post(admin_url(Customer, "add"), data)


def test_a_new_customer_is_stored_with_an_e164_phone_and_a_lower_case_email(admin_client_logged_in):
    response = add_customer(
        admin_client_logged_in, name="Anna Møller", email=" Anna@Example.DK ", phone="20 11 22 33", tags="vip, fast"
    )

    assert response.status_code == 302
    customer = Customer.objects.get(name="Anna Møller")
    assert (customer.email, customer.phone) == ("anna@example.dk", "+4520112233")
    assert customer.status == Customer.Status.ACTIVE
    assert sorted(customer.tags.names()) == ["fast", "vip"]


def test_an_email_taken_in_another_case_is_a_form_error(admin_client_logged_in):
    CustomerFactory(name="Anna Møller", email="anna@example.dk")

    response = add_customer(admin_client_logged_in, name="Anna M.", email="ANNA@example.dk")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["Anna Møller already has the email anna@example.dk."]
    assert Customer.objects.count() == 1


def test_an_unreadable_phone_is_an_error_on_the_phone_field(admin_client_logged_in):
    response = add_customer(admin_client_logged_in, name="Anna Møller", phone="ring efter kl. 16")

    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert not Customer.objects.exists()


def test_search_finds_a_phone_typed_with_spaces(admin_client_logged_in):
    wanted = CustomerFactory(phone="+4520112233")
    CustomerFactory(phone="+4521111111")

    response = admin_client_logged_in.get(admin_url(Customer, "changelist"), {"q": "20 11 22 33"})

    assert [customer.pk for customer in response.context["cl"].result_list] == [wanted.pk]


def test_the_tag_filter_shows_only_customers_with_the_tag(admin_client_logged_in):
    vip = CustomerFactory(tags=["vip"])
    CustomerFactory(tags=["erhverv"])

    response = admin_client_logged_in.get(admin_url(Customer, "changelist"), {"tag": "vip"})

    assert [customer.pk for customer in response.context["cl"].result_list] == [vip.pk]


def test_recompute_statistics_counts_leads_and_bookings(admin_client_logged_in):
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)
    LeadFactory(customer=customer)
    BookingFactory(lead=lead)
    assert (customer.total_leads, customer.total_bookings) == (0, 0)

    response = admin_client_logged_in.post(
        admin_url(Customer, "changelist"), {"action": "recompute_stats", "_selected_action": [str(customer.pk)]}
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.total_leads, customer.total_bookings) == (2, 1)
    assert ("success", "Recomputed the statistics of 1 customer.") in messages_of(response)


def test_deactivating_keeps_the_customer_and_leaves_a_blocked_one_blocked(admin_client_logged_in):
    active = CustomerFactory(name="Aktiv Kunde")
    blocked = CustomerFactory(name="Blokeret Kunde", status=Customer.Status.BLOCKED)
    LeadFactory(customer=active)

    response = admin_client_logged_in.post(
        admin_url(Customer, "changelist"),
        {"action": "soft_delete", "_selected_action": [str(active.pk), str(blocked.pk)]},
    )

    assert response.status_code == 302
    active.refresh_from_db()
    blocked.refresh_from_db()
    assert active.status == Customer.Status.INACTIVE
    assert active.leads.count() == 1, "the history stays with the customer"
    assert blocked.status == Customer.Status.BLOCKED
    assert ("success", "Deactivated 1 customer.") in messages_of(response)


def test_there_is_no_hard_delete_of_a_customer(admin_client_logged_in):
    customer = CustomerFactory()

    changelist = admin_client_logged_in.get(admin_url(Customer, "changelist"))
    delete = admin_client_logged_in.post(admin_url(customer, "delete", customer.pk), {"post": "yes"})

    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert "soft_delete" in actions
    assert delete.status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_the_customer_page_shows_its_leads_and_conversations(admin_client_logged_in):
    lead = LeadFactory(customer_name="Mette Holm")
    ConversationFactory(lead=lead, subject="Tilbud på flytterengøring")

    response = admin_client_logged_in.get(admin_url(lead.customer, "change", lead.customer.pk))

    assert response.status_code == 200
    assert admin_url(lead, "change", lead.pk) in response.text
    assert "Tilbud på flytterengøring" in response.text


def test_a_lead_for_an_existing_customer_starts_filled_in(admin_client_logged_in):
    customer = CustomerFactory(name="Anna Møller", email="anna@example.dk", phone="+4520112233")
    page = admin_client_logged_in.get(admin_url(customer, "change", customer.pk))
    link = re.search(r'href="([^"]*/leads/lead/add/\?[^"]*)"', page.text)
    assert link, "the customer page links to a new lead"

    response = admin_client_logged_in.get(html.unescape(link.group(1)))

    initial = response.context["adminform"].form.initial
    assert str(initial["customer"]) == str(customer.pk)
    assert (initial["customer_email"], initial["customer_phone"]) == ("anna@example.dk", "+4520112233")


def test_editing_a_customer_normalises_the_phone_and_keeps_the_tags(admin_client_logged_in):
    customer = CustomerFactory(name="Anna Møller", phone="", tags=["vip"])
    data = form_data(admin_client_logged_in.get(admin_url(customer, "change", customer.pk)))
    data.update(phone="0045 20 11 22 33", notes="Nøgle under måtten")

    response = admin_client_logged_in.post(admin_url(customer, "change", customer.pk), data)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.notes) == ("+4520112233", "Nøgle under måtten")
    assert list(customer.tags.names()) == ["vip"]


def test_editing_a_customer_to_another_customers_email_is_refused(admin_client_logged_in):
    CustomerFactory(name="Anna Møller", email="anna@example.dk")
    other = CustomerFactory(name="Bo Holm", email="bo@example.dk", phone="")
    data = form_data(admin_client_logged_in.get(admin_url(other, "change", other.pk)))
    data.update(email="Anna@Example.dk")

    response = admin_client_logged_in.post(admin_url(other, "change", other.pk), data)

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.email == "bo@example.dk"
