"""Values recognised by their shape: phone numbers, email addresses, areas, postal codes and towns, dates, names."""

from __future__ import annotations

import datetime
import html
import re

from django.core.exceptions import ValidationError

from customers.phones import phone_to_e164
from leads.parsing.sources import is_system_address

# What a form writes for a field the customer left empty.
_EMPTY = frozenset(
    {"", "-", "--", "–", "—", "n/a", "na", "none", "null", "ingen", "ikke angivet", "ingen beskrivelse angivet",
     "ikke oplyst", "not specified", "no description", "ved ikke", "?"}
)  # fmt: skip

# Digits with the separators people put in phone numbers; an optional +CC or 00CC in front.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ \-./()]{0,2}\d){5,16}(?!\w)")
# Dates and clock times look like numbers too: they are masked before phones are searched
# (`12-11-2026 14:01` is a call time, while `20-11-22-33` is a phone).
_DATE_OR_TIME = re.compile(
    r"(?<![\d\-./])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2}))(?!\d|[-./]\d)"
    r"|(?<![\d\-./:])\d{1,2}[:.]\d{2}(?::\d{2})?(?!\d|[-./:]\d)"
    r"|\(\s*\d+\s*sek\w*\s*\)|\b\d+\s*sek(?:under)?\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}")
_AREA_UNIT = re.compile(
    r"(\d{1,3}(?:\.\d{3})+|\d+(?:[.,]\d+)?)\s*"
    r"(?:m²|m2\b|m\^2|kvm\b|kvadratmeter|kvadrat\b|sqm\b|sq\.?\s?m\b|square\s+met|m\b)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:[.,]\d+)?")
_POSTAL_TOWN = re.compile(r"^(?:DK\s*-?\s*)?(\d{4})\b[\s,]*(.*)$", re.IGNORECASE)
_POSTAL_TOWN_AT_END = re.compile(r"^(.*?)[\s,]+(?:DK\s*-?\s*)?(\d{4})\s+([^\d,]+?)$", re.IGNORECASE)
_COUNTRY = re.compile(r",?\s*\b(?:danmark|denmark|dk)\s*$", re.IGNORECASE)
_NAME_SHAPE = re.compile(r"^[^\W\d_][^\d@<>:;=/\\]*$")

_MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "feb": 2, "februar": 2, "february": 2, "mar": 3, "marts": 3, "march": 3,
    "apr": 4, "april": 4, "maj": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oct": 10, "oktober": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\.?\s*(?:af\s+|of\s+)?({_MONTH_NAMES})\b\.?(?:\s*,?\s*(\d{{4}}))?", re.I)
_MONTH_DAY = re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,?\s*(\d{{4}}))?", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-./](\d{1,2})(?:[-./](\d{4}|\d{2}))?\b(?![-./]\d)")
_WEEK = re.compile(r"\b(?:uge|week|wk)\s*(\d{1,2})\b", re.IGNORECASE)


def clean(value: str | None) -> str | None:
    """A label's value unescaped and trimmed; None for the placeholders forms write for "empty"."""
    if value is None:
        return None
    if "&" in value:
        value = html.unescape(value)
    value = value.strip().strip(",;").strip()
    if value.lower().rstrip(".!") in _EMPTY:
        return None
    return value


def phone(value: str | None) -> str | None:
    """The first phone number in `value` as E.164 (`+4520112233`), ignoring dates and clock times."""
    if not value:
        return None
    masked = _DATE_OR_TIME.sub(" ", value)
    for match in _PHONE.finditer(masked):
        e164 = _e164(match.group())
        if e164:
            return e164
    return None


def _e164(candidate: str) -> str | None:
    digits = re.sub(r"[^\d+]", "", candidate)
    plain = digits.lstrip("+")
    if plain.startswith("00"):
        plain = plain[2:]
    # Danes write 8 digits; with the country code 10. Anything else must be a full international number.
    if len(plain) == 8 and not digits.startswith(("+", "00")):
        digits = plain
    elif not digits.startswith(("+", "00")) or len(plain) < 9:
        return None
    try:
        return phone_to_e164(digits) or None
    except ValidationError:
        return None


