"""`manage.py customer <subcommand>`: create, list and look up customers from the shell, as thin wrappers over services.

Output follows the CLI section of the customer database seed (English labels, 50-character rules, dates as
DD.MM.YYYY HH:MM:SS in local time). Any mistake is one line on stderr and a non-zero exit: 2 for a usage mistake
(as argparse does), 1 for everything else. Called through `call_command`, a mistake raises CommandError instead.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, NoReturn

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from customers.models import Customer
from customers.selectors import customer_top_by_revenue
from customers.services import (
    customer_create,
    customer_get,
    customer_get_by_email,
    customer_link_lead,
    customer_query,
    customer_update_stats,
    normalize_email,
)
from leads.models import Lead
from messaging.services import conversation_list_for_customer

RULE = "━" * 50
SUBCOMMANDS = ("create", "list", "get", "stats", "conversations", "link-lead", "top")
DEFAULT_TOP = 10


class Column(NamedTuple):
    """A table column: its header, its width, and whether too long a value is cut (text) or not (numbers)."""

    header: str
    width: int
    cut: bool = False


# The widths of the seed's customer list.
CUSTOMER_COLUMNS = (
    Column("Name", 26, cut=True),
    Column("Email", 31, cut=True),
    Column("Leads", 9),
    Column("Bookings", 11),
    Column("Revenue", 10),
)
CONVERSATION_COLUMNS = (
    Column("Subject", 36, cut=True),
    Column("Channel", 9),
    Column("Status", 10),
    Column("Messages", 10),
    Column("Updated", 19),
)


class OneLineErrorParser(CommandParser):
    """A CommandParser whose usage mistakes are a CommandError also on the command line: one line, no usage block."""

    def error(self, message: str) -> NoReturn:
        message = message.rstrip(".")
        raise CommandError(f"{message[:1].upper()}{message[1:]}. See {self.prog.strip()} --help.", returncode=2)


class Command(BaseCommand):
    help = "Create, list and look up customers: " + ", ".join(SUBCOMMANDS) + "."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Django builds a plain CommandParser; ours only replaces error(). (The sub-parsers are made in add_arguments.)
        parser.__class__ = OneLineErrorParser
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", title="subcommands", metavar="SUBCOMMAND", parser_class=OneLineErrorParser
        )
        create = subcommands.add_parser("create", help="Create a customer.")
        create.add_argument("name", metavar="NAME")
        create.add_argument("email", metavar="EMAIL", help='The email address ("" for none).')
        create.add_argument("phone", metavar="PHONE", help='The phone number, e.g. "+45 20 11 22 33" ("" for none).')
        listing = subcommands.add_parser("list", help="List the customers with a status (default: active).")
        listing.add_argument(
            "status",
            nargs="?",
            default=Customer.Status.ACTIVE.value,
            choices=Customer.Status.values,
            metavar="STATUS",
            help=f"One of {', '.join(Customer.Status.values)} (default: %(default)s).",
        )
        get = subcommands.add_parser("get", help="Show the customer with an email address.")
        get.add_argument("email", metavar="EMAIL")
        stats = subcommands.add_parser("stats", help="Recount a customer's leads, bookings, revenue and last contact.")
        stats.add_argument("customer_id", metavar="CUSTOMER_ID")
        conversations = subcommands.add_parser("conversations", help="List a customer's conversations.")
        conversations.add_argument("customer_id", metavar="CUSTOMER_ID")
        link = subcommands.add_parser("link-lead", help="Attach a lead to a customer and recount both customers.")
        link.add_argument("lead_id", metavar="LEAD_ID")
        link.add_argument("customer_id", metavar="CUSTOMER_ID")
        top = subcommands.add_parser("top", help="List the active customers with the highest revenue.")
        top.add_argument(
            "count", nargs="?", default=str(DEFAULT_TOP), metavar="N", help="How many (default: %(default)s)."
        )

    def run_from_argv(self, argv: list[str]) -> None:
        try:
            super().run_from_argv(argv)
        except CommandError as error:  # a usage mistake, raised while parsing, before Django's own handler
            self._fail(error)

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if not self._called_from_command_line or options.get("traceback"):
                raise
            self._fail(error)  # instead of Django's "CommandError: ..." prefix

    def _fail(self, error: CommandError) -> NoReturn:
        self.stderr.write(" ".join(str(error).split()))
        sys.exit(error.returncode)

    def handle(self, *args: Any, subcommand: str | None = None, **options: Any) -> None:
        if subcommand is None:
            raise CommandError(f"Missing subcommand: use one of {', '.join(SUBCOMMANDS)}.", returncode=2)
        handler = getattr(self, "_" + subcommand.replace("-", "_"))
        # The labels are English (as in the seed), so the messages from Django and the services are too.
        with translation.override("en"):
            handler(**options)

    def _create(self, *, name: str, email: str, phone: str, **options: Any) -> None:
        try:
            customer = customer_create(name=name, email=email, phone=phone)
        except ValidationError as error:
            raise CommandError(f"Customer not created. {_one_line(error)}") from None
        self._write(["✅ Customer created successfully!"])
        rows = [("ID", str(customer.pk)), ("Name", customer.name), ("Email", customer.email), ("Phone", customer.phone)]
        self._write(_block([*rows, ("Status", customer.status), ("Created", _when(customer.created_at))]))

    def _list(self, *, status: str, **options: Any) -> None:
        customers = list(
            customer_query(status=status)
            .prefetch_related(None)  # the tags are not shown: one query, however many customers
            .only("name", "email", "total_leads", "total_bookings", "total_revenue")
        )
        rows = [(c.name, c.email or "-", c.total_leads, c.total_bookings, _kroner(c.total_revenue)) for c in customers]
        self._write(_table(CUSTOMER_COLUMNS, rows))
        self._write([_total(len(customers), "customer")])

    def _get(self, *, email: str, **options: Any) -> None:
        try:
            address = normalize_email(email)
        except ValidationError:
            address = None
        if not address:
            raise CommandError(f"Not a valid email address: {email!r}.")
        customer = customer_get_by_email(email=address)
        if customer is None:
            raise CommandError(f"No customer with the email {address}.")
        self._write(_block(_details(customer)))

    def _stats(self, *, customer_id: str, **options: Any) -> None:
        customer = customer_update_stats(customer=_customer(customer_id))
        self._write([f"✅ Stats updated for {customer.name}"])
        self._write(
            _block(
                [
                    ("Leads", customer.total_leads),
                    ("Bookings", customer.total_bookings),
                    ("Revenue", _amount(customer.total_revenue)),
                    ("Last contact", _when(customer.last_contact_at)),
                ]
            )
        )

    def _conversations(self, *, customer_id: str, **options: Any) -> None:
        conversations = list(conversation_list_for_customer(customer=_customer(customer_id)))
        rows = [
            (
                conversation.subject or "(no subject)",
                conversation.channel,
                conversation.status,
                conversation.message_count,
                _when(conversation.updated_at),
            )
            for conversation in conversations
        ]
        self._write(_table(CONVERSATION_COLUMNS, rows))
        self._write([_total(len(conversations), "conversation")])

    def _link_lead(self, *, lead_id: str, customer_id: str, **options: Any) -> None:
        lead_pk = _uuid(lead_id, "lead")
        lead = Lead.objects.filter(pk=lead_pk).first()
        if lead is None:
            raise CommandError(f"No lead with the id {lead_pk}.")
        customer = customer_link_lead(customer=_customer(customer_id), lead=lead)
        lead_name, customer_name = _named(lead.pk, lead.customer_name), _named(customer.pk, customer.name)
        self._write([f"✅ Lead {lead_name} linked to customer {customer_name}"])

    def _top(self, *, count: str, **options: Any) -> None:
        limit = _top_count(count)
        customers = customer_top_by_revenue(limit=limit)
        self._write([f"Top {limit} customers by revenue:"])
        self._write(f"{_text(c.name) or c.email}: {_amount(c.total_revenue)}" for c in customers)

    def _write(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.stdout.write(line)


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise CommandError(f"Not a valid {what} id: {value!r} (expected a UUID).") from None


def _top_count(value: str) -> int:
    """N of `top N`: a whole number of at least 1; anything else is a usage mistake."""
    try:
        count = int(value.strip())
    except ValueError:
        count = 0
    if count < 1:
        raise CommandError(f"N must be a whole number of at least 1, not {value!r}.", returncode=2)
    return count


def _customer(customer_id: str) -> Customer:
    pk = _uuid(customer_id, "customer")
    customer = customer_get(customer_id=pk)
    if customer is None:
        raise CommandError(f"No customer with the id {pk}.")
    return customer


def _details(customer: Customer) -> list[tuple[str, Any]]:
    return [
        ("ID", customer.pk),
        ("Name", customer.name),
        ("Email", customer.email),
        ("Phone", customer.phone),
        ("Company", customer.company_name),
        ("Address", ", ".join(line.strip() for line in customer.address.splitlines() if line.strip())),
        ("Status", customer.status),
        ("Tags", ", ".join(sorted(tag.name for tag in customer.tags.all()))),
        ("Leads", customer.total_leads),
        ("Bookings", customer.total_bookings),
        ("Revenue", _amount(customer.total_revenue)),
        ("Last contact", _when(customer.last_contact_at)),
        ("Created", _when(customer.created_at)),
    ]


def _block(rows: list[tuple[str, Any]]) -> list[str]:
    """Label/value lines between two rules, the values lined up one space after the longest label."""
    width = max(len(label) for label, _ in rows) + 2
    return [RULE, *(f"{label + ':':<{width}}{_text(value) or '-'}" for label, value in rows), RULE]


def _table(columns: tuple[Column, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    """A header and rows between rules, each column padded to its width (no trailing spaces)."""

    def line(cells: Iterable[Any]) -> str:
        return "".join(_cell(_text(value), column) for value, column in zip(cells, columns, strict=True)).rstrip()

    return [RULE, line(column.header for column in columns), RULE, *(line(row) for row in rows), RULE]


def _cell(value: str, column: Column) -> str:
    """`value` padded to the column; text too long is cut with "…" so one space is left before the next column."""
    if column.cut and len(value) >= column.width:
        value = value[: column.width - 2] + "…"
    return value.ljust(column.width)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _total(count: int, noun: str) -> str:
    return f"Total: {count} {noun}{'' if count == 1 else 's'}"


def _named(pk: Any, name: str) -> str:
    return f"{name} ({pk})" if name else str(pk)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M:%S") if moment else ""


def _kroner(amount: Decimal) -> str:
    """Whole kroner, as the seed's customer list shows revenue."""
    return f"{Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)} kr"


def _amount(amount: Decimal) -> str:
    return f"{Decimal(amount):.2f} kr"


def _one_line(error: ValidationError) -> str:
    """Every message of `error`, a field's messages after its name ("Email: ..."), on one line."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for field, messages in error.message_dict.items():
        text = " ".join(messages)
        parts.append(text if field == NON_FIELD_ERRORS else f"{field.replace('_', ' ').capitalize()}: {text}")
    return " ".join(parts)
