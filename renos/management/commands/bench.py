"""Print the benchmark table: each figure, its target, and whether this machine meets it (PostgreSQL only)."""

from __future__ import annotations

import argparse
import logging
from dataclasses import fields

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from renos.benchmarks import BENCHMARKS, run
from renos.benchmarks.core import Figure, Sizes

DEFAULTS = Sizes()
SIZE_OPTIONS = {
    "leads": "Leads in the data set of api, admin, journey and load.",
    "customers": "Customers in the data set (default: a fifth of the leads).",
    "requests": "Requests per API figure (the admin pages use at most 50).",
    "journey_emails": "Lead emails the journey figure drops in the inbox.",
    "load_clients": "Concurrent API clients of the load figure.",
    "load_seconds": "How long the load figure runs.",
    "invoices": "Invoices the overdue sweep runs over.",
    "ingest_emails": "Emails the ingest figure ingests.",
    "parse_emails": "Emails the parse figure parses.",
    "slot_bookings": "Bookings filling the calendar of the slots figure.",
}


def names(value: str) -> list[str]:
    chosen = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown figure {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    return chosen


def positive(kind: type) -> type:
    def parse(value: str) -> float | int:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{value!r} must be more than 0")
        return number

    return parse  # type: ignore[return-value]


class Command(BaseCommand):
    help = "Measure throughput and latency (parse, ingest, API, admin, journey, load, ...) next to their targets."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--only",
            type=names,
            nargs="+",
            metavar="NAMES",
            help=f"Run only these figures, comma- or space-separated: {', '.join(BENCHMARKS)}.",
        )
        for field in fields(Sizes):
            default = getattr(DEFAULTS, field.name)
            parser.add_argument(
                f"--{field.name.replace('_', '-')}",
                dest=field.name,
                type=positive(type(default)),
                default=None,
                help=f"{SIZE_OPTIONS[field.name]} Default: {default:g}.",
            )

    def handle(self, *args, only: list[list[str]] | None = None, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The bench measures PostgreSQL: run it with `make bench` (or set DATABASE_URL).")
        chosen = [name for group in only for name in group] if only else list(BENCHMARKS)
        sizes = self._sizes(options)
        call_command("migrate", verbosity=0, interactive=False)
        # A line per ingested email would bury the table; warnings and errors still show.
        logging.disable(logging.INFO)
        try:
            figures = run(chosen, sizes, progress=lambda message: self.stderr.write(message))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            logging.disable(logging.NOTSET)
        self._print(figures)
        missed = [figure.name for figure in figures if not figure.met]
        if missed:
            raise CommandError(f"{len(missed)} of {len(figures)} figures miss their target: {'; '.join(missed)}")

    def _sizes(self, options: dict) -> Sizes:
        given = {field.name: options[field.name] for field in fields(Sizes) if options.get(field.name) is not None}
        if "leads" in given and "customers" not in given:
            given["customers"] = max(1, given["leads"] // 5)
        return Sizes(**given)

    def _print(self, figures: list[Figure]) -> None:
        width = max(len(figure.name) for figure in figures)
        measured = max(len(figure.measured) for figure in figures)
        goal = max(len("Target"), *(len(figure.goal) for figure in figures))
        self.stdout.write(f"{'Figure':<{width}}  {'Measured':>{measured}}  {'Target':>{goal}}  Met")
        for figure in figures:
            met = "-" if figure.target is None else "yes" if figure.met else "NO"
            self.stdout.write(f"{figure.name:<{width}}  {figure.measured:>{measured}}  {figure.goal:>{goal}}  {met}")
        for figure in figures:
            if figure.note:
                self.stdout.write(f"{figure.name}: {figure.note}")
