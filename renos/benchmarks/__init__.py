"""Benchmarks printed by `make bench`: each figure measured on this machine, next to its target.

They build their own data (never the demo data) in the database in DATABASE_URL and remove it again; `make bench`
points that at a throwaway PostgreSQL and Redis. Targets are met here, not asserted in tests (tests/test_bench.py
runs every figure with tiny sizes so the code keeps working). docs/performance.md explains each figure.

- core.py: a figure and its target, the sizes of a run, timing helpers.
- intake.py (parse, ingest), bookings.py (slots), invoicing.py (overdue): single operations on their own data.
- data.py: the 100,000 leads of 20,000 customers that api, admin, journey and load run against.
- api.py (+ urls.py, the bench-only URLconf of its bare view), admin_pages.py, journey.py (a Celery worker),
  load.py (gunicorn), processes.py (starting those two).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from renos.benchmarks.core import Figure, Sizes
from renos.benchmarks.data import Dataset, dataset_build, dataset_remove

Runner = Callable[[Sizes, Dataset | None], list[Figure]]


def _parse(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.intake import bench_parse

    return [bench_parse(sizes.parse_emails)]


def _ingest(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.intake import bench_ingest

    return [bench_ingest(sizes.ingest_emails)]


def _slots(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.bookings import bench_slots

    return [bench_slots(bookings=sizes.slot_bookings)]


def _overdue(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.invoicing import bench_overdue_sweep

    return [bench_overdue_sweep(invoices=sizes.invoices)]


def _api(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.api import bench_api

    assert dataset is not None
    return bench_api(dataset=dataset, requests=sizes.requests)


def _admin(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.admin_pages import bench_admin

    assert dataset is not None
    return bench_admin(dataset=dataset, requests=sizes.requests)


def _journey(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.journey import bench_journey

    return bench_journey(emails=sizes.journey_emails)


def _load(sizes: Sizes, dataset: Dataset | None) -> list[Figure]:
    from renos.benchmarks.load import bench_load

    assert dataset is not None
    return bench_load(dataset=dataset, clients=sizes.load_clients, seconds=sizes.load_seconds)


# In the order they run: the ones with their own data first, then those on the shared data set.
BENCHMARKS: dict[str, Runner] = {
    "parse": _parse,
    "ingest": _ingest,
    "slots": _slots,
    "overdue": _overdue,
    "api": _api,
    "admin": _admin,
    "journey": _journey,
    "load": _load,
}
ON_DATASET = frozenset({"api", "admin", "journey", "load"})


def run(names: list[str], sizes: Sizes, *, progress: Callable[[str], None]) -> list[Figure]:
    """The figures of `names` (in the order of BENCHMARKS); the data set is built once if any needs it."""
    figures: list[Figure] = []
    dataset = None
    try:
        for name in (name for name in BENCHMARKS if name in names):
            if name in ON_DATASET and dataset is None:
                started = time.monotonic()
                dataset_remove()  # what an interrupted run may have left
                dataset = dataset_build(leads=sizes.leads, customers=sizes.customers)
                elapsed = time.monotonic() - started
                progress(f"data set: {sizes.leads:,} leads of {sizes.customers:,} customers in {elapsed:.1f} s")
            started = time.monotonic()
            figures += BENCHMARKS[name](sizes, dataset)
            progress(f"{name}: done in {time.monotonic() - started:.1f} s")
    finally:
        if dataset is not None:
            progress("removing the data set ...")
            dataset_remove()
    return figures
