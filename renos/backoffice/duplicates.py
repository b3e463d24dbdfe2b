"""Customers that are probably the same person: found in the database with grouped queries, one per rule.

The rules: the same phone; the same name and address once case, spaces and punctuation are ignored; emails that
differ only in case or in the dots of the part before the @. Customers linked by any rule form one group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, F, Func, QuerySet, TextField, Value, Window
from django.db.models.functions import Concat, Left, Lower, Replace, StrIndex, Substr
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

GROUP_LIMIT = 100

# Ignored when names and addresses are compared: "Søvej 12, 1. tv." is "søvej 12 1 tv".
IGNORED_CHARACTERS = " \t\r\n.,-_'\"/():;!?&"
# SQLite's parser limits how deep replace() can nest, so there only the common ones are ignored.
IGNORED_ON_SQLITE = " \n.,-/"
# lower() only knows ASCII on SQLite (and on PostgreSQL under the C locale): the Danish letters are folded here.
UPPER, LOWER = "ÆØÅÄÖÜÉ", "æøåäöüé"

RULES = {
    "phone": _("Same phone"),
    "name_address": _("Same name and address"),
    "email": _("Same email apart from case and dots"),
}


class Folded(Func):
    """Text in lower case without spaces or punctuation, computed by the database (translate() on PostgreSQL)."""

    arity = 1
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        inner, params = compiler.compile(self.source_expressions[0])
        return f"translate(lower(translate({inner}, %s, %s)), %s, '')", (*params, UPPER, LOWER, IGNORED_CHARACTERS)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        result: Any = self.source_expressions[0]
        for upper, lower in zip(UPPER[:3], LOWER[:3], strict=True):
            result = Replace(result, Value(upper), Value(lower), output_field=TextField())
        result = Lower(result, output_field=TextField())
        for character in IGNORED_ON_SQLITE:
            result = Replace(result, Value(character), Value(""), output_field=TextField())
        return compiler.compile(result)


def email_key() -> Func:
    """The email with the dots of its local part removed, in lower case (a.b@x.dk and AB@x.dk are one address)."""
    at = StrIndex(F("email"), Value("@"))
    local = Replace(Lower(Left(F("email"), at - 1)), Value("."), Value(""))
    return Concat(local, Lower(Substr(F("email"), at)), output_field=CharField())


def _keyed(rule: str) -> QuerySet[Customer]:
    customers = Customer.objects.order_by()
    if rule == "phone":
        return customers.exclude(phone="").annotate(key=F("phone"))
    if rule == "name_address":
        key = Concat(Folded(F("name")), Value("|"), Folded(F("address")), output_field=TextField())
        return customers.exclude(name="").exclude(address="").annotate(key=key)
    return customers.filter(email__contains="@").annotate(key=email_key())


def _members(rule: str) -> list[tuple[Any, str]]:
    """(customer id, key) of every customer sharing its key with another: one query, one pass over the customers.

    The key is computed once per row (a window partitioned by it), not again for a join or an IN list.
    """
    counted = _keyed(rule).annotate(sharing=Window(Count("pk"), partition_by=[F("key")])).filter(sharing__gt=1)
    # A name or address of punctuation only folds to nothing: it ties nobody to anybody.
    return [(pk, key) for pk, key in counted.values_list("pk", "key") if not (key.startswith("|") or key.endswith("|"))]


@dataclass
class DuplicateGroup:
    """Customers that are probably one, and the rules that tie them."""

    customers: list[Customer]
    reasons: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [str(customer.pk) for customer in self.customers]


@dataclass(frozen=True)
class DuplicateReport:
    groups: list[DuplicateGroup]
    total: int  # groups found; more than shown when `total` > len(groups)

    @property
    def has_more(self) -> bool:
        return self.total > len(self.groups)


def duplicate_groups(*, limit: int = GROUP_LIMIT) -> DuplicateReport:
    """The groups of likely duplicates, oldest customer first in each; four queries, whatever the number of rows."""
    parent: dict[Any, Any] = {}
    reasons: dict[Any, set[str]] = defaultdict(set)
    for rule in RULES:
        by_key: dict[str, list[Any]] = defaultdict(list)
        for pk, key in _members(rule):
            by_key[key].append(pk)
        for ids in by_key.values():
            for pk in ids:
                reasons[pk].add(rule)
            _join(parent, ids)
    components: dict[Any, list[Any]] = defaultdict(list)
    for pk in parent:
        components[_root(parent, pk)].append(pk)
    groups = sorted(components.values(), key=lambda ids: sorted(map(str, ids)))
    shown = groups[:limit]
    customers = Customer.objects.in_bulk([pk for ids in shown for pk in ids])
    report = []
    for ids in shown:
        members = sorted((customers[pk] for pk in ids if pk in customers), key=lambda c: (c.created_at, str(c.pk)))
        rules = set().union(*(reasons[pk] for pk in ids))
        report.append(DuplicateGroup(customers=members, reasons=[str(RULES[rule]) for rule in RULES if rule in rules]))
    report.sort(key=lambda group: (group.customers[0].name.lower(), group.ids))
    return DuplicateReport(groups=report, total=len(groups))


def _root(parent: dict[Any, Any], pk: Any) -> Any:
    while parent[pk] != pk:
        parent[pk] = parent[parent[pk]]
        pk = parent[pk]
    return pk


def _join(parent: dict[Any, Any], ids: list[Any]) -> None:
    for pk in ids:
        parent.setdefault(pk, pk)
    first = _root(parent, ids[0])
    for pk in ids[1:]:
        parent[_root(parent, pk)] = first
