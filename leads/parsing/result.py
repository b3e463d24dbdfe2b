"""What parsing one email yields, and its JSON form (the `parse_email --json` keys)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class NotAnEmail(ValueError):
    """The bytes are not an RFC 822 message: empty, binary, or without any mail header."""


@dataclass(frozen=True)
class ParsedEmail:
    """One email as the rules read it: lead or not (and why), the customer's details, and the message metadata."""

    is_lead: bool
    skip_reason: str | None
    source: str | None
    customer_name: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    service_type: str | None = None
    area_m2: int | None = None
    company: str | None = None
    preferred_date: datetime.date | None = None
    notes: str | None = None
    # The message itself, for the ingest: dedupe, threading and the stored copy.
    message_id: str | None = None
    thread_key: str | None = None
    in_reply_to: str | None = None
    subject: str = ""
    sender: str = ""
    reply_to: str | None = None
    received_at: datetime.datetime | None = None
    text_body: str = ""
    # Fields read from a label (or a header with a fixed meaning, the own form's Reply-To): an AI never overrides them.
    labelled: frozenset[str] = field(default_factory=frozenset)


JSON_KEYS = (
    "is_lead",
    "skip_reason",
    "source",
    "customer_name",
    "customer_email",
    "customer_phone",
    "address",
    "postal_code",
    "city",
    "service_type",
    "area_m2",
    "company",
    "preferred_date",
    "notes",
    "estimated_hours",
    "estimated_price",
)


def to_json_dict(
    parsed: ParsedEmail, estimated_hours: Decimal | None, estimated_price: Decimal | None
) -> dict[str, Any]:
    """The `parse_email --json` object: exactly JSON_KEYS; hours a number, the price a string ("1221.50")."""
    values: dict[str, Any] = {key: getattr(parsed, key) for key in JSON_KEYS[:-2]}
    if parsed.preferred_date is not None:
        values["preferred_date"] = parsed.preferred_date.isoformat()
    values["estimated_hours"] = None if estimated_hours is None else float(estimated_hours)
    values["estimated_price"] = None if estimated_price is None else f"{estimated_price:.2f}"
    return values
