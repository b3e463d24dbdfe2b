"""The business in figures: lifetime value, response ratios, AI-written email, the lead funnel and job size.

Every function aggregates in the database in a fixed number of queries, however many rows there are. Money is
DKK incl. moms. Revenue means paid invoices, as `Customer.total_revenue` counts it (customer_update_stats): a
credited invoice no longer counts, and neither does a credit note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Avg, Count, Q, Sum

from bookings.api import end_of_local_day, start_of_local_day
from bookings.models import Booking
from customers.models import Customer
from customers.selectors import customer_top_by_revenue
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import Conversation, Direction, EmailMessage

UNKNOWN_MODEL = "unknown"
# Emails that went out or came in: a draft was never sent, and a failed send never left (a bounce did).
NOT_SENT = (EmailMessage.Status.DRAFT, EmailMessage.Status.FAILED)
SENT_STATUSES = tuple(status for status in EmailMessage.Status.values if status not in NOT_SENT)
# How far a lead got: a lead counts as booked once booked, and stays booked when completed and invoiced (a
# cancelled booking sends it back to contacted).
BOOKED_OR_LATER = (Lead.Status.BOOKED, Lead.Status.COMPLETED, Lead.Status.INVOICED)
COMPLETED_OR_LATER = (Lead.Status.COMPLETED, Lead.Status.INVOICED)
# Issued and standing: not a draft, not credited; credit notes are left out separately.
ISSUED_STATUSES = Invoice.CREDITABLE_STATUSES

CENT = Decimal("0.01")


def to_cent(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator: int, denominator: int, places: int = 2) -> float | None:
    """numerator / denominator, rounded; None when the denominator is 0 (nothing to compare with)."""
    return round(numerator / denominator, places) if denominator else None


# --- Lifetime value --------------------------------------------------------------------------------------------


def top_customers(*, limit: int) -> list[Customer]:
    """The active customers with the highest lifetime value (customer_top_by_revenue), highest first."""
    return list(customer_top_by_revenue(limit=limit))


# --- Response ratio --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageCounts:
    """Emails we sent and emails we received, and how many we sent per email received."""

    outbound: int
    inbound: int

    @property
    def ratio(self) -> float | None:
        return ratio(self.outbound, self.inbound)


def _direction_counts(prefix: str = "") -> dict[str, Count]:
    """Count() of outbound and of inbound emails that were sent; `prefix` is the path to the emails."""
    sent = Q(**{f"{prefix}status__in": SENT_STATUSES})
    return {
        direction: Count(f"{prefix}pk", filter=sent & Q(**{f"{prefix}direction": direction}))
        for direction in (Direction.OUTBOUND.value, Direction.INBOUND.value)
    }


def response_ratio_overall(*, customer_id: Any = None) -> MessageCounts:
    """One query: every email sent and received (of one customer's conversations, if given)."""
    messages = EmailMessage.objects.all()
    if customer_id is not None:
        messages = messages.filter(conversation__customer_id=customer_id)
    row = messages.aggregate(**_direction_counts())
    return MessageCounts(outbound=row["outbound"], inbound=row["inbound"])


def conversations_with_counts(*, customer_id: Any = None) -> models.QuerySet[Conversation]:
    """Conversations, latest activity first, each annotated `outbound` and `inbound` (one query for any page)."""
    conversations = Conversation.objects.all()
    if customer_id is not None:
        conversations = conversations.filter(customer_id=customer_id)
    return (
        conversations.select_related("customer")
        .only("subject", "channel", "status", "updated_at", "customer__name")
        .annotate(**_direction_counts("messages__"))
        .order_by("-updated_at", "-id")
    )


def conversation_ratio(conversation: Conversation) -> float | None:
    """The response ratio of a conversation from conversations_with_counts."""
    return ratio(conversation.outbound, conversation.inbound)


# --- AI-written email ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelCount:
    model: str
    count: int


def ai_emails_by_model() -> list[ModelCount]:
    """One query: AI-written emails that were sent, counted by model ("unknown" when none was recorded), most first."""
    rows = (
        EmailMessage.objects.filter(is_ai_generated=True, status__in=SENT_STATUSES)
        .values("ai_model")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        model = row["ai_model"].strip() or UNKNOWN_MODEL
        counts[model] = counts.get(model, 0) + row["count"]
    return [ModelCount(model, count) for model, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


# --- Leads: source and service ---------------------------------------------------------------------------------


@dataclass
class LeadGroup:
    """The funnel of a group of leads, and the revenue of their paid invoices."""

    leads: int = 0
    booked: int = 0
    completed: int = 0
    invoiced: int = 0
    revenue: Decimal = field(default_factory=lambda: Decimal("0.00"))

    @property
    def conversion_rate(self) -> float | None:
        """Booked per lead, 0..1; None without leads."""
        return ratio(self.booked, self.leads, places=4)

    def add(self, other: LeadGroup) -> None:
        self.leads += other.leads
        self.booked += other.booked
        self.completed += other.completed
        self.invoiced += other.invoiced
        self.revenue += other.revenue


@dataclass
class SourceGroup(LeadGroup):
    source: str = ""
    label: str = ""


@dataclass
class ServiceGroup(LeadGroup):
    service_type: str | None = None  # the service's code; None for leads without a service
    name: str | None = None


@dataclass
class LeadFunnel:
    start: date | None
    end: date | None
    total: LeadGroup
    by_source: list[SourceGroup]
    by_service: list[ServiceGroup]


def _funnel_aggregates() -> dict[str, Any]:
    # Joining the invoices repeats a lead once per invoice: the counts are distinct, the revenue sums each invoice.
    return {
        "leads": Count("pk", distinct=True),
        "booked": Count("pk", filter=Q(status__in=BOOKED_OR_LATER), distinct=True),
        "completed": Count("pk", filter=Q(status__in=COMPLETED_OR_LATER), distinct=True),
        "invoiced": Count("pk", filter=Q(status=Lead.Status.INVOICED), distinct=True),
        "revenue": Sum("invoices__total_amount", filter=Q(invoices__status=Invoice.Status.PAID)),
    }


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "leads": row["leads"],
        "booked": row["booked"],
        "completed": row["completed"],
        "invoiced": row["invoiced"],
        "revenue": to_cent(row["revenue"]) or Decimal("0.00"),
    }


def lead_funnel(*, start: date | None = None, end: date | None = None) -> LeadFunnel:
    """Two queries: leads created on the days start..end (Europe/Copenhagen, both included, either may be open),
    by source (every source present) and by service (those with leads, most leads first)."""
    leads = Lead.objects.all()
    if start is not None:
        leads = leads.filter(created_at__gte=start_of_local_day(start))
    if end is not None:
        leads = leads.filter(created_at__lt=end_of_local_day(end))
    aggregates = _funnel_aggregates()

    by_source = {value: SourceGroup(source=value, label=str(label)) for value, label in Lead.Source.choices}
    for row in leads.values("source").annotate(**aggregates).order_by():
        group = by_source.setdefault(row["source"], SourceGroup(source=row["source"], label=row["source"]))
        for name, value in _figures(row).items():
            setattr(group, name, value)

    by_service = [
        ServiceGroup(service_type=row["service_type"], name=row["service_type__name"], **_figures(row))
        for row in leads.values("service_type", "service_type__name").annotate(**aggregates).order_by()
    ]
    by_service.sort(key=lambda group: (-group.leads, group.service_type is None, group.name or ""))

    total = LeadGroup()
    for group in by_source.values():
        total.add(group)
    return LeadFunnel(start=start, end=end, total=total, by_source=list(by_source.values()), by_service=by_service)


# --- Job size --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSize:
    """Averages over completed bookings and over issued invoices; None where there is nothing to average."""

    bookings: int
    average_hours: Decimal | None
    average_cleaners: Decimal | None
    average_amount: Decimal | None
    invoices: int
    average_invoice_total: Decimal | None


def job_size() -> JobSize:
    """Two queries: completed bookings (hours on site, cleaners, amount) and issued invoices (total incl. moms).

    Issued invoices are those sent, overdue or paid; drafts, credited invoices and credit notes are left out.
    """
    decimal = models.DecimalField(max_digits=14, decimal_places=4)
    bookings = Booking.objects.filter(status=Booking.Status.COMPLETED).aggregate(
        count=Count("pk"),
        hours=Avg("duration_hours"),
        cleaners=Avg("cleaners", output_field=decimal),
        amount=Avg("total_amount"),
    )
    invoices = Invoice.objects.filter(status__in=ISSUED_STATUSES, credited_invoice__isnull=True).aggregate(
        count=Count("pk"), total=Avg("total_amount")
    )
    return JobSize(
        bookings=bookings["count"],
        average_hours=to_cent(bookings["hours"]),
        average_cleaners=to_cent(bookings["cleaners"]),
        average_amount=to_cent(bookings["amount"]),
        invoices=invoices["count"],
        average_invoice_total=to_cent(invoices["total"]),
    )
