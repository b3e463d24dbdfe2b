"""Danish number formats for email and SMS texts: `{{ price|dkk }}` → "1.396,00 kr.", `{{ hours|timer }}` → "3,5"."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def dkk(value: Decimal | int | str | None) -> str:
    if value in (None, ""):
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    whole, fraction = f"{amount:,.2f}".split(".")
    return f"{whole.replace(',', '.')},{fraction} kr."


@register.filter
def timer(value: Decimal | int | str | None) -> str:
    if value in (None, ""):
        return ""
    number = Decimal(value).normalize()
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
