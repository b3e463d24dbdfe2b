"""Finding a customer's name, email, phone number and address inside free text and JSON, and blanking them out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "[slettet]"
# What an erased customer, lead or booking is called; never itself treated as personal data.
ERASED_NAME = "Slettet kunde"
# Keys (field names in audit entries, activity metadata, AI analyses) whose values are personal data whatever they are.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "email",
        "phone",
        "address",
        "company_name",
        "notes",
        "customer",
        "customer_name",
        "customer_email",
        "customer_phone",
        "customer_address",
        "city",
        "postal_code",
        "to",
        "from",
        "from_address",
        "to_address",
        "sender",
        "subject",
        "body",
        "body_preview",
        "phone_number",
        "message_content",
        "email_content",
        "description",
    }
)
# Shorter name parts ("Bo", "Li") would match inside ordinary words far too often.
MIN_NAME_PART = 3


class Scrubber:
    """Replaces every known value of one customer in text and JSON (case-insensitive, phone numbers in any spacing)."""

    def __init__(
        self,
        *,
        names: Iterable[str] = (),
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        addresses: Iterable[str] = (),
    ) -> None:
        patterns: set[str] = set()
        for name in _present(names):
            patterns.add(_words(name))
            patterns.update(_words(part) for part in name.split() if len(part.strip(".,-")) >= MIN_NAME_PART)
        for email in _present(emails):
            patterns.add(re.escape(email))
        for phone in _present(phones):
            if pattern := _phone_pattern(phone):
                patterns.add(pattern)
        for address in _present(addresses):
            patterns.add(re.escape(address))
            street = address.split(",")[0].strip()
            if len(street) >= MIN_NAME_PART:
                patterns.add(_words(street))
        # Longest first, so "Hans Hansen" is replaced whole before "Hans" alone is looked for.
        ordered = sorted(patterns, key=len, reverse=True)
        self.pattern = re.compile("|".join(ordered), re.IGNORECASE) if ordered else None

    def text(self, value: str) -> str:
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(REDACTED, value)

    def json(self, value: Any, *, personal: bool = False) -> Any:
        """The same structure with every string (keys too) scrubbed; under a key that names personal data ("email",
        "customer_phone", ...) every string is blanked whole, since it may be a value the customer no longer has
        (the old email in an audit entry of a change)."""
        if isinstance(value, str):
            return REDACTED if personal and value else self.text(value)
        if isinstance(value, dict):
            return {
                self.text(key): self.json(item, personal=personal or key in PERSONAL_KEYS)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.json(item, personal=personal) for item in value]
        return value


def _present(values: Iterable[str | None]) -> list[str]:
    return [value.strip() for value in values if value and value.strip() and value.strip() != ERASED_NAME]


def _words(text: str) -> str:
    r"""The text as whole words: "Ann" must not blank out "Annullering". (\b only where the text starts or ends
    with a word character, or "Søvej 12," would never match.)"""
    escaped = re.escape(text)
    start = r"\b" if re.match(r"\w", text) else ""
    end = r"\b" if re.search(r"\w$", text) else ""
    return f"{start}{escaped}{end}"


def _phone_pattern(phone: str) -> str | None:
    """+4520112233, 20112233, 20 11 22 33, +45 20-11-22-33: the national digits with any separators between them."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+45") and len(digits) == 10:
        national, prefix = digits[2:], r"(?:(?:\+|00)?45[\s.-]?)?"
    elif len(digits) >= 8:
        national, prefix = digits, r"\+?"
    else:
        return None
    return r"(?<![\d+])" + prefix + r"[\s.-]?".join(national) + r"(?!\d)"
