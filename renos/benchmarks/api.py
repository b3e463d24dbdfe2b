"""API figures: the lead list searched by name and filtered by status, each next to a bare Django view that returns
the same page, so the price of the framework (auth, throttling, filters, serializers) is a number, not a guess.

Requests go through the whole middleware stack in this process (Django's test client), API and bare view taking
turns, so load elsewhere on the machine hits both alike.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.test import Client, override_settings

from leads.api.filters import SearchText
from leads.api.serializers import LeadSerializer
from leads.models import Lead
from renos.api.pagination import Pagination
from renos.benchmarks.core import Figure, milliseconds, percentile
from renos.benchmarks.data import Dataset, office_staff_token

API_P95_TARGET_MS = 50
RATIO_TARGET = 1.5
WARM_UP = 10
BARE_PATH = "/bench/bare/leads/"


def bare_lead_list(request: HttpRequest) -> JsonResponse:
    """GET /api/leads/?status=…&search=… without DRF: the same count, rows, order and page, via `.values()`."""
    leads = Lead.objects.order_by("-created_at", "-id")
    if status := request.GET.get("status"):
        leads = leads.filter(status=status)
    if terms := request.GET.get("search", "").split():
        leads = leads.alias(search_text=SearchText())
        for term in terms:
            leads = leads.filter(search_text__icontains=term)
    columns = [name for name in LeadSerializer.Meta.fields if name != "service_name"]
    rows = list(leads.values(*columns, service_name=F("service_type__name"))[: Pagination.page_size])
    return JsonResponse({"count": leads.count(), "next": None, "previous": None, "results": rows})


def bench_api(*, dataset: Dataset, requests: int) -> list[Figure]:
    """p95 of the searched and the filtered lead list over `requests` requests each, and of its bare twin."""
    client = api_client()
    size = f"{dataset.leads:,} leads"
    searches = [urlencode({"search": term}) for term in dataset.search_terms]
    figures = []
    with override_settings(ROOT_URLCONF="renos.benchmarks.urls"):
        figures += _compare(client, f"GET /api/leads/?search=<name>, {size}", searches, requests)
        figures += _compare(client, f"GET /api/leads/?status=new, {size}", ["status=new"], requests)
    return figures


def api_client() -> Client:
    """An in-process client that sends a staff member's JWT, as the frontend does."""
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {office_staff_token('api')}")


def _compare(client: Client, name: str, queries: list[str], requests: int) -> list[Figure]:
    api: list[float] = []
    bare: list[float] = []
    for number in range(WARM_UP + requests):
        query = queries[number % len(queries)]
        api_ms = milliseconds(_get(client, f"/api/leads/?{query}"))
        bare_ms = milliseconds(_get(client, f"{BARE_PATH}?{query}"))
        if number >= WARM_UP:
            api.append(api_ms)
            bare.append(bare_ms)
    api_p95, bare_p95 = percentile(api, 0.95), percentile(bare, 0.95)
    return [
        Figure(f"{name}: API p95", api_p95, "ms", API_P95_TARGET_MS, higher_is_better=False),
        Figure(f"{name}: bare view p95", bare_p95, "ms", None, higher_is_better=False),
        Figure(f"{name}: API / bare view", api_p95 / bare_p95, "×", RATIO_TARGET, higher_is_better=False),
    ]


def _get(client: Client, url: str) -> Callable[[], None]:
    def get() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:200]!r}")

    return get
