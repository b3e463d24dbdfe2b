"""`manage.py customer`: every subcommand's output, and every mistake as one line on stderr that changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from customers.management.commands.customer import Command
from customers.models import Customer
from leads.models import Lead
from tests.factories import (
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
)

pytestmark = pytest.mark.django_db

RULE = "━" * 50
FROZEN = datetime(2025, 9, 30, 14, 30, tzinfo=UTC)  # 16:30 in Copenhagen (summer time)
UNKNOWN_ID = "0b7c5a4e-9d1f-4c3a-8e2b-5f6a7b8c9d0e"


def run(*args: str) -> list[str]:
    """The lines the subcommand prints, called as code calls it."""
    out, err = StringIO(), StringIO()
    call_command("customer", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue().splitlines()


def run_cli(*args: str) -> tuple[int | str | None, str, str]:
    """Exit status, stdout and stderr of `manage.py customer ...` that ends in a mistake."""
    out, err = StringIO(), StringIO()
    # run_from_argv closes the database connections at the end; the test's transaction still needs its own.
    with mock.patch.object(connections, "close_all"), pytest.raises(SystemExit) as exited:
        Command(stdout=out, stderr=err).run_from_argv(["manage.py", "customer", *args])
    return exited.value.code, out.getvalue(), err.getvalue()


def snapshot() -> tuple[list[dict], list[dict]]:
    customers = list(Customer.objects.order_by("pk").values())
    leads = list(Lead.objects.order_by("pk").values("pk", "customer_id", "updated_at"))
    return customers, leads


# create


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (FROZEN, "30.09.2025 16:30:00"),
        (datetime(2025, 1, 15, 12, 0, 5, tzinfo=UTC), "15.01.2025 13:00:05"),  # winter time: UTC+1
    ],
)
def test_create_prints_the_new_customer_as_the_seed_does(moment, shown):
    with time_machine.travel(moment, tick=False):
        lines = run("create", "John Doe", "John@Example.com", "+45 20 11 22 33")

    customer = Customer.objects.get()
    assert lines == [
        "✅ Customer created successfully!",
        RULE,
        f"ID:      {customer.pk}",
        "Name:    John Doe",
        "Email:   john@example.com",
        "Phone:   +4520112233",
        "Status:  active",
        f"Created: {shown}",
        RULE,
    ]
    assert (customer.name, customer.email, customer.phone) == ("John Doe", "john@example.com", "+4520112233")


def test_create_without_an_email_shows_a_dash():
    lines = run("create", "Jonas Friis", "", "20112233")

    assert "Email:   -" in lines
    assert Customer.objects.get().email is None


# list


def test_list_shows_the_active_customers_in_the_seed_columns():
    CustomerFactory(
        name="John Doe", email="john@example.com", total_leads=3, total_bookings=2, total_revenue=Decimal("5000")
    )
    CustomerFactory(
        name="Jane Smith", email="jane@company.com", total_leads=1, total_bookings=1, total_revenue=Decimal("2500.00")
    )
    CustomerFactory(name="Gone Away", status=Customer.Status.INACTIVE)

    assert run("list") == [
        RULE,
        "Name                      Email                          Leads    Bookings   Revenue",
        RULE,
        "Jane Smith                jane@company.com               1        1          2500 kr",
        "John Doe                  john@example.com               3        2          5000 kr",
        RULE,
        "Total: 2 customers",
    ]


def test_list_cuts_long_names_and_emails_so_the_columns_stay_aligned():
    CustomerFactory(
        name="Rengøringsselskabet Nordjylland ApS",
        email="bogholderiet.nordjylland@rengoering-eksempel.dk",
        total_leads=12,
        total_revenue=Decimal("1221.50"),
    )

    header, row = run("list")[1], run("list")[3]

    assert row == "Rengøringsselskabet Nord… bogholderiet.nordjylland@reng… 12       0          1222 kr"
    for column in ("Email", "Leads", "Bookings", "Revenue"):
        assert row[header.index(column) - 1] == " " and row[header.index(column)] != " "


@pytest.mark.parametrize(
    ("status", "names", "total"),
    [
        ("inactive", ["Gone Away"], "Total: 1 customer"),
        ("blocked", [], "Total: 0 customers"),
        ("active", ["Still Here"], "Total: 1 customer"),
    ],
)
def test_list_shows_the_customers_with_the_status_asked_for(status, names, total):
    CustomerFactory(name="Still Here")
    CustomerFactory(name="Gone Away", status=Customer.Status.INACTIVE)

    lines = run("list", status)

    assert [line.split("  ")[0] for line in lines[3:-2]] == names
    assert lines[-1] == total


def test_list_reads_the_customers_in_one_query_however_many(django_assert_num_queries):
    CustomerFactory.create_batch(6, tags=["vip"])

    with django_assert_num_queries(1):
        lines = run("list")

    assert lines[-1] == "Total: 6 customers"


# get


def test_get_shows_every_detail_of_the_customer_found_by_email_in_any_case():
    with time_machine.travel(FROZEN, tick=False):
        customer = CustomerFactory(
            name="Mette Jørgensen",
            email="mette.j@example.dk",
            phone="+4520112233",
            company_name="Jørgensen ApS",
            address="Søvej 12\n8240 Risskov",
            tags=["vip", "erhverv"],
            total_leads=2,
            total_bookings=1,
            total_revenue=Decimal("1221.50"),
            last_contact_at=datetime(2025, 10, 1, 7, 5, tzinfo=UTC),
        )

    assert run("get", " METTE.J@example.dk ") == [
        RULE,
        f"ID:           {customer.pk}",
        "Name:         Mette Jørgensen",
        "Email:        mette.j@example.dk",
        "Phone:        +4520112233",
        "Company:      Jørgensen ApS",
        "Address:      Søvej 12, 8240 Risskov",
        "Status:       active",
        "Tags:         erhverv, vip",
        "Leads:        2",
        "Bookings:     1",
        "Revenue:      1221.50 kr",
        "Last contact: 01.10.2025 09:05:00",
        "Created:      30.09.2025 16:30:00",
        RULE,
    ]


def test_get_shows_a_dash_for_what_is_not_known():
    CustomerFactory(email="ny@example.dk", phone="", address="")

    lines = run("get", "ny@example.dk")

    for label in ("Phone", "Company", "Address", "Tags", "Last contact"):
        assert f"{label + ':':<14}-" in lines
    assert "Revenue:      0.00 kr" in lines


# stats


def test_stats_recounts_and_prints_leads_bookings_revenue_and_last_contact():
    customer = CustomerFactory(name="John Doe")
    lead = LeadFactory(customer=customer)
    LeadFactory(customer=customer)
    booking = BookingFactory(lead=lead)
    BookingFactory(lead=lead, status="cancelled")
    InvoiceFactory(booking=booking, status="paid", invoice_number="2025-0001")
    InvoiceFactory(booking=booking)  # a draft is not revenue
    conversation = ConversationFactory(lead=lead)
    EmailMessageFactory(conversation=conversation, sent_at=FROZEN)

    lines = run("stats", str(customer.pk))

    assert lines == [
        "✅ Stats updated for John Doe",
        RULE,
        "Leads:        2",
        "Bookings:     1",
        "Revenue:      1221.50 kr",
        "Last contact: 30.09.2025 16:30:00",
        RULE,
    ]
    customer.refresh_from_db()
    assert (customer.total_leads, customer.total_bookings, customer.total_revenue) == (2, 1, Decimal("1221.50"))
    assert customer.last_contact_at == FROZEN


# conversations


def test_conversations_lists_the_customers_threads_newest_first():
    customer = CustomerFactory()
    lead = LeadFactory(customer=customer)
    with time_machine.travel(datetime(2025, 9, 29, 8, 0, tzinfo=UTC), tick=False):
        older = ConversationFactory(lead=lead, subject="Tilbud på flytterengøring, Nørregade 4, 3. th", status="closed")
        EmailMessageFactory.create_batch(3, conversation=older)
    with time_machine.travel(FROZEN, tick=False):
        ConversationFactory(lead=lead, subject="", channel="sms")
    ConversationFactory()  # another customer's

    assert run("conversations", str(customer.pk)) == [
        RULE,
        "Subject                             Channel  Status    Messages  Updated",
        RULE,
        "(no subject)                        sms      active    0         30.09.2025 16:30:00",
        "Tilbud på flytterengøring, Nørrega… email    closed    3         29.09.2025 10:00:00",
        RULE,
        "Total: 2 conversations",
    ]


def test_conversations_of_a_customer_without_any():
    customer = CustomerFactory()

    assert run("conversations", str(customer.pk))[-1] == "Total: 0 conversations"


# link-lead


def test_link_lead_moves_the_lead_and_recounts_both_customers():
    before = CustomerFactory(name="Gammel Kunde", total_leads=1)
    after = CustomerFactory(name="Ny Kunde")
    lead = LeadFactory(customer=before, customer_name="Mette Jørgensen")

    lines = run("link-lead", str(lead.pk), str(after.pk))

    assert lines == [f"✅ Lead Mette Jørgensen ({lead.pk}) linked to customer Ny Kunde ({after.pk})"]
    lead.refresh_from_db()
    before.refresh_from_db()
    after.refresh_from_db()
    assert lead.customer == after
    assert (before.total_leads, after.total_leads) == (0, 1)


# mistakes

USAGE_MISTAKES = [
    ([], ["Missing subcommand: use one of create, list, get, stats, conversations, link-lead, top."]),
    (["delete", "{customer}"], ["'delete'", "create", "link-lead"]),
    (
        ["create", "John Doe"],
        ["The following arguments are required: EMAIL, PHONE. See manage.py customer create --help."],
    ),
    (["list", "deleted"], ["Argument STATUS: invalid choice: 'deleted'", "active", "inactive", "blocked"]),
    (["link-lead", "{lead}"], ["required: CUSTOMER_ID"]),
]

INPUT_MISTAKES = [
    (["create", "John Doe", "john@", "+4520112233"], ["Customer not created.", "Enter a valid email address."]),
    (["create", "John Doe", "new@example.com", "123"], ["Customer not created.", "123 is not a valid phone number."]),
    (
        ["create", "John Again", "JOHN@example.com", "+4520112233"],
        ["Customer not created. Email: A customer with the email john@example.com already exists."],
    ),
    (["create", "  ", "new@example.com", "+4520112233"], ["Customer not created. Name: This field cannot be blank."]),
    (["get", "not-an-email"], ["Not a valid email address: 'not-an-email'."]),
    (["get", "nobody@example.com"], ["No customer with the email nobody@example.com."]),
    (["stats", "abc"], ["Not a valid customer id: 'abc' (expected a UUID)."]),
    (["stats", UNKNOWN_ID], [f"No customer with the id {UNKNOWN_ID}."]),
    (["conversations", "42"], ["Not a valid customer id: '42' (expected a UUID)."]),
    (["conversations", UNKNOWN_ID], [f"No customer with the id {UNKNOWN_ID}."]),
    (["link-lead", UNKNOWN_ID, "{customer}"], [f"No lead with the id {UNKNOWN_ID}."]),
    (["link-lead", "lead-7", "{customer}"], ["Not a valid lead id: 'lead-7' (expected a UUID)."]),
    (["link-lead", "{lead}", UNKNOWN_ID], [f"No customer with the id {UNKNOWN_ID}."]),
    (["link-lead", "{lead}", "nope"], ["Not a valid customer id: 'nope' (expected a UUID)."]),
]


@pytest.fixture
def existing(db) -> dict[str, str]:
    """John Doe (john@example.com), a lead of another customer, and an inactive customer."""
    customer = CustomerFactory(name="John Doe", email="john@example.com", total_leads=0)
    CustomerFactory(status=Customer.Status.INACTIVE)
    lead = LeadFactory()
    return {"customer": str(customer.pk), "lead": str(lead.pk)}


@pytest.mark.parametrize(
    ("args", "status", "fragments"),
    [(args, 2, fragments) for args, fragments in USAGE_MISTAKES]
    + [(args, 1, fragments) for args, fragments in INPUT_MISTAKES],
)
def test_a_mistake_is_one_line_on_stderr_and_a_failed_exit_changing_nothing(existing, args, status, fragments):
    before = snapshot()

    code, out, err = run_cli(*(arg.format(**existing) for arg in args))

    assert code == status
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert all(fragment in err for fragment in fragments), err
    assert not err.startswith("CommandError")
    assert snapshot() == before


def test_called_from_code_a_mistake_raises_command_error_and_prints_nothing():
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=r"^Not a valid customer id: 'abc' \(expected a UUID\)\.$") as raised:
        call_command("customer", "stats", "abc", stdout=out, stderr=err)

    assert raised.value.returncode == 1
    assert out.getvalue() == err.getvalue() == ""


def test_called_from_code_a_usage_mistake_raises_command_error_too():
    with pytest.raises(CommandError, match="required: EMAIL, PHONE") as raised:
        call_command("customer", "create", "John Doe", stdout=StringIO())

    assert raised.value.returncode == 2
    assert not Customer.objects.exists()


def test_the_command_line_runs_a_subcommand_to_the_end():
    CustomerFactory(name="John Doe")
    out, err = StringIO(), StringIO()

    with mock.patch.object(connections, "close_all"):
        Command(stdout=out, stderr=err).run_from_argv(["manage.py", "customer", "list"])

    assert out.getvalue().splitlines()[-1] == "Total: 1 customer"
    assert err.getvalue() == ""
