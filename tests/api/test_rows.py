"""List pages read as rows (renos/api/rows.py) show each object exactly as its detail view does."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from leads.api.serializers import LeadSerializer
from leads.models import Lead
from renos.api.filters import AskedFilterBackend
from renos.api.rows import RowFormat
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


def listed_and_detailed(api_client, **filters) -> list[tuple[dict, dict]]:
    listed = api_client.get("/api/leads/", filters)
    assert listed.status_code == 200, listed.content
    pairs = []
    for row in listed.json()["results"]:
        detailed = api_client.get(f"/api/leads/{row['id']}/")
        assert detailed.status_code == 200, detailed.content
        pairs.append((row, detailed.json()))
    return pairs


def test_every_field_of_a_listed_lead_is_as_on_its_own_page(api_client):
    LeadFactory(
        company_name="Havnens Café ApS",
        preferred_date=date(2026, 12, 3),
        estimated_hours=Decimal("3.25"),
        estimated_price=Decimal("1133.40"),
        ai_analysis={"service": "fast", "confidence": 0.9, "notes": ["kat i hjemmet"]},
        email_content="Hej, vi vil gerne have rengøring hver anden uge.",
        needs_follow_up=True,
        follow_up_reason="Ingen telefon",
        email_thread_id="18c2f0a9",
        status=Lead.Status.CONTACTED,
    )
    LeadFactory(customer=None, service_type=None, area_m2=None, estimated_hours=None, estimated_price=None)

    pairs = listed_and_detailed(api_client)

    assert len(pairs) == 2
    for listed, detailed in pairs:
        assert listed == detailed
        assert list(listed) == list(detailed), "the same fields in the same order"
    full = next(listed for listed, _ in pairs if listed["company_name"])
    assert full["service_type"] == "fast" and full["service_name"]
    assert full["estimated_price"] == "1133.40" and full["preferred_date"] == "2026-12-03"
    assert full["ai_analysis"]["notes"] == ["kat i hjemmet"]
    bare = next(listed for listed, _ in pairs if not listed["company_name"])
    assert bare["customer"] is None and bare["service_type"] is None and bare["service_name"] is None


def test_filters_ordering_and_paging_apply_to_the_rows(api_client):
    customer = CustomerFactory()
    for status in (Lead.Status.BOOKED, Lead.Status.NEW, Lead.Status.CONTACTED):
        LeadFactory(customer=customer, status=status)
    LeadFactory(status=Lead.Status.NEW)

    by_journey = api_client.get("/api/leads/", {"customer": customer.id, "ordering": "status"}).json()
    paged = api_client.get("/api/leads/", {"page_size": 1, "page": 2, "ordering": "-status"}).json()

    assert [row["status"] for row in by_journey["results"]] == ["new", "contacted", "booked"]
    assert by_journey["count"] == 3
    assert paged["count"] == 4 and len(paged["results"]) == 1 and paged["next"] and paged["previous"]
    assert api_client.get("/api/leads/", {"page": 9}).status_code == 404


def test_a_field_that_is_not_one_column_is_refused_when_the_format_is_built():
    class WithMethodField(LeadSerializer):
        summary = serializers.SerializerMethodField()

        class Meta(LeadSerializer.Meta):
            fields = (*LeadSerializer.Meta.fields, "summary")

        def get_summary(self, lead: Lead) -> str:
            return str(lead)

    with pytest.raises(TypeError, match="summary"):
        _ = RowFormat(WithMethodField).columns


def test_the_lead_format_reads_exactly_the_serializer_fields():
    columns = RowFormat(LeadSerializer).columns

    assert [name for name, _, _ in columns] == list(LeadSerializer.Meta.fields)
    lookups = dict((name, lookup) for name, lookup, _ in columns)
    assert lookups["service_type"] == "service_type__code"
    assert lookups["service_name"] == "service_type__name"
    assert lookups["customer"] == "customer"


def test_the_count_of_a_page_joins_nothing(api_client):
    LeadFactory(status=Lead.Status.NEW)

    with CaptureQueriesContext(connection) as queries:
        page = api_client.get("/api/leads/", {"status": "new"}).json()

    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"]]
    assert page["count"] == 1 and len(counts) == 1
    assert "JOIN" not in counts[0], "the count needs none of the columns the rows join for"


class AreaAsText(serializers.ModelSerializer):
    area_text = serializers.CharField(source="area_m2")

    class Meta:
        model = Lead
        fields = ("id", "area_m2", "area_text")


def test_a_value_is_shown_as_is_only_where_the_field_would_give_it_back_unchanged():
    [(_, _, identifier), (_, _, area), (_, _, area_text)] = RowFormat(AreaAsText).columns

    assert area is None, "an integer field over an integer column gives the value back"
    assert area_text is not None and identifier is not None
    [shown] = RowFormat(AreaAsText).show([{"id": uuid.UUID(int=1), "area_m2": 110}])
    assert shown == {"id": str(uuid.UUID(int=1)), "area_m2": 110, "area_text": "110"}


def test_a_field_over_something_that_is_not_a_column_is_refused():
    class WithLabel(serializers.ModelSerializer):
        label = serializers.CharField(source="__str__")

        class Meta:
            model = Lead
            fields = ("id", "label")

    with pytest.raises(TypeError, match="__str__"):
        _ = RowFormat(WithLabel).columns


@pytest.mark.parametrize(
    ("query", "asked"),
    [
        ("", False),
        ("search=Holm&ordering=-status&page=2", False),
        ("status=new", True),
        ("created_min=2026-01-01", True),
    ],
)
def test_the_filter_set_is_built_only_when_one_of_its_filters_is_asked_for(query, asked):
    request = Request(APIRequestFactory().get(f"/api/leads/?{query}"))

    assert AskedFilterBackend._asked(request, ["status", "created"]) is asked
