"""`manage.py parse_email PATH [--json]`: read one .eml with the lead rules and print what they make of it.

Nothing is written; the estimate reads the service catalogue. A file that is missing or not an email is one
line on stderr and exit code 1.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from leads.models import ServiceType
from leads.parsing import NotAnEmail, ParsedEmail, parse_email, to_json_dict
from leads.services import lead_estimate

LABELS = (
    ("is_lead", "Lead"),
    ("skip_reason", "Skip reason"),
    ("source", "Source"),
    ("customer_name", "Name"),
    ("company", "Company"),
    ("customer_email", "Email"),
    ("customer_phone", "Phone"),
    ("address", "Address"),
    ("postal_code", "Postal code"),
    ("city", "City"),
    ("service_type", "Service"),
    ("area_m2", "Area (m²)"),
    ("preferred_date", "Preferred date"),
    ("estimated_hours", "Estimated hours"),
    ("estimated_price", "Estimated price"),
    ("notes", "Notes"),
)


class Command(BaseCommand):
    help = "Parse one .eml file with the lead rules and print the result (writes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH", help="The .eml file to read.")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print one JSON object instead of a listing."
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if not self._called_from_command_line or options.get("traceback"):
                raise
            self._fail(str(error))

    def handle(self, *args: Any, path: str, as_json: bool, **options: Any) -> None:
        parsed = _parse(path)
        hours, price = self._estimate(parsed)
        values = to_json_dict(parsed, hours, price)
        self.stdout.write(json.dumps(values, ensure_ascii=False, indent=2) if as_json else _listing(values))

    def _estimate(self, parsed: ParsedEmail) -> tuple[Decimal | None, Decimal | None]:
        if not parsed.is_lead or not parsed.service_type:
            return None, None
        try:
            service = ServiceType.objects.filter(code=parsed.service_type).first()
        except DatabaseError as error:
            self.stderr.write(f"Warning: no estimate, the service catalogue cannot be read ({_one_line(error)})")
            return None, None
        return lead_estimate(service_type=service, area_m2=parsed.area_m2)

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"Error: {_one_line(message)}")
        sys.exit(1)


def _parse(path: str) -> ParsedEmail:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a directory, not an email file") from None
    except OSError as error:
        raise CommandError(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        return parse_email(raw)
    except NotAnEmail as error:
        raise CommandError(f"{path} is not an email: {error}") from None


def _listing(values: dict[str, Any]) -> str:
    width = max(len(label) for _, label in LABELS) + 1
    lines = []
    for key, label in LABELS:
        text = _text(key, values[key]).split("\n")
        lines.append(f"{label + ':':<{width}} {text[0]}".rstrip())
        lines.extend(f"{'':<{width}} {line}".rstrip() for line in text[1:])
    return "\n".join(lines)


def _text(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "estimated_price":
        return f"{value} DKK incl. moms"
    if key == "estimated_hours":
        return f"{value:g}"
    return str(value)


def _one_line(message: object) -> str:
    return " ".join(str(message).split())
