"""Danish number formats for email and SMS texts: `{{ price|dkk }}` → "1.396,00 kr.", `{{ hours|timer }}` → "3,5"."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


def _decimal(value: object) -> Decimal | None:
    """`value` as a Decimal, or None when it is empty or not a number (a filter must not break an email)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        # Through str, so a float reads as it prints (3.3, not 3.2999999999999998).
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def dkk(value: Decimal | int | str | None) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, fraction = f"{amount:,.2f}".split(".")
    return f"{whole.replace(',', '.')},{fraction} kr."


@register.filter
def timer(value: Decimal | int | str | None) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    number = number.normalize()
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
