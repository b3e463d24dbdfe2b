"""Bulk actions on the changelists: they change the chosen rows (only those) through the services, and say how many."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from customers.models import Customer
from leads.models import Activity, Lead
from tests.admin.helpers import admin_url, messages_of
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def choose(client, model, action: str, rows, params: str = "", **form):
    """Tick `rows` on the changelist and run `action`; with `form`, fill in its page and apply."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(row.pk) for row in rows], **form}
    if form:
        data["apply"] = "1"
    return client.post(admin_url(model, "changelist") + params, data)


def tags_of(customer: Customer) -> list[str]:
    return sorted(customer.tags.names())


def test_add_tag_asks_for_the_tag_first_and_changes_nothing_until_applied(admin_client_logged_in):
    chosen = CustomerFactory.create_batch(2)

    response = choose(admin_client_logged_in, Customer, "add_tag", chosen)

    assert response.status_code == 200
    page = response.content.decode()
    assert "This changes 2 customers:" in page
    assert chosen[0].name in page
    assert all(tags_of(customer) == [] for customer in chosen)


def test_add_tag_tags_the_chosen_customers_and_counts_only_those_it_changed(admin_client_logged_in):
    untagged, tagged_in_another_case, not_chosen = CustomerFactory(), CustomerFactory(tags=["VIP"]), CustomerFactory()

    response = choose(admin_client_logged_in, Customer, "add_tag", [untagged, tagged_in_another_case], tag=" vip ")

    assert response.status_code == 302
    assert messages_of(response) == [("success", "Tagged 1 customer “vip”.")]
    assert tags_of(untagged) == ["vip"]
    assert tags_of(tagged_in_another_case) == ["VIP"]
    assert tags_of(not_chosen) == []


def test_a_tag_with_a_comma_is_refused_on_the_action_page(admin_client_logged_in):
    customer = CustomerFactory()

    response = choose(admin_client_logged_in, Customer, "add_tag", [customer], tag="vip, erhverv")

    assert response.status_code == 200
    assert response.context["form"].errors["tag"] == ["Give one tag, without commas."]
    assert tags_of(customer) == []


def test_remove_tag_removes_it_in_any_case_and_keeps_the_other_tags(admin_client_logged_in):
    both, upper, without = CustomerFactory(tags=["vip", "erhverv"]), CustomerFactory(tags=["VIP"]), CustomerFactory()

    response = choose(admin_client_logged_in, Customer, "remove_tag", [both, upper, without], tag="vip")

    assert messages_of(response) == [("success", "Removed the tag “vip” from 2 customers.")]
    assert (tags_of(both), tags_of(upper), tags_of(without)) == (["erhverv"], [], [])


def test_set_status_blocks_the_chosen_customers(admin_client_logged_in):
    active, already_blocked, not_chosen = (
        CustomerFactory(),
        CustomerFactory(status=Customer.Status.BLOCKED),
        CustomerFactory(),
    )

    response = choose(admin_client_logged_in, Customer, "set_status", [active, already_blocked], status="blocked")

    assert messages_of(response) == [("success", "Set 1 customer to Blocked.")]
    statuses = dict(Customer.objects.values_list("pk", "status"))
    assert statuses == {active.pk: "blocked", already_blocked.pk: "blocked", not_chosen.pk: "active"}


def test_all_matching_the_filter_means_the_filtered_rows_only(admin_client_logged_in):
    inactive = CustomerFactory.create_batch(3, status=Customer.Status.INACTIVE)
    active = CustomerFactory()
    params = "?status__exact=inactive"

    response = choose(
        admin_client_logged_in, Customer, "add_tag", inactive[:1], params, select_across="1", tag="tidligere"
    )

    assert messages_of(response) == [("success", "Tagged 3 customers “tidligere”.")]
    assert [tags_of(customer) for customer in inactive] == [["tidligere"]] * 3
    assert tags_of(active) == []


def test_the_action_page_costs_no_more_queries_for_many_customers(
    admin_client_logged_in, django_assert_max_num_queries
):
    few = CustomerFactory.create_batch(2)
    with django_assert_max_num_queries(30) as short:
        choose(admin_client_logged_in, Customer, "set_status", few)
    many = CustomerFactory.create_batch(25)

    with django_assert_max_num_queries(len(short.captured_queries)):
        response = choose(admin_client_logged_in, Customer, "set_status", many)

    assert "This changes 25 customers:" in response.content.decode()


def test_marking_leads_contacted_moves_them_through_the_service_and_writes_each_timeline(admin_client_logged_in):
    fresh = LeadFactory.create_batch(2, status=Lead.Status.NEW)
    finished = LeadFactory(status=Lead.Status.INVOICED)
    not_chosen = LeadFactory(status=Lead.Status.NEW)

    response = choose(admin_client_logged_in, Lead, "mark_contacted", [*fresh, finished])

    assert ("success", "2 leads marked as Contacted.") in messages_of(response)
    assert any(level == "error" and str(finished) in text for level, text in messages_of(response))
    statuses = dict(Lead.objects.values_list("pk", "status"))
    assert statuses == {
        fresh[0].pk: "contacted",
        fresh[1].pk: "contacted",
        finished.pk: "invoiced",
        not_chosen.pk: "new",
    }
    titles = Activity.objects.filter(title="Status opdateret til Kontaktet").values_list("lead", flat=True)
    assert sorted(titles) == sorted(lead.pk for lead in fresh)
