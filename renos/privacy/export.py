"""Everything RenOS holds about a customer, as JSON (GDPR art. 15 and 20): one query per kind of row."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.utils import timezone

from customers.models import Customer
from renos.privacy.scope import CustomerScope, customer_leads

# Printed in every export and on the erase page: why invoices stay when the rest is erased.
INVOICES_KEPT = (
    "Fakturaer opbevares i 5 år fra udgangen af det regnskabsår, de hører til, som bogføringsloven kræver. "
    "De slettes derfor ikke, når de øvrige persondata slettes."
)


def customer_personal_data_export(*, customer: Customer) -> dict[str, Any]:
    """The customer with tags, leads (with activities and slot offers), conversations with every email, SMS,
    bookings, invoices with lines and the audit trail about all of them: times ISO 8601, money as strings."""
    leads = list(customer_leads(customer).order_by("created_at", "pk"))
    scope = CustomerScope.of(customer, leads)
    activities = list(scope.activities().order_by("created_at", "pk"))
    slot_offers = list(scope.slot_offers().order_by("created_at", "pk"))
    conversations = list(scope.conversations().order_by("created_at", "pk"))
    messages = list(scope.email_messages().order_by("sent_at", "pk"))
    sms_messages = list(scope.sms_messages().order_by("created_at", "pk"))
    bookings = list(scope.bookings().order_by("booking_date", "pk"))
    invoices = list(scope.invoices().order_by("created_at", "pk"))
    lines = list(scope.invoice_lines().order_by("position", "pk"))
    skipped = list(scope.skipped_emails().order_by("created_at", "pk"))
    tags = sorted(customer.tags.values_list("name", flat=True))

    activities_of_lead = _group(activities, "lead_id")
    offers_of_lead = _group(slot_offers, "lead_id")
    messages_of = _group(messages, "conversation_id")
    lines_of = _group(lines, "invoice_id")
    rows = [customer, *leads, *activities, *slot_offers, *conversations, *messages, *sms_messages, *bookings]
    return {
        "exported_at": timezone.now().isoformat(),
        "customer": {**row_dict(customer), "tags": tags},
        "leads": [
            {
                **row_dict(lead),
                "activities": [row_dict(a) for a in activities_of_lead[lead.pk]],
                "slot_offers": [row_dict(offer) for offer in offers_of_lead[lead.pk]],
            }
            for lead in leads
        ],
        "other_activities": [row_dict(a) for a in activities if a.lead_id is None or a.lead_id not in scope.lead_ids],
        "conversations": [
            {**row_dict(conversation), "messages": [row_dict(m) for m in messages_of[conversation.pk]]}
            for conversation in conversations
        ],
        "sms_messages": [row_dict(sms) for sms in sms_messages],
        "skipped_emails": [row_dict(email) for email in skipped],
        "bookings": [row_dict(booking) for booking in bookings],
        "invoices": [
            {**row_dict(invoice), "lines": [row_dict(line) for line in lines_of[invoice.pk]]} for invoice in invoices
        ],
        "invoices_note": INVOICES_KEPT,
        "audit_log": audit_entries(rows + invoices + lines + skipped),
    }


def row_dict(obj: Model) -> dict[str, Any]:
    """Every stored column of the row; a foreign key as `<name>_id`."""
    return {field.attname: plain(getattr(obj, field.attname)) for field in obj._meta.concrete_fields}


def plain(value: Any) -> Any:
    """A value JSON can carry: ISO 8601 times, money and ids as strings, a raw email as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return value


def audit_entries(rows: list[Model]) -> list[dict[str, Any]]:
    """django-auditlog's entries about these rows (none when the app is not installed), oldest first."""
    condition = audit_condition(rows)
    if condition is None:
        return []
    from auditlog import get_logentry_model

    entries = get_logentry_model().objects.filter(condition).select_related("content_type", "actor")
    return [
        {
            "timestamp": plain(entry.timestamp),
            "model": entry.content_type.model,
            "object_id": entry.object_pk,
            "object_repr": entry.object_repr,
            "action": entry.get_action_display(),
            "changes": entry.changes,
            "actor": entry.actor.get_username() if entry.actor else None,
        }
        for entry in entries.order_by("timestamp", "pk")
    ]


def audit_condition(rows: list[Model]) -> Q | None:
    """The filter for django-auditlog's entries about these rows; None when there are none or no auditlog."""
    if not apps.is_installed("auditlog"):
        return None
    return generic_condition(ids_by_model(rows), pk_field="object_pk")


def ids_by_model(rows: list[Model]) -> dict[type[Model], set[str]]:
    grouped: dict[type[Model], set[str]] = defaultdict(set)
    for row in rows:
        grouped[type(row)].add(str(row.pk))
    return grouped


def generic_condition(ids: dict[type[Model], set[str]], *, pk_field: str) -> Q | None:
    """The filter for rows that point at these objects by content type and id (audit entries, admin history)."""
    ids = {model: model_ids for model, model_ids in ids.items() if model_ids}
    if not ids:
        return None
    content_types = ContentType.objects.get_for_models(*ids)
    condition = Q()
    for model, model_ids in ids.items():
        condition |= Q(content_type=content_types[model], **{f"{pk_field}__in": sorted(model_ids)})
    return condition


def _group(rows: list[Model], attname: str) -> dict[Any, list[Model]]:
    grouped: dict[Any, list[Model]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, attname)].append(row)
    return grouped
