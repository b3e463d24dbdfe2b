"""What every benchmark shares: a figure with its target, the sizes a run uses, and the timing helpers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One row of the table: what was measured, and the target it is held to (None: shown for comparison only)."""

    name: str
    value: float
    unit: str
    target: float | None
    higher_is_better: bool = True
    note: str = ""
    """Shown under the table, e.g. what went wrong."""

    @property
    def met(self) -> bool:
        if self.target is None:
            return True
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    @property
    def measured(self) -> str:
        return _amount(self.value, self.unit)

    @property
    def goal(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.higher_is_better else '≤'} {_amount(self.target, self.unit, whole=True)}"


def _amount(value: float, unit: str, *, whole: bool = False) -> str:
    """1,603.2 emails/s; 2,777 ms; 1.44×; targets without decimals where they are whole."""
    if unit == "×":
        return f"{value:,.2f}×"
    decimals = 0 if not unit or value >= 1000 or (whole and value == int(value)) else 1
    return f"{value:,.{decimals}f} {unit}".rstrip()


@dataclass(frozen=True)
class Sizes:
    """How much data and how many samples a run uses; `make bench` runs the defaults."""

    parse_emails: int = 2000
    ingest_emails: int = 400
    slot_bookings: int = 1000
    invoices: int = 100_000
    leads: int = 100_000
    customers: int = 20_000
    requests: int = 200
    journey_emails: int = 20
    load_clients: int = 50
    load_seconds: float = 60.0


def per_second(count: int, work: Callable[[], None]) -> float:
    """Runs per second of process time (one core), so other load on the machine does not move the figure."""
    started = time.process_time()
    work()
    return count / (time.process_time() - started)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample that `fraction` of the samples do not exceed."""
    if not samples:
        raise ValueError("No samples to take a percentile of.")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def milliseconds(work: Callable[[], object]) -> float:
    """Wall time of one call, in milliseconds."""
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000
