"""Filter backends every app's API shares: an ordering that keeps pages stable, and a search that says what it reads."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request


class StableOrderingFilter(OrderingFilter):
    """`?ordering=` that always ends with the id, so rows with equal sort keys keep one order across pages."""

    # False: the id breaks ties ascending whatever the direction; True: it runs the way the last sort key does.
    ties_follow_last_key: ClassVar[bool] = False

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(term.lstrip("-") in ("id", "pk") for term in ordering):
            descending = self.ties_follow_last_key and bool(ordering) and ordering[-1].startswith("-")
            ordering.append("-id" if descending else "id")
        return ordering

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["description"] = self.describe(view)
        return parameters

    def describe(self, view: Any) -> str:
        """The `ordering` parameter in the schema: the fields, the default and the tie-breaker."""
        fields = ", ".join(getattr(view, "ordering_fields", []))
        default = ",".join(getattr(view, "ordering", []))
        return (
            f"Sort by one or more of {fields} (comma-separated; prefix `-` for descending). "
            f"Default: `{default}`. Ties are broken by id."
        )


class MirroredTiesOrderingFilter(StableOrderingFilter):
    """A stable ordering whose ties run the way the last sort key does: `-total_amount` puts the highest id first."""

    ties_follow_last_key = True


class DocumentedSearchFilter(SearchFilter):
    """SearchFilter whose schema description names the fields searched."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        fields = ", ".join(field.lstrip("^=@$") for field in getattr(view, "search_fields", []))
        for parameter in parameters:
            parameter["description"] = f"Case-insensitive search in {fields}; words separated by spaces must all match."
        return parameters
