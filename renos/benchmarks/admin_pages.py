"""Admin figures: the lead and customer changelists with the full data set, and the admin index (the dashboard).

Each page is fetched by a logged-in superuser through the whole middleware stack in this process. Static file
URLs come from the plain storage: the bench does not run `collectstatic`, which the production storage's manifest
needs (a dictionary lookup per URL either way).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from renos.benchmarks.core import Figure, milliseconds, percentile
from renos.benchmarks.data import USERNAME_PREFIX, Dataset

CHANGELIST_P95_TARGET_MS = 300
WARM_UP = 3
PLAIN_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


def bench_admin(*, dataset: Dataset, requests: int) -> list[Figure]:
    """p95 of each page over `requests` requests (at most 50: a page is heavier than an API call)."""
    client = admin_client()
    count = min(requests, 50)
    size = f"{dataset.leads:,} leads, {dataset.customers:,} customers"
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_STORAGE}}):
        return _figures(client, size, count)


def _figures(client: Client, size: str, count: int) -> list[Figure]:
    return [
        Figure(
            f"Admin lead list, {size}: p95",
            _p95(client, "/admin/leads/lead/", count),
            "ms",
            CHANGELIST_P95_TARGET_MS,
            higher_is_better=False,
        ),
        Figure(
            f"Admin customer list, {size}: p95",
            _p95(client, "/admin/customers/customer/", count),
            "ms",
            CHANGELIST_P95_TARGET_MS,
            higher_is_better=False,
        ),
        Figure(f"Admin index (dashboard), {size}: p95", _p95(client, "/admin/", count), "ms", None, False),
    ]


def admin_client() -> Client:
    user, _ = get_user_model().objects.get_or_create(
        username=f"{USERNAME_PREFIX}admin",
        defaults={"is_staff": True, "is_superuser": True, "email": "admin@bench.example"},
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _p95(client: Client, url: str, count: int) -> float:
    samples = []
    for number in range(WARM_UP + count):
        elapsed = milliseconds(lambda: _get(client, url))
        if number >= WARM_UP:
            samples.append(elapsed)
    return percentile(samples, 0.95)


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    if hasattr(response, "render"):
        response.render()
