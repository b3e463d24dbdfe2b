"""What the dashboard shows, as plain data for the template: figures, charts and the tables under them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString


@dataclass
class Figure:
    """A number on the dashboard, what it counts, the list behind it and (for money) an amount."""

    label: str
    count: int
    href: str
    amount: Decimal | None = None
    note: str = ""
    alert: bool = False  # above 0, someone should act on it


@dataclass
class BookingDay:
    """Today's or tomorrow's jobs: the count and amount, and the first few of them."""

    label: str
    day: date
    figure: Figure
    bookings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Row:
    """One line of the figures table under a chart: a label and its values, each with the list behind it."""

    label: str
    cells: list[tuple[str, str]]  # (text, href or "")


@dataclass
class Chart:
    """A chart as inline SVG, with the same figures as a table (readable without seeing the chart)."""

    title: str
    svg: SafeString
    headers: list[str]
    rows: list[Row]
    note: str = ""
