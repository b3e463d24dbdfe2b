"""Masks email addresses and phone numbers in text: the safety net under logs and Sentry events.

Log calls name customers, leads and emails by id; this catches what slips through anyway (an exception message that
quotes a database row, a query string, a vendor's error text).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

# Also URL-encoded, as in a logged query string: kunde%40example.dk, %2B4531456789.
EMAIL_PATTERN = re.compile(r"[\w.+%-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
# 8 to 15 digits (E.164's maximum), optionally with a leading + or 00 and single spaces between digits: "22650226",
# "22 65 02 26", "+45 2265 0226". Not when part of a longer word or number, so UUIDs ("...-446655440000"), hex ids,
# decimals ("0.12345678") and dates keep their digits; runs of 16 or more digits are not phone numbers either.
PHONE_PATTERN = re.compile(r"(?<![\w.-])(?:\+|%2[Bb]|00)?\d(?:[ ]?\d){7,14}(?![\w-])")


def scrub_text(text: str) -> str:
    """The text with every email address and phone-number-like digit run masked."""
    if not text:
        return text
    return PHONE_PATTERN.sub(PHONE_MASK, EMAIL_PATTERN.sub(EMAIL_MASK, text))


def contains_personal_data(text: str) -> bool:
    return bool(EMAIL_PATTERN.search(text) or PHONE_PATTERN.search(text))


def scrub_value(value: Any) -> Any:
    """A copy of a string, or of lists and dicts of them (any depth), scrubbed; other values as they are."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {key: scrub_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_value(item) for item in value]
    if isinstance(value, tuple):
        return tuple(scrub_value(item) for item in value)
    return value
