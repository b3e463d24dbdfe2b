"""Keeping personal data no longer than needed: customers inactive past the retention period are erased."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead
from renos.privacy.erase import customer_erase

logger = logging.getLogger(__name__)

# Issued and not paid, or not issued yet: the customer may still have to be reminded or invoiced.
UNPAID_STATUSES = (Invoice.Status.DRAFT, Invoice.Status.SENT, Invoice.Status.OVERDUE)


def _newest(queryset: QuerySet, field: str | F | Coalesce) -> Subquery:
    """The newest value of `field` among the customer's rows of `queryset` (NULL when there are none)."""
    return Subquery(
        queryset.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(newest=Max(field))
        .values("newest")[:1],
        output_field=DateTimeField(),
    )


def customers_with_last_activity() -> QuerySet[Customer]:
    """Customers annotated with `last_activity_at`: the newest of the last contact, lead, booking and invoice (or
    when the customer was created, for one that has none of them)."""
    created = F("created_at")
    return Customer.objects.annotate(
        last_activity_at=Greatest(
            Coalesce("last_contact_at", created),
            Coalesce(_newest(Lead.objects.all(), "created_at"), created),
            Coalesce(_newest(Booking.objects.all(), "booking_date"), created),
            Coalesce(_newest(Invoice.objects.all(), Coalesce("paid_date", "sent_date", "created_at")), created),
        )
    )


def customers_past_retention(*, now: datetime | None = None, days: int | None = None) -> QuerySet[Customer]:
    """Customers not yet erased whose last activity is older than the retention period, who owe nothing and have
    no job ahead. None at all when the period is 0 (switched off)."""
    days = settings.RENOS_RETENTION_DAYS if days is None else days
    if days <= 0:
        return Customer.objects.none()
    now = now or timezone.now()
    unpaid = Invoice.objects.filter(customer=OuterRef("pk"), status__in=UNPAID_STATUSES)
    ahead = Booking.objects.filter(
        Q(customer=OuterRef("pk")) | Q(lead__customer=OuterRef("pk")),
        Q(status=Booking.Status.IN_PROGRESS) | Q(status=Booking.Status.SCHEDULED, booking_date__gte=now),
    )
    return (
        customers_with_last_activity()
        .filter(anonymised_at__isnull=True, last_activity_at__lt=now - timedelta(days=days))
        .exclude(Exists(unpaid))
        .exclude(Exists(ahead))
        .order_by("last_activity_at", "pk")
    )


def customers_anonymise_inactive(*, now: datetime | None = None, days: int | None = None) -> int:
    """Erase every customer past the retention period, each on its own (one refusal stops no other); how many."""
    days = settings.RENOS_RETENTION_DAYS if days is None else days
    reason = f"Ingen aktivitet i {days} dage (opbevaringsperioden er udløbet)."
    erased = 0
    for customer in customers_past_retention(now=now, days=days).only("pk"):
        try:
            customer_erase(customer=customer, actor=None, reason=reason)
        except ValidationError as exc:
            # A booking made since the selection: the customer is active again, and is left for next month.
            # The codes, not the messages: those name the customer.
            codes = ", ".join(error.code or "refused" for error in exc.error_list)
            logger.info("Customer %s kept: %s", customer.pk, codes)
            continue
        logger.info("Customer %s erased after %d days without activity", customer.pk, days)
        erased += 1
    return erased
