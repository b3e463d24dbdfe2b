"""Erasing a customer's personal data (GDPR art. 17) while keeping the invoices bookkeeping law requires."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import ngettext

from bookings.models import Booking
from customers.models import Customer, TaggedCustomer
from leads.models import Activity, Lead
from leads.services import activity_create
from renos.privacy.export import generic_condition
from renos.privacy.scope import CUSTOMER_KEY, CustomerScope, customer_leads, open_bookings
from renos.privacy.scrub import ERASED_NAME, Scrubber

logger = logging.getLogger(__name__)

ERASED_TITLE = "Persondata slettet"


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Any = None, reason: str = "") -> Customer:
    """Anonymise the customer and everything about it (leads, emails, SMS, bookings, timeline, audit trail); the
    invoices stay as issued. Refused while a job is still ahead. Erasing again changes nothing more."""
    # Locked: a second erase of the same customer (staff and the monthly task at once) waits here, then finds the
    # customer erased and records nothing twice.
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    _refuse_with_open_bookings(locked)
    leads = list(customer_leads(locked).order_by("created_at", "pk"))
    scope = CustomerScope.of(locked, leads)
    bookings = list(scope.bookings())
    rows = _rows_in_scope(scope)
    scrubber = _scrubber_for(locked, leads, bookings, scope, former=_former_details(rows))
    first_time = locked.anonymised_at is None

    _erase_customer(locked, first_time=first_time)
    _erase_related(scope, scrubber)
    _scrub_history(rows, scrubber)
    if first_time:
        _record(locked, leads=leads, actor=actor, reason=scrubber.text(reason.strip()))
        _update_calendar(bookings)
        logger.info("Personal data of customer %s erased", locked.pk)
    locked.refresh_from_db()
    return locked


def _refuse_with_open_bookings(customer: Customer) -> None:
    count = open_bookings(customer).count()
    if count:
        raise ValidationError(
            ngettext(
                "%(customer)s has %(count)d booking that is not done yet: complete or cancel it before erasing "
                "the personal data (the cleaners need the address and phone number).",
                "%(customer)s has %(count)d bookings that are not done yet: complete or cancel them before erasing "
                "the personal data (the cleaners need the address and phone number).",
                count,
            )
            % {"customer": customer, "count": count},
            code="open_bookings",
        )


def _scrubber_for(
    customer: Customer,
    leads: list[Lead],
    bookings: list[Booking],
    scope: CustomerScope,
    *,
    former: dict[str, set[str]],
) -> Scrubber:
    """Every name, email, phone number and address the customer was known by, read before anything is blanked:
    today's, and the former ones the audit trail remembers (an email changed last year is still the customer's)."""
    phones = [customer.phone, *(lead.customer_phone for lead in leads), *(b.customer_phone for b in bookings)]
    phones += list(scope.sms_messages().values_list("phone_number", flat=True).distinct())
    return Scrubber(
        names=[
            customer.name,
            customer.company_name,
            *(lead.customer_name for lead in leads),
            *(lead.company_name for lead in leads),
            *(booking.customer_name for booking in bookings),
            *former["names"],
        ],
        emails=[
            customer.email or "",
            *(lead.customer_email for lead in leads),
            *(booking.customer_email for booking in bookings),
            *former["emails"],
        ],
        phones=[*phones, *former["phones"]],
        addresses=[
            customer.address,
            *(lead.address for lead in leads),
            *(booking.address for booking in bookings),
            *former["addresses"],
        ],
    )


# Keys under which earlier details are kept (audit entries of Customer, Lead and Booking changes; the customers a
# merge folded into this one, in the merge's activity), by the kind of detail they hold.
FORMER_DETAIL_KEYS = {
    "names": ("name", "customer_name", "company_name"),
    "emails": ("email", "customer_email"),
    "phones": ("phone", "customer_phone"),
    "addresses": ("address",),
}


def _former_details(rows: dict[type[Model], set[str]]) -> dict[str, set[str]]:
    """The names, emails, phones and addresses the customer had before: kept by the audit trail (old values of its
    changes) and by the timeline (a merged duplicate's details)."""
    former: dict[str, set[str]] = {kind: set() for kind in FORMER_DETAIL_KEYS}
    documents = list(Activity.objects.filter(pk__in=rows.get(Activity, set())).values_list("metadata", flat=True))
    if apps.is_installed("auditlog"):
        from auditlog import get_logentry_model

        about = {model: rows.get(model, set()) for model in (Customer, Lead, Booking)}
        condition = generic_condition(about, pk_field="object_pk")
        if condition is not None:
            documents += get_logentry_model().objects.filter(condition).values_list("changes", flat=True)
    for document in documents:
        _collect(document, former)
    return former


def _collect(value: Any, former: dict[str, set[str]], kind: str | None = None) -> None:
    if isinstance(value, str):
        if kind is not None and value and value != "None":
            former[kind].add(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect(item, former, next((k for k, keys in FORMER_DETAIL_KEYS.items() if key in keys), kind))
    elif isinstance(value, list):
        for item in value:
            _collect(item, former, kind)


def _rows_in_scope(scope: CustomerScope) -> dict[type[Model], set[str]]:
    """The ids of every row about the customer, by model (for the audit trail and the admin history)."""
    querysets = {
        Customer: Customer.objects.filter(pk=scope.customer.pk),
        TaggedCustomer: TaggedCustomer.objects.filter(content_object=scope.customer),
        Lead: scope.leads(),
        Activity: scope.activities(),
        **{
            queryset.model: queryset
            for queryset in (
                scope.slot_offers(),
                scope.conversations(),
                scope.email_messages(),
                scope.sms_messages(),
                scope.skipped_emails(),
                scope.bookings(),
                scope.invoices(),
                scope.invoice_lines(),
            )
        },
    }
    return {model: {str(pk) for pk in queryset.values_list("pk", flat=True)} for model, queryset in querysets.items()}


def _erase_customer(customer: Customer, *, first_time: bool) -> None:
    changes: dict[str, Any] = {
        "name": ERASED_NAME,
        "email": None,
        "phone": "",
        "address": "",
        "company_name": "",
        "notes": "",
        "status": Customer.Status.INACTIVE,
    }
    if first_time:
        now = timezone.now()
        changes.update(anonymised_at=now, updated_at=now)
    # update(), not save(): no audit entry is written holding the old values the erase is removing.
    Customer.objects.filter(pk=customer.pk).update(**changes)
    TaggedCustomer.objects.filter(content_object=customer).delete()


def _erase_related(scope: CustomerScope, scrubber: Scrubber) -> None:
    """Blank what is personal through and through; scrub the customer's details out of what is partly so."""
    scope.leads().update(
        customer_name=ERASED_NAME,
        customer_email="",
        customer_phone="",
        company_name="",
        address="",
        city="",
        postal_code="",
        notes="",
        ai_analysis={},
        email_content="",
    )
    _scrub(scope.leads(), scrubber, text_fields=("follow_up_reason", "last_error"))
    scope.email_messages().update(from_address="", to_address="", subject="", body="", body_preview="")
    scope.conversations().update(subject="")
    scope.sms_messages().update(phone_number="", message_content="")
    scope.bookings().update(
        customer_name=ERASED_NAME, customer_email="", customer_phone="", address="", city="", notes=""
    )
    skipped = scope.skipped_emails()
    _scrub(skipped, scrubber, text_fields=("detail",))
    skipped.update(sender="", subject="", raw=b"")
    scope.activities().update(customer=ERASED_NAME)
    _scrub(scope.activities(), scrubber, text_fields=("title", "description"), json_fields=("metadata",))


def _scrub_history(rows: dict[type[Model], set[str]], scrubber: Scrubber) -> None:
    """The audit trail and the admin's history keep who did what and when, without the customer's details."""
    if apps.is_installed("auditlog"):
        from auditlog import get_logentry_model

        condition = generic_condition(rows, pk_field="object_pk")
        if condition is not None:
            _scrub(
                get_logentry_model().objects.filter(condition),
                scrubber,
                text_fields=("object_repr", "changes_text"),
                json_fields=("changes", "serialized_data", "additional_data"),
            )
    condition = generic_condition(rows, pk_field="object_id")
    if condition is not None:
        _scrub(AdminLogEntry.objects.filter(condition), scrubber, text_fields=("object_repr", "change_message"))


def _scrub(
    queryset: Any, scrubber: Scrubber, *, text_fields: tuple[str, ...], json_fields: tuple[str, ...] = ()
) -> None:
    """Rewrite the rows whose text or JSON still holds the customer's details (only those, in one statement)."""
    changed = []
    for row in queryset.only("pk", *text_fields, *json_fields):
        before = [getattr(row, name) for name in (*text_fields, *json_fields)]
        for name in text_fields:
            setattr(row, name, scrubber.text(getattr(row, name)))
        for name in json_fields:
            setattr(row, name, scrubber.json(getattr(row, name)))
        if [getattr(row, name) for name in (*text_fields, *json_fields)] != before:
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, [*text_fields, *json_fields])


def _record(customer: Customer, *, leads: list[Lead], actor: Any, reason: str) -> Activity:
    """The timeline entry: that the data was erased, by whom and why; nothing about who the customer was."""
    by = actor.get_username() if actor is not None else ""
    description = "Navn, kontaktoplysninger, adresser, e-mails, SMS og noter er slettet. Fakturaer er bevaret."
    if reason:
        description += f"\nBegrundelse: {reason}"
    # The newest lead (already anonymised, read again) puts the entry on the customer's timeline.
    lead = Lead.objects.filter(pk=leads[-1].pk).first() if leads else None
    return activity_create(
        lead=lead,
        type=Activity.Type.PENDING,
        status=Activity.Status.SUCCESS,
        title=ERASED_TITLE,
        description=description,
        metadata={CUSTOMER_KEY: str(customer.pk), "by": by, "automatic": actor is None},
    )


def _update_calendar(bookings: list[Booking]) -> None:
    """Calendar events carry the customer's name, phone and address: once the erase is committed, the calendar task
    rewrites them from the erased bookings (a cancelled booking's event was removed when it was cancelled)."""
    from renos.pipeline import sync_calendar

    for booking in bookings:
        if booking.google_calendar_event_id and booking.status != Booking.Status.CANCELLED:
            booking_id = str(booking.pk)
            transaction.on_commit(lambda booking_id=booking_id: sync_calendar.delay(booking_id=booking_id))
