"""Every write to customers: create, update, stats, soft delete, find-or-create and linking leads."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.phones import phone_to_e164

EDITABLE_FIELDS = ("name", "email", "phone", "address", "company_name", "notes", "status")


class DuplicateCustomerError(ValidationError):
    """A customer with this email already exists; `existing` is that customer."""

    def __init__(self, existing: Customer) -> None:
        super().__init__(
            {"email": _("A customer with the email %(email)s already exists.") % {"email": existing.email}},
            code="duplicate",
        )
        self.existing = existing


def normalize_email(value: str | None) -> str | None:
    """Lower-cased and stripped; empty becomes None. Raises ValidationError for a malformed address."""
    value = (value or "").strip().lower()
    if not value:
        return None
    validate_email(value)
    return value


def _email_field(value: str | None) -> str | None:
    """normalize_email, with its error on the `email` field so forms and the API show it there."""
    try:
        return normalize_email(value)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}, code="invalid") from exc


def _phone_field(value: str | None) -> str:
    """phone_to_e164, with its error on the `phone` field."""
    try:
        return phone_to_e164(value or "")
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}, code="phone") from exc


def customer_create(
    *,
    name: str,
    email: str | None = None,
    phone: str = "",
    address: str = "",
    company_name: str = "",
    notes: str = "",
    tags: Iterable[str] = (),
) -> Customer:
    """Create a customer; a second customer with the same email (in any case) is refused."""
    email = _email_field(email)
    phone = _phone_field(phone)
    if email and (existing := Customer.objects.with_email(email).first()):
        raise DuplicateCustomerError(existing)
    return _customer_insert(
        name=name, email=email, phone=phone, address=address, company_name=company_name, notes=notes, tags=tags
    )


def _customer_insert(*, name: str, email: str | None, phone: str, tags: Iterable[str] = (), **details: Any) -> Customer:
    customer = Customer(name=name.strip(), email=email, phone=phone, **details)
    # Uniqueness is the database's job here (the index on lower(email)), so validation asks it nothing.
    customer.full_clean(validate_constraints=False, validate_unique=False)
    try:
        # The unique index on lower(email) settles a race between two creates of the same email.
        with transaction.atomic():
            customer.save()
            if tags:
                customer.tags.set(list(tags))
    except IntegrityError:
        existing = Customer.objects.with_email(email or "").first()
        if existing is None:
            raise
        raise DuplicateCustomerError(existing) from None
    return customer


def customer_get(*, customer_id: Any, include_relations: bool = False) -> Customer | None:
    """The customer with this id, with its leads and conversations prefetched if asked; None if unknown."""
    queryset = Customer.objects.prefetch_related("tags")
    if include_relations:
        queryset = queryset.prefetch_related("leads", "conversations")
    try:
        return queryset.get(pk=customer_id)
    except (Customer.DoesNotExist, ValidationError, ValueError):
        return None


def customer_get_by_email(*, email: str) -> Customer | None:
    """The customer with this email, whatever its case."""
    if not email or not email.strip():
        return None
    return Customer.objects.with_email(email).prefetch_related("tags").first()


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any]) -> Customer:
    """Change the given fields (and replace the tags if `tags` is given)."""
    unknown = set(data) - set(EDITABLE_FIELDS) - {"tags"}
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in sorted(unknown)})
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(customer, field, data[field])
    customer.email = _email_field(customer.email)
    customer.phone = _phone_field(customer.phone)
    customer.full_clean(validate_constraints=False)
    if customer.email and (existing := Customer.objects.with_email(customer.email).exclude(pk=customer.pk).first()):
        raise DuplicateCustomerError(existing)
    try:
        # The unique index on lower(email) settles two customers being given the same email at once.
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        existing = Customer.objects.with_email(customer.email or "").exclude(pk=customer.pk).first()
        if existing is None:
            raise
        raise DuplicateCustomerError(existing) from None
    if "tags" in data:
        customer.tags.set(list(data["tags"]))
    return customer


def customer_update_stats(*, customer: Customer) -> Customer:
    """Recount leads, bookings (not cancelled), revenue (paid invoices) and the last contact, in one query."""

    def scalar(queryset: models.QuerySet, expression: Any) -> Subquery:
        return Subquery(queryset.order_by().values("pk").annotate(value=expression).values("value")[:1])

    this = Customer.objects.filter(pk=OuterRef("pk"))
    stats = (
        Customer.objects.filter(pk=customer.pk)
        .annotate(
            lead_count=scalar(this, Count("leads", distinct=True)),
            booking_count=scalar(this, Count("bookings", filter=~Q(bookings__status="cancelled"), distinct=True)),
            revenue=scalar(this, Sum("invoices__total_amount", filter=Q(invoices__status="paid"))),
            last_email=scalar(this, Max("conversations__messages__sent_at")),
            last_sms=scalar(this, Max("leads__sms_messages__created_at")),
        )
        .values("lead_count", "booking_count", "revenue", "last_email", "last_sms", "last_contact_at")
        .get()
    )
    # The stored last contact, not the one in memory: `customer` may have been loaded before a
    # customer_touch from another worker, and saving its stale value would move the contact back.
    stamps = (stats["last_contact_at"], customer.last_contact_at, stats["last_email"], stats["last_sms"])
    contacts = [stamp for stamp in stamps if stamp]
    customer.total_leads = stats["lead_count"] or 0
    customer.total_bookings = stats["booking_count"] or 0
    customer.total_revenue = stats["revenue"] or Decimal("0.00")
    customer.last_contact_at = max(contacts) if contacts else None
    customer.save(update_fields=["total_leads", "total_bookings", "total_revenue", "last_contact_at", "updated_at"])
    return customer


def customer_touch(*, customer: Customer, when: Any) -> None:
    """Move the last contact forward to `when` (never back), without a read-modify-write race.

    Nothing is written when this instance already holds `when` or later: the stored value only ever moves forward
    (touches and recounts both keep the newest), so it is at least as new as what the instance holds.
    """
    if customer.last_contact_at is not None and customer.last_contact_at >= when:
        return
    Customer.objects.filter(pk=customer.pk).filter(
        Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=when)
    ).update(last_contact_at=when)
    if customer.last_contact_at is None or customer.last_contact_at < when:
        customer.last_contact_at = when


def customer_query(
    *, status: str | None = None, tags: Iterable[str] | None = None, email: str | None = None
) -> models.QuerySet[Customer]:
    """Customers by status, by email (exact, any case) and carrying every one of `tags`."""
    queryset = Customer.objects.all()
    if status:
        if status not in Customer.Status.values:
            raise ValidationError({"status": _("Unknown status: %(status)s.") % {"status": status}})
        queryset = queryset.filter(status=status)
    if email:
        queryset = queryset.with_email(email)
    tags = list(tags or ())
    for tag in tags:
        queryset = queryset.filter(tagged_items__tag__name__iexact=tag)
    if tags:
        # Tags are case-sensitive rows, so one customer tagged "vip" and "VIP" would match a tag twice.
        queryset = queryset.distinct()
    return queryset.prefetch_related("tags")


def customer_delete(*, customer: Customer) -> Customer:
    """Soft delete: the customer becomes inactive and keeps its history."""
    customer.status = Customer.Status.INACTIVE
    customer.save(update_fields=["status", "updated_at"])
    return customer


def customer_find_or_create(*, email: str | None = None, phone: str = "", name: str = "", **details: Any) -> Customer:
    """The customer with this email, else with this phone, else a new one; never a duplicate, even when racing.

    The phone finds a customer who has no email yet (first known by phone, now writing from an email); a
    customer with another email is someone else sharing the number (a household, a workplace). `details` are
    fields of a new customer. Raises ValidationError when there is neither an email nor a phone to find the
    customer by.
    """
    customer, _created = customer_get_or_create(email=email, phone=phone, name=name, **details)
    return customer


def customer_get_or_create(
    *, email: str | None = None, phone: str = "", name: str = "", **details: Any
) -> tuple[Customer, bool]:
    """customer_find_or_create, also saying whether the customer was created (as QuerySet.get_or_create does)."""
    email = _email_field(email)
    phone = _phone_field(phone)
    if not email and not phone:
        raise ValidationError(_("A customer needs an email or a phone number."), code="no_contact")
    if existing := _customer_by_email_or_phone(email=email, phone=phone):
        return existing, False
    try:
        return _customer_insert(name=name or email or phone, email=email, phone=phone, **details), True
    except DuplicateCustomerError as exc:
        # Another worker created the same email between our read and our insert.
        return exc.existing, False


def _customer_by_email_or_phone(*, email: str | None, phone: str) -> Customer | None:
    """The customer with this (normalised) email, else the first with this phone: one query for both."""
    matches = Q()
    order: tuple[Any, ...] = ("created_at", "id")
    if email:
        # Lower(email) = … is what the unique index on lower(email) serves; iexact compares UPPER() and reads every row.
        matches |= Q(Exact(Lower("email"), email))
        # The phone then finds only customers without an email, so the one with this email sorts first.
        order = (F("email").asc(nulls_last=True), *order)
    if phone:
        # With an email, a customer of another email who shares the phone (a household, a workplace) is someone else.
        matches |= Q(phone=phone, email__isnull=True) if email else Q(phone=phone)
    return Customer.objects.filter(matches).order_by(*order).first()


@transaction.atomic
def customer_link_lead(*, customer: Customer, lead: Any) -> Customer:
    """Attach `lead` (with its bookings and invoices) to `customer`; recount the new and any previous customer."""
    # Lock the lead: two relinks at once must both see, and recount, the customer the lead really had.
    locked = type(lead).objects.select_for_update().only("pk", "customer").get(pk=lead.pk)
    previous_id = locked.customer_id
    lead.customer = customer
    lead.save(update_fields=["customer", "updated_at"])
    lead.bookings.update(customer=customer)
    lead.invoices.update(customer=customer)
    if previous_id and previous_id != customer.pk:
        previous = Customer.objects.filter(pk=previous_id).first()
        if previous:
            customer_update_stats(customer=previous)
    return customer_update_stats(customer=customer)
