"""`manage.py customer top [N]`: the active customers with the most revenue, as the seed prints them."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from customers.management.commands.customer import Command
from customers.models import Customer
from customers.services import customer_update_stats
from invoicing.models import Invoice
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out, err = StringIO(), StringIO()
    call_command("customer", "top", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue().splitlines()


def run_cli(*args: str) -> tuple[int | str | None, str, str]:
    """Exit status, stdout and stderr of `manage.py customer top ...` that ends in a mistake."""
    out, err = StringIO(), StringIO()
    with mock.patch.object(connections, "close_all"), pytest.raises(SystemExit) as exited:
        Command(stdout=out, stderr=err).run_from_argv(["manage.py", "customer", "top", *args])
    return exited.value.code, out.getvalue(), err.getvalue()


def test_the_top_ten_by_revenue_as_the_seed_prints_them():
    for number in range(12):
        CustomerFactory(name=f"Kunde {number:02}", total_revenue=Decimal(1000 * (number + 1)))
    CustomerFactory(name="Blokeret", total_revenue=Decimal("99999.00"), status=Customer.Status.BLOCKED)

    lines = run()

    assert lines[0] == "Top 10 customers by revenue:"
    assert lines[1:4] == ["Kunde 11: 12000.00 kr", "Kunde 10: 11000.00 kr", "Kunde 09: 10000.00 kr"]
    assert len(lines) == 11
    assert "Blokeret" not in "\n".join(lines)


def test_n_chooses_how_many_and_ties_go_by_name():
    CustomerFactory(name="Bent", total_revenue=Decimal("2500.00"))
    CustomerFactory(name="Anne", total_revenue=Decimal("2500.00"))
    CustomerFactory(name="John Doe", total_revenue=Decimal("5000.50"))

    assert run("2") == ["Top 2 customers by revenue:", "John Doe: 5000.50 kr", "Anne: 2500.00 kr"]


def test_the_revenue_is_what_the_customer_paid():
    customer = CustomerFactory(name="Jane Smith")
    InvoiceFactory(
        booking=None,
        customer=customer,
        status=Invoice.Status.PAID,
        invoice_number="2026-0042",
        total_amount=Decimal("1221.50"),
        subtotal=Decimal("977.20"),
        vat_amount=Decimal("244.30"),
    )
    customer_update_stats(customer=customer)
    CustomerFactory(name="Ingen betaling endnu")

    assert run() == ["Top 10 customers by revenue:", "Jane Smith: 1221.50 kr"]


def test_with_no_revenue_only_the_heading_is_printed():
    CustomerFactory(name="Ny kunde")

    assert run("3") == ["Top 3 customers by revenue:"]


def test_a_huge_n_lists_everyone():
    CustomerFactory(name="Eneste", total_revenue=Decimal("10.00"))

    assert run("99999999999999999999")[1:] == ["Eneste: 10.00 kr"]


@pytest.mark.parametrize("value", ["0", "-1", "ti", "2.5", " "])
def test_n_that_is_not_a_whole_number_of_at_least_1_is_one_line_and_exit_2(value):
    CustomerFactory(name="Kunde", total_revenue=Decimal("10.00"))

    code, out, err = run_cli(value)

    assert code == 2
    assert out == ""
    assert err.strip() == f"N must be a whole number of at least 1, not {value!r}."
    assert len(err.strip().splitlines()) == 1


def test_called_from_code_a_bad_n_raises_command_error():
    with pytest.raises(CommandError, match="N must be a whole number of at least 1"):
        call_command("customer", "top", "nul", stdout=StringIO())


@pytest.mark.parametrize("rows", [2, 20])
def test_top_costs_one_query_for_few_or_many(django_assert_num_queries, rows):
    for number in range(rows):
        CustomerFactory(total_revenue=Decimal(100 + number), tags=["vip"])

    with django_assert_num_queries(1):
        lines = run("50")

    assert len(lines) == rows + 1
