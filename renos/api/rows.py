"""List pages read as rows (`QuerySet.values()`) and shown through the serializer's own fields.

A list page of 50 leads built as model instances and passed through a ModelSerializer spends most of its time in
Python: building the serializer's fields on every request, making 50 models (and their related models), and walking
every field of every object. `RowsListMixin` reads only the columns the serializer shows and formats each value
with the same serializer field the detail view uses, so the JSON is the same, byte for byte
(tests/api/test_rows.py compares the two for every field).

Only fields whose value is one column (or one related column) can be read so: a serializer with a method field, a
nested serializer or a many-to-many field is refused when the format is first built, not served wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from rest_framework import relations, serializers
from rest_framework.request import Request
from rest_framework.response import Response

Convert = Callable[[Any], Any] | None


class RowFormat:
    """How the readable fields of `serializer_class` map to `.values()` lookups, and how each value is shown."""

    def __init__(self, serializer_class: type[serializers.ModelSerializer]) -> None:
        self.serializer_class = serializer_class

    @cached_property
    def columns(self) -> list[tuple[str, str, Convert]]:
        """(JSON name, values() lookup, conversion) for each field the serializer shows, in its order."""
        model = self.serializer_class.Meta.model
        fields = self.serializer_class().fields
        return [(name, *_column(model, name, field)) for name, field in fields.items() if not field.write_only]

    @property
    def lookups(self) -> list[str]:
        return [lookup for _, lookup, _ in self.columns]

    def rows(self, queryset: QuerySet) -> QuerySet:
        """The queryset as dicts of exactly the columns shown."""
        return queryset.values(*self.lookups)

    def show(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row as the serializer would show its object; None stays None, as in Serializer.to_representation."""
        columns = self.columns
        shown = []
        for row in rows:
            item = {}
            for name, lookup, convert in columns:
                value = row[lookup]
                item[name] = value if value is None or convert is None else convert(value)
            shown.append(item)
        return shown


def _column(model: type[models.Model], name: str, field: serializers.Field) -> tuple[str, Convert]:
    path = field.source.replace(".", "__")
    if isinstance(field, relations.SlugRelatedField):
        return f"{path}__{field.slug_field}", None
    if isinstance(field, relations.PrimaryKeyRelatedField):
        # values() gives the key itself; the field would give the related object's pk: the same value.
        return path, field.pk_field.to_representation if field.pk_field else None
    unreadable = (
        relations.ManyRelatedField,
        relations.HyperlinkedRelatedField,
        serializers.SerializerMethodField,
        serializers.BaseSerializer,
        serializers.HiddenField,
    )
    if isinstance(field, unreadable) or field.source == "*":
        raise TypeError(f"{name} ({type(field).__name__}) is not one column and cannot be read as a row")
    try:
        model_field = _model_field(model, path)
    except FieldDoesNotExist as exc:
        raise TypeError(f"{name} reads {field.source}, which is not a column and cannot be read as a row") from exc
    if _unchanged(field, model_field):
        return path, None
    return path, field.to_representation


def _model_field(model: type[models.Model], path: str) -> models.Field:
    """The model field at the end of a values() lookup such as `service_type__name`."""
    *relations_on_the_way, last = path.split("__")
    for name in relations_on_the_way:
        model = model._meta.get_field(name).related_model
    return model._meta.get_field(last)


# The serializer fields whose to_representation gives a value of these model fields back as it is (str() of a str,
# int() of an int, a stored choice as itself, a JSON value as loaded): the value is shown without the call. A
# subclass that overrides to_representation, or a serializer field over another kind of column, is called as usual.
_UNCHANGED = {
    serializers.CharField.to_representation: {"CharField", "TextField", "EmailField", "SlugField", "URLField"},
    serializers.ChoiceField.to_representation: {"CharField", "TextField"},
    serializers.BooleanField.to_representation: {"BooleanField"},
    serializers.IntegerField.to_representation: {
        "IntegerField",
        "SmallIntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
    },
    serializers.JSONField.to_representation: {"JSONField"},
}


def _unchanged(field: serializers.Field, model_field: models.Field) -> bool:
    kinds = _UNCHANGED.get(type(field).to_representation, ())
    return model_field.get_internal_type() in kinds and not getattr(field, "binary", False)


class RowsListMixin:
    """`list` reads its page as rows and shows them with `row_format`; filters, ordering and paging are unchanged."""

    row_format: RowFormat

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filtered = self.filter_queryset(self.get_queryset())
        rows = CountedRows(filtered, self.row_format.rows(filtered))
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(self.row_format.show(rows.rows))
        return self.get_paginated_response(self.row_format.show(page))


class CountedRows:
    """Rows for the paginator, counted on the filtered queryset itself.

    Counting the rows would keep the joins their related columns need (PostgreSQL then plans and runs the count
    slower, though it returns the same number), so the count is taken where nothing is joined.
    """

    def __init__(self, filtered: QuerySet, rows: QuerySet) -> None:
        self.filtered = filtered
        self.rows = rows
        self.ordered = rows.ordered

    def count(self) -> int:
        return self.filtered.count()

    def __getitem__(self, key: int | slice) -> Any:
        return self.rows[key]

    def __len__(self) -> int:
        return len(self.rows)
