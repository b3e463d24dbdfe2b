"""Phone numbers in E.164, read the way Danes write them."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "DK"


def phone_to_e164(value: str, *, region: str = DEFAULT_REGION) -> str:
    """Return `value` as E.164 (`+4520112233`); an empty value stays empty, anything unreadable is refused."""
    value = (value or "").strip()
    if not value:
        return ""
    return _e164(value, region)


@lru_cache(maxsize=4096)
def _e164(value: str, region: str) -> str:
    # Cached: one email's number is read several times on its way to a lead and a customer (an error is not cached).
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("%(value)s is not a phone number."), params={"value": value}, code="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("%(value)s is not a valid phone number."), params={"value": value}, code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """True when the number can receive SMS (Danish numbers are mostly mobile or mobile-capable)."""
    if not e164:
        return False
    number = phonenumbers.parse(e164, None)
    kind = phonenumbers.number_type(number)
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