def email(value: str | None) -> str | None:
    """The first customer email address in `value`, lower-cased; portal, Rendetalje and system addresses skipped."""
    if not value:
        return None
    for match in _EMAIL.finditer(value):
        address = match.group().strip(".").lower()
        if not is_system_address(address):
            return address
    return None


def area(value: str | None, *, bare_number: bool) -> int | None:
    """Square metres: `110 m²`, `68 m2`, `ca. 160 kvm`, `80 sqm`; a bare `80` only where a label says it is an area."""
    if not value:
        return None
    match = _AREA_UNIT.search(value)
    number = match.group(1) if match else None
    if number is None and bare_number:
        found = _NUMBER.search(value)
        number = found.group() if found else None
    if number is None:
        return None
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number):
        number = number.replace(".", "")
    result = int(float(number.replace(",", ".")) + 0.5)
    return result if 1 <= result <= 100_000 else None


def postal_town(value: str | None) -> tuple[str | None, str | None]:
    """(postal code, town) from `8240 Risskov`, `DK-8000 Aarhus C`, or a lone `8000`."""
    if not value:
        return None, None
    match = _POSTAL_TOWN.match(value.strip())
    if not match:
        return None, town(value)
    return match.group(1), town(match.group(2))


def town(value: str | None) -> str | None:
    value = _COUNTRY.sub("", (value or "").strip()).strip(" ,.")
    if not value or value.isdigit():
        return None
    return value[:100]


def split_address(value: str | None) -> tuple[str | None, str | None, str | None]:
    """(street, postal code, town) from one field: `Nørregade 4, 3. th, 8000 Aarhus C` or `Søvej 12 8240 Risskov`."""
    if not value:
        return None, None, None
    value = _COUNTRY.sub("", value.replace("\n", ", ")).strip(" ,")
    parts = [part.strip() for part in value.split(",") if part.strip()]
    for index, part in enumerate(parts):
        postal, city = postal_town(part) if _POSTAL_TOWN.match(part) else (None, None)
        if postal and index > 0:
            return ", ".join(parts[:index]) or None, postal, city
    match = _POSTAL_TOWN_AT_END.match(value)
    if match and match.group(1).strip():
        return match.group(1).strip(" ,"), match.group(2), town(match.group(3))
    return value or None, None, None


def name(value: str | None) -> str | None:
    """A person's name as typed, spaces tidied; words typed all-lower or all-upper are capitalised."""
    if not value:
        return None
    words = value.split()
    if not words or len(words) > 8 or not _NAME_SHAPE.match(" ".join(words)):
        return None
    tidied = (word.title() if word.islower() or (word.isupper() and len(word) > 1) else word for word in words)
    return " ".join(tidied)[:255]


def preferred_date(value: str | None, *, today: datetime.date) -> datetime.date | None:
    """A wished-for date: `28. november`, `28/11`, `28-11-2026`, `2026-11-28`, `November 28`, `uge 48`.

    Without a year, the next such date on or after `today` (the day the email arrived).
    """
    if not value:
        return None
    for pattern, order in ((_ISO_DATE, "ymd"), (_DAY_MONTH, "dmy"), (_MONTH_DAY, "mdy"), (_NUMERIC_DATE, "dmy")):
        match = pattern.search(value)
        if match:
            return _date(match.groups(), order, today)
    week = _WEEK.search(value)
    if week:
        number = int(week.group(1))
        year = today.year if number >= today.isocalendar().week else today.year + 1
        try:
            return datetime.date.fromisocalendar(year, number, 1)
        except ValueError:
            return None
    return None


def _date(groups: tuple[str | None, ...], order: str, today: datetime.date) -> datetime.date | None:
    parts = dict(zip(order, groups, strict=True))
    month_text = parts["m"] or ""
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower().rstrip("."), 0)
    day = int(parts["d"] or 0)
    year_text = parts["y"]
    try:
        if year_text:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            return datetime.date(year, month, day)
        candidate = datetime.date(today.year, month, day)
        return candidate if candidate >= today else datetime.date(today.year + 1, month, day)
    except ValueError:
        return None
