"""Moms inside prices that include it: each amount rounded to øre once, half up, and the parts always add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoicing.vat import line_amount, totals_of, vat_share

RATE = Decimal("0.25")


def test_the_vat_inside_a_price_with_25_percent_moms_is_exactly_a_fifth():
    assert vat_share(RATE) == Decimal("0.2")


@pytest.mark.parametrize(
    ("quantity", "unit_price", "amount"),
    [
        ("3.5", "349.00", "1221.50"),
        # 2.75 × 349.50 = 961.125: exactly half an øre, which goes up.
        ("2.75", "349.50", "961.13"),
        ("0.25", "0.10", "0.03"),  # 0.025
        ("1.5", "0.01", "0.02"),  # 0.015
        ("0.5", "0.01", "0.01"),  # 0.005
        ("0.33", "0.01", "0.00"),  # 0.0033
    ],
)
def test_a_line_is_quantity_times_price_rounded_half_up_to_ore(quantity, unit_price, amount):
    assert line_amount(quantity=Decimal(quantity), unit_price=Decimal(unit_price)) == Decimal(amount)


def test_a_negative_line_rounds_like_its_positive_twin():
    assert line_amount(quantity=Decimal("-2.75"), unit_price=Decimal("349.50")) == Decimal("-961.13")


@pytest.mark.parametrize(
    ("total", "subtotal", "vat"),
    [
        ("1221.50", "977.20", "244.30"),
        ("1221.53", "977.22", "244.31"),  # 244.306 rounds up
        ("1221.52", "977.22", "244.30"),  # 244.304 rounds down
        ("0.03", "0.02", "0.01"),  # 0.006
        ("0.02", "0.02", "0.00"),  # 0.004
        ("0.00", "0.00", "0.00"),
        ("-1221.53", "-977.22", "-244.31"),  # a credit note: the same amounts, sign turned
    ],
)
def test_the_vat_is_a_fifth_of_the_total_rounded_once_and_the_subtotal_the_rest(total, subtotal, vat):
    totals = totals_of([Decimal(total)], rate=RATE)

    assert (totals.total, totals.subtotal, totals.vat) == (Decimal(total), Decimal(subtotal), Decimal(vat))


def test_the_total_is_the_sum_of_the_rounded_lines_not_a_sum_rounded_later():
    # Two lines of 0.005 each: 0.01 + 0.01 on the invoice, as printed, not round(0.01) = 0.01.
    lines = [line_amount(quantity=Decimal("0.5"), unit_price=Decimal("0.01")) for _ in range(2)]

    assert totals_of(lines, rate=RATE).total == Decimal("0.02")


def test_subtotal_plus_vat_is_the_total_to_the_ore_for_every_amount_up_to_100_kroner():
    for ore in range(-10_000, 10_001):
        total = Decimal(ore) / 100
        totals = totals_of([total], rate=RATE)
        assert totals.subtotal + totals.vat == total
        assert totals.vat.as_tuple().exponent == -2
        # A fifth of whole øre is never exactly half an øre, so the rounding never has to break a tie here; the
        # ties are in the lines (hours × price), tested above.
        assert abs(total * Decimal("0.2") * 1000) % 10 in (0, 2, 4, 6, 8)
        assert totals_of([-total], rate=RATE).vat == -totals.vat
