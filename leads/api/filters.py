"""Filters of the leads API: sorting and searching leads, the created_at bounds, and the filter sets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Case, F, Func, IntegerField, QuerySet, TextField, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import rest_framework as filters
from rest_framework.filters import SearchFilter
from rest_framework.request import Request

from leads.models import Activity, Lead, ServiceType
from renos.api.filters import StableOrderingFilter


class LeadOrderingFilter(StableOrderingFilter):
    """Status sorts along the journey and priority from low to high, not alphabetically."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        ordering = self.get_ordering(request, queryset, view)
        # The rank of a status or priority is worked out only when the list is sorted by it.
        ranks = {RANKED[term.lstrip("-")] for term in ordering if term.lstrip("-") in RANKED}
        if ranks:
            queryset = queryset.alias(**{alias: rank(field, values) for alias, field, values in ranks})
        return queryset.order_by(*(self._ranked(term) for term in ordering)) if ordering else queryset

    def _ranked(self, term: str) -> str:
        descending, name = term.startswith("-"), term.lstrip("-")
        if name in RANKED:
            name = RANKED[name][0]
        return f"-{name}" if descending else name

    def describe(self, view: Any) -> str:
        return (
            "Sort by created_at, updated_at, estimated_price, customer_name, status (along the journey) or priority "
            "(low to high), comma-separated; a leading - reverses. Default: -created_at."
        )


# Asked for by name, sorted by an alias holding the position of the value in its choices.
RANKED = {
    "status": ("status_rank", "status", tuple(Lead.Status.values)),
    "priority": ("priority_rank", "priority", tuple(Lead.Priority.values)),
}


def rank(field: str, values: Sequence[str]) -> Case:
    """The position of the field's value in `values`, for sorting choices in their natural order."""
    return Case(*(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)), output_field=IntegerField())


class SearchText(Func):
    """The customer's name, email and phone as one text, a line break between them (so no term spans two).

    `?search=` matches each term against this one expression, which the GIN trigram index of migration
    leads/0005_trigram_search is built on: PostgreSQL then estimates how many leads match from one set of
    statistics, where OR-ing three columns made it overestimate and walk the whole newest-first index instead.
    """

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("customer_name"), Value("\n"), F("customer_email"), Value("\n"), F("customer_phone"))


class LeadSearchFilter(SearchFilter):
    search_description = "Part of the customer's name, email or phone, in any case."

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        terms = self.get_search_terms(request)
        if not terms:
            return queryset
        queryset = queryset.alias(search_text=SearchText())
        for term in terms:
            queryset = queryset.filter(search_text__icontains=term)
        return queryset


class DateOrDateTimeField(forms.CharField):
    """An ISO 8601 date or date-time; a date-time without offset is read in Danish time."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date (2026-11-21) or date-time (2026-11-21T13:00:00+01:00).",
    }

    def to_python(self, value: Any) -> date | datetime | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:
            day = moment = None
        if day:
            return day
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class CreatedBoundFilter(filters.CharFilter):
    """`created_at` on or after (or on or before) a moment; a date counts as the whole day in Danish time."""

    field_class = DateOrDateTimeField

    def __init__(self, *args: Any, upper: bool, **kwargs: Any) -> None:
        self.upper = upper
        super().__init__(*args, field_name="created_at", **kwargs)

    def filter(self, qs: QuerySet, value: date | datetime | None) -> QuerySet:
        if value is None:
            return qs
        if not isinstance(value, datetime):
            day = value + timedelta(days=1) if self.upper else value
            midnight = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
            return qs.filter(created_at__lt=midnight) if self.upper else qs.filter(created_at__gte=midnight)
        return qs.filter(created_at__lte=value) if self.upper else qs.filter(created_at__gte=value)


class ActivityFilter(filters.FilterSet):
    lead = filters.UUIDFilter(help_text="Only the timeline of this lead.")
    booking = filters.UUIDFilter(help_text="Only entries about this booking.")
    invoice = filters.UUIDFilter(help_text="Only entries about this invoice.")
    type = filters.ChoiceFilter(choices=Activity.Type.choices)
    status = filters.ChoiceFilter(choices=Activity.Status.choices)

    class Meta:
        model = Activity
        fields = ["lead", "booking", "invoice", "type", "status"]


class LeadFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Lead.Status.choices)
    source = filters.ChoiceFilter(choices=Lead.Source.choices)
    priority = filters.ChoiceFilter(choices=Lead.Priority.choices)
    service_type = filters.ModelChoiceFilter(
        queryset=ServiceType.objects.all(), to_field_name="code", help_text="A service code, e.g. `fast`."
    )
    customer = filters.UUIDFilter(help_text="Only the leads of this customer.")
    needs_follow_up = filters.BooleanFilter(help_text="Only leads where automation stopped and a person must act.")
    created_after = CreatedBoundFilter(
        upper=False, help_text="Created on or after this ISO date or date-time (a date means from its start)."
    )
    created_before = CreatedBoundFilter(
        upper=True, help_text="Created on or before this ISO date or date-time (a date means to its end)."
    )

    class Meta:
        model = Lead
        fields = [
            "status",
            "source",
            "priority",
            "service_type",
            "customer",
            "needs_follow_up",
            "created_after",
            "created_before",
        ]
