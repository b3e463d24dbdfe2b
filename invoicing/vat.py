"""Danish moms on prices that include it: a line's amount, and the VAT inside a total. Each amount is rounded to øre
once (half up), through leads.services.money."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from leads.services import money


@dataclass(frozen=True)
class Totals:
    """An invoice's three amounts: `total` incl. moms, the `vat` inside it, and `subtotal` = total − vat."""

    subtotal: Decimal
    vat: Decimal
    total: Decimal


def line_amount(*, quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity × unit price incl. moms, rounded to øre (2.75 hours at 349.50 is 961.125, so 961.13)."""
    return money(Decimal(quantity) * Decimal(unit_price))


def vat_share(rate: Decimal) -> Decimal:
    """The part of a price incl. moms that is moms: 0.25 / 1.25 = 0.20."""
    return Decimal(rate) / (1 + Decimal(rate))


def totals_of(amounts: Iterable[Decimal], *, rate: Decimal) -> Totals:
    """Totals of line amounts (already in øre): the total is their sum, the VAT is total × 20% rounded once, the
    subtotal what is left, so subtotal + VAT is the total to the øre. Negative amounts (a credit note) round
    symmetrically: crediting an invoice gives exactly its amounts with the sign turned."""
    total = sum((Decimal(amount) for amount in amounts), Decimal("0.00"))
    vat = money(total * vat_share(rate))
    return Totals(subtotal=total - vat, vat=vat, total=total)
