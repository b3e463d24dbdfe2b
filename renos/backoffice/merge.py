"""Merging duplicate customers into the one kept: everything they hold moves, their details are kept on record.

Leads, conversations, bookings and invoices point at a customer; SMS and most activities hang off leads, bookings
and invoices, so they follow those. Any other foreign key to Customer (from any app) is found through the model's
relations and moved the same way, so a relation added later is not left behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Booking
from customers.models import Customer, TaggedCustomer
from customers.services import customer_touch, customer_update, customer_update_stats
from invoicing.models import Invoice
from leads.models import Activity, Lead
from messaging.models import Conversation, SmsMessage
from renos.backoffice.customer360.timeline import CUSTOMER_KEY, customer_activity_create

# Copied from a duplicate when the kept customer has none.
FILLED_FIELDS = ("email", "phone", "address", "company_name", "notes")
RECORDED_FIELDS = (
    "name",
    "email",
    "phone",
    "address",
    "company_name",
    "notes",
    "status",
    "billy_contact_id",
    "total_leads",
    "total_bookings",
    "total_revenue",
    "last_contact_at",
    "created_at",
)

MOVED_KINDS = {
    "leads": gettext_lazy("leads"),
    "conversations": gettext_lazy("conversations"),
    "bookings": gettext_lazy("bookings"),
    "invoices": gettext_lazy("invoices"),
    "sms": gettext_lazy("SMS"),
    "activities": gettext_lazy("activities"),
    "tags": gettext_lazy("tags"),
}


def customer_merge_preview(*, customers: Iterable[Customer]) -> dict[Any, dict[str, int]]:
    """What each customer holds (the rows a merge moves), by kind: one grouped query per kind."""
    ids = [customer.pk for customer in customers]
    counts: dict[Any, dict[str, int]] = {pk: dict.fromkeys(MOVED_KINDS, 0) for pk in ids}

    def add(kind: str, rows: Iterable[tuple[Any, int]]) -> None:
        for pk, count in rows:
            if pk in counts:
                counts[pk][kind] += count

    def grouped(queryset: models.QuerySet, key: str) -> Iterable[tuple[Any, int]]:
        return queryset.order_by().values(key).annotate(count=Count("pk")).values_list(key, "count")

    add("leads", grouped(Lead.objects.filter(customer__in=ids), "customer"))
    add("conversations", grouped(Conversation.objects.filter(customer__in=ids), "customer"))
    add("bookings", grouped(Booking.objects.filter(customer__in=ids), "customer"))
    add("invoices", grouped(Invoice.objects.filter(customer__in=ids), "customer"))
    add("sms", grouped(SmsMessage.objects.filter(lead__customer__in=ids), "lead__customer"))
    attached = Activity.objects.filter(
        Q(lead__customer__in=ids) | Q(booking__customer__in=ids) | Q(invoice__customer__in=ids)
    ).annotate(owner=Coalesce("lead__customer", "booking__customer", "invoice__customer"))
    add("activities", grouped(attached, "owner"))
    # Activities about the customer as a whole, on none of its leads, bookings or invoices (those are counted above).
    by_text = {str(pk): pk for pk in ids}
    own = Activity.objects.filter(
        lead__isnull=True,
        booking__isnull=True,
        invoice__isnull=True,
        **{f"metadata__{CUSTOMER_KEY}__in": list(by_text)},
    ).annotate(owner=KeyTextTransform(CUSTOMER_KEY, "metadata"))
    add("activities", ((by_text[key], count) for key, count in grouped(own, "owner")))
    add("tags", grouped(TaggedCustomer.objects.filter(content_object__in=ids), "content_object"))
    return counts


@transaction.atomic
def customer_merge(*, kept: Customer, duplicates: Iterable[Customer], actor: Any) -> Customer:
    """Move everything the duplicates hold to `kept`, fill its empty details from them, record them, delete them.

    Raises ValidationError when there is nothing to merge, a customer would be merged into itself, or one of the
    customers is gone (merged by someone else in the meantime).
    """
    duplicate_ids = list(dict.fromkeys(customer.pk for customer in duplicates))
    if kept.pk in duplicate_ids:
        raise ValidationError(_("A customer cannot be merged into itself."), code="self")
    if not duplicate_ids:
        raise ValidationError(_("Choose at least one other customer to merge into %(kept)s.") % {"kept": kept})
    # Lock every customer of the merge, always in id order so overlapping merges queue instead of deadlocking. The
    # lock prevents two races: two staff merging A into B and B into A at once (each would delete the customer the
    # other keeps), and a lead, booking or invoice written onto a duplicate between moving its rows and deleting it
    # (the writer's foreign key check waits for the lock, then fails instead of pointing at a deleted customer).
    locked = {
        customer.pk: customer
        for customer in Customer.objects.select_for_update().filter(pk__in=[kept.pk, *duplicate_ids]).order_by("pk")
    }
    if len(locked) != len(duplicate_ids) + 1:
        raise ValidationError(
            _("One of these customers no longer exists; it may have been merged already. Reload and try again."),
            code="gone",
        )
    target = locked[kept.pk]
    merged = [locked[pk] for pk in duplicate_ids]
    moved = customer_merge_preview(customers=merged)
    tags = {customer.pk: sorted(customer.tags.names()) for customer in merged}
    records = [_record(customer, tags=tags[customer.pk]) for customer in merged]
    tag_names = sorted({name for names in tags.values() for name in names})

    if tag_names:
        target.tags.add(*tag_names)
    _move_relations(target=target, merged_ids=duplicate_ids)
    _move_customer_activities(target=target, merged_ids=duplicate_ids)

    Customer.objects.filter(pk__in=duplicate_ids).delete()

    _take_over_details(target=target, merged=merged)
    totals = {kind: sum(counts[kind] for counts in moved.values()) for kind in MOVED_KINDS}
    names = ", ".join(f"{customer.name} ({customer.email or customer.phone or customer.pk})" for customer in merged)
    customer_activity_create(
        customer=target,
        type=Activity.Type.COMPLETED,
        title="Kunder lagt sammen",
        description=f"{names} er lagt sammen med {target.name}. {_moved_in_danish(totals)}",
        metadata={"merged_customers": records, "moved": totals, "by": actor.get_username() if actor else ""},
    )
    return customer_update_stats(customer=target)


def _move_relations(*, target: Customer, merged_ids: list[Any]) -> None:
    """Point every foreign key to a merged customer at `target` (tags were copied; their rows go with the customer)."""
    for relation in Customer._meta.related_objects:
        if relation.many_to_many or relation.related_model is TaggedCustomer:
            continue
        manager = relation.related_model._base_manager
        field = relation.field.name
        rows = manager.filter(**{f"{field}__in": merged_ids})
        if relation.one_to_one and rows.exists() and manager.filter(**{field: target.pk}).exists():
            raise ValidationError(
                _("Both customers have a %(what)s; only one can be kept.")
                % {"what": relation.related_model._meta.verbose_name},
                code="one_to_one",
            )
        rows.update(**{field: target.pk})


def _move_customer_activities(*, target: Customer, merged_ids: list[Any]) -> None:
    """Activities about a merged customer as a whole now name the kept one."""
    own = Activity.objects.filter(**{f"metadata__{CUSTOMER_KEY}__in": [str(pk) for pk in merged_ids]})
    for activity in own:
        activity.metadata = {**activity.metadata, CUSTOMER_KEY: str(target.pk)}
        activity.save(update_fields=["metadata"])


def _take_over_details(*, target: Customer, merged: list[Customer]) -> None:
    """Fill the kept customer's empty details; a block on any of them stays; the latest contact is kept."""
    data: dict[str, Any] = {}
    for name in FILLED_FIELDS:
        if not getattr(target, name):
            value = next((getattr(customer, name) for customer in merged if getattr(customer, name)), None)
            if value:
                data[name] = value
    if target.status != Customer.Status.BLOCKED and any(c.status == Customer.Status.BLOCKED for c in merged):
        data["status"] = Customer.Status.BLOCKED
    elif target.status == Customer.Status.INACTIVE and any(c.status == Customer.Status.ACTIVE for c in merged):
        data["status"] = Customer.Status.ACTIVE
    if data:
        customer_update(customer=target, data=data)
    if not target.billy_contact_id and (billy := next((c.billy_contact_id for c in merged if c.billy_contact_id), "")):
        target.billy_contact_id = billy
        target.save(update_fields=["billy_contact_id", "updated_at"])
    contacts = [customer.last_contact_at for customer in merged if customer.last_contact_at]
    if contacts:
        customer_touch(customer=target, when=max(contacts))


def _record(customer: Customer, *, tags: list[str]) -> dict[str, Any]:
    """The merged customer's details as JSON, so nothing it held is lost with its row."""
    record: dict[str, Any] = {"id": str(customer.pk)}
    for name in RECORDED_FIELDS:
        value = getattr(customer, name)
        if isinstance(value, Decimal):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        record[name] = value
    record["tags"] = tags
    return record


# (singular, plural) for the Danish activity text.
DANISH_KINDS = {
    "leads": ("lead", "leads"),
    "conversations": ("samtale", "samtaler"),
    "bookings": ("booking", "bookinger"),
    "invoices": ("faktura", "fakturaer"),
    "sms": ("sms", "sms'er"),
    "activities": ("aktivitet", "aktiviteter"),
    "tags": ("tag", "tags"),
}


def _moved_in_danish(totals: dict[str, int]) -> str:
    """The rows that moved, in Danish: 'Flyttet: 2 leads, 1 faktura.'"""
    parts = [f"{count} {DANISH_KINDS[kind][0 if count == 1 else 1]}" for kind, count in totals.items() if count]
    return f"Flyttet: {', '.join(parts)}." if parts else "Der var intet at flytte."
