"""Possible duplicates: each rule finds its pair, unrelated customers are left alone, the list stays cheap."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from customers.models import Customer
from renos.backoffice.duplicates import duplicate_groups
from tests.admin.helpers import admin_url
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def grouped_names() -> list[tuple[list[str], list[str]]]:
    return [
        (sorted(customer.name for customer in group.customers), group.reasons) for group in duplicate_groups().groups
    ]


def test_the_same_phone_makes_a_group():
    CustomerFactory(name="Anna Møller", phone="+4520112233", address="Søvej 1")
    CustomerFactory(name="A. Møller", phone="+4520112233", address="Havnegade 9")

    assert grouped_names() == [(["A. Møller", "Anna Møller"], ["Same phone"])]


def test_the_same_name_and_address_in_another_case_spacing_and_punctuation_makes_a_group():
    CustomerFactory(name="Anna Møller", address="Søvej 12, 1. tv., 8240 Risskov")
    CustomerFactory(name="ANNA  MØLLER", address="SØVEJ 12 1 TV\n8240 RISSKOV")

    assert grouped_names() == [(["ANNA  MØLLER", "Anna Møller"], ["Same name and address"])]


def test_emails_differing_only_in_case_or_dots_before_the_at_make_a_group():
    CustomerFactory(name="Anna Møller", email="anna.moller@gmail.com")
    CustomerFactory(name="Anna M", email="annamoller@gmail.com")
    CustomerFactory(name="Anna Mø", email="Anna.Mol.ler@Gmail.com")

    assert grouped_names() == [(["Anna M", "Anna Mø", "Anna Møller"], ["Same email apart from case and dots"])]


def test_unrelated_customers_are_no_duplicates():
    CustomerFactory(name="Anna Møller", email="anna@example.dk", phone="+4520112233", address="Søvej 12")
    # Same name, another address; same address, another name; same local part at another domain; no details at all.
    CustomerFactory(name="Anna Møller", email="anna@firma.dk", phone="+4520112234", address="Havnegade 3")
    CustomerFactory(name="Bo Jensen", email="bo@example.dk", phone="+4520112235", address="Søvej 12")
    CustomerFactory(name="Carl", email="a.n.n.a@example.com", phone="", address="")
    CustomerFactory(name="Dorte", email=None, phone="", address="")
    CustomerFactory(name="Erik", email=None, phone="", address="")

    assert grouped_names() == []


def test_customers_tied_by_different_rules_are_one_group():
    CustomerFactory(name="Anna Møller", email="anna.m@example.dk", phone="+4520112233", address="Søvej 12")
    CustomerFactory(name="Anna Møller", email="anna@firma.dk", phone="+4531224455", address="Søvej 12")
    CustomerFactory(name="Firma ApS", email="annam@example.dk", phone="+4540404040", address="Havnegade 3")
    CustomerFactory(name="Kontoret", email="kontor@firma.dk", phone="+4531224455", address="Industrivej 1")

    [(names, reasons)] = grouped_names()

    assert names == ["Anna Møller", "Anna Møller", "Firma ApS", "Kontoret"]
    assert reasons == ["Same phone", "Same name and address", "Same email apart from case and dots"]


def test_the_duplicates_page_lists_the_groups_with_a_merge_link(admin_client_logged_in):
    first = CustomerFactory(name="Anna Møller", phone="+4520112233")
    second = CustomerFactory(name="A. Møller", phone="+4520112233")
    CustomerFactory(name="Bo Jensen")

    response = admin_client_logged_in.get(reverse("admin:customers_customer_duplicates"))

    assert response.status_code == 200
    assert "Anna Møller" in response.text and "A. Møller" in response.text
    assert "Bo Jensen" not in response.text
    [(group, merge_url)] = response.context["groups"]
    assert sorted(group.ids) == sorted([str(first.pk), str(second.pk)])
    assert admin_client_logged_in.get(merge_url).status_code == 200


def test_the_changelist_button_leads_to_the_duplicates_page(admin_client_logged_in):
    response = admin_client_logged_in.get(admin_url(Customer, "changelist"))

    assert reverse("admin:customers_customer_duplicates") in response.text


@pytest.mark.parametrize("pairs", [1, 15])
def test_the_duplicates_page_costs_the_same_queries_for_few_or_many_groups(
    admin_client_logged_in, django_assert_max_num_queries, pairs
):
    for number in range(pairs):
        CustomerFactory.create_batch(2, phone=f"+45{30000000 + number}")

    with django_assert_max_num_queries(7):
        response = admin_client_logged_in.get(reverse("admin:customers_customer_duplicates"))

    assert len(response.context["groups"]) == pairs


def test_twenty_thousand_customers_are_checked_quickly():
    Customer.objects.bulk_create(
        Customer(
            name=f"Kunde {number}",
            email=f"kunde.{number}@example.dk",
            phone=f"+45{20000000 + number}",
            address=f"Vej {number}, 8000 Aarhus C",
        )
        for number in range(20_000)
    )
    Customer.objects.create(name="Kunde 7", email="kunde7@example.dk", address="Vej 7 8000 Aarhus C")

    started = time.perf_counter()
    report = duplicate_groups()
    elapsed = time.perf_counter() - started

    assert [sorted(group.ids) for group in report.groups] == [
        sorted(str(pk) for pk in Customer.objects.filter(name="Kunde 7").values_list("pk", flat=True))
    ]
    assert report.groups[0].reasons == ["Same name and address", "Same email apart from case and dots"]
    # Generous for a shared test machine: the grouping runs in the database, a few hundred ms on PostgreSQL.
    assert elapsed < 5
