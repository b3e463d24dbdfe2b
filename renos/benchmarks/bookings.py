"""The booking benchmark printed by `make bench`: finding three slots when the horizon is full of bookings.

It builds its own data inside a transaction that is rolled back, so nothing stays.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.test import override_settings

from bookings.availability import free_slots
from bookings.models import Booking
from leads.models import Lead, ServiceType
from renos.benchmarks.core import Figure

BENCH_NOW = datetime(2026, 9, 7, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))


def bench_slots(bookings: int = 1000, offers: int = 50) -> Figure:
    """Milliseconds per offer of three slots (`free_slots`: the bookings query, the local calendar, slot finding)
    with `bookings` half-hour bookings filling the first 11 days of the 14-day horizon, so every candidate there is
    checked and found busy before the free days at the end. `now` is a fixed Monday of an ordinary week (no
    holidays), so the figure does not depend on the day it runs."""
    now = BENCH_NOW
    with transaction.atomic(), override_settings(CALENDAR_BACKEND="integrations.calendar.LocalCalendar"):
        _fill_calendar(now=now, bookings=bookings)
        free_slots(duration=timedelta(hours=3), now=now)  # once per process: the year's holidays, the first query
        started = time.perf_counter()
        for _ in range(offers):
            slots = free_slots(duration=timedelta(hours=3), now=now)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    if len(slots) != 3:
        raise RuntimeError(f"The benchmark calendar should leave three slots free, not {len(slots)}")
    return Figure(
        f"Find 3 slots among {bookings:,} bookings (PostgreSQL)", elapsed / offers * 1000, "ms/offer", 20, False
    )


def _fill_calendar(*, now: datetime, bookings: int) -> None:
    service, _ = ServiceType.objects.get_or_create(
        code="fast", defaults={"name": "Fast rengøring", "m2_per_hour": Decimal("35"), "default_hours": Decimal("3")}
    )
    lead = Lead.objects.create(source=Lead.Source.MANUAL, customer_name="Benchmark", service_type=service)
    spacing = timedelta(days=11) / bookings
    Booking.objects.bulk_create(
        Booking(
            lead=lead,
            customer_name="Benchmark",
            service_type=service,
            address="Søvej 12",
            booking_date=now + spacing * number,
            duration_hours=Decimal("0.5"),
            total_amount=Decimal("174.50"),
        )
        for number in range(bookings)
    )
