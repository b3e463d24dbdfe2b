"""Every write to leads: create, update, delete and status changes along the journey."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.phones import phone_to_e164
from customers.services import customer_get_or_create, customer_update_stats, normalize_email
from leads.models import Activity, Lead, ServiceType
from leads.services.catalogue import _service_type_by_code, _unknown_service, lead_estimate, money
from leads.services.timeline import activity_create

# The journey a lead takes; staff may skip "contacted" when they book by phone, and a cancelled
# booking sends the lead back to "contacted".
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Lead.Status.NEW: (Lead.Status.CONTACTED, Lead.Status.BOOKED),
    Lead.Status.CONTACTED: (Lead.Status.BOOKED,),
    Lead.Status.BOOKED: (Lead.Status.COMPLETED, Lead.Status.CONTACTED),
    Lead.Status.COMPLETED: (Lead.Status.INVOICED,),
    Lead.Status.INVOICED: (),
}


# Titles in the timeline are Danish whatever language the staff member reads the admin in.
STATUS_LABELS_DA = {
    Lead.Status.NEW: "Ny",
    Lead.Status.CONTACTED: "Kontaktet",
    Lead.Status.BOOKED: "Booket",
    Lead.Status.COMPLETED: "Udført",
    Lead.Status.INVOICED: "Faktureret",
}


ACTIVITY_TYPE_FOR_STATUS = {
    Lead.Status.BOOKED: Activity.Type.BOOKING,
    Lead.Status.COMPLETED: Activity.Type.COMPLETED,
    Lead.Status.INVOICED: Activity.Type.INVOICE,
}


LEAD_FIELDS = (
    "customer_name",
    "customer_email",
    "customer_phone",
    "company_name",
    "address",
    "city",
    "postal_code",
    "area_m2",
    "preferred_date",
    "priority",
    "notes",
    "ai_analysis",
    "email_content",
    "email_thread_id",
    "source_message_id",
)


def lead_create(
    *,
    source: str,
    service_type: ServiceType | str | None = None,
    estimated_hours: Decimal | None = None,
    customer: Customer | None = None,
    link_customer: bool = True,
    **fields: Any,
) -> Lead:
    """Create a lead, price it (hours × the hourly rate incl. moms), link its customer and write the activity.

    Without explicit hours the estimate comes from the service catalogue and the area. With
    `link_customer` the customer is found or created by email, else phone, unless one is given.
    """
    lead = _lead_priced(source=source, service_type=service_type, estimated_hours=estimated_hours, fields=fields)
    # Everything that can be refused was checked above, before any write (the customer is found or created by the
    # email and phone normalised there). So inside a caller's transaction the writes need no savepoint of their
    # own: only a database error can stop them, and that aborts the caller's transaction anyway (a caller that
    # wants to carry on after one wraps the call in an atomic block of its own).
    with transaction.atomic(savepoint=False):
        created = False
        if customer is None and link_customer and (lead.customer_email or lead.customer_phone):
            # A customer created for this lead has this lead alone (no one else sees it before we commit): it is
            # created with the lead counted and as its last contact, and only a customer found needs the recount below.
            customer, created = customer_get_or_create(
                email=lead.customer_email,
                phone=lead.customer_phone,
                name=lead.customer_name,
                address=_full_address(lead),
                company_name=lead.company_name,
                total_leads=1,
                last_contact_at=timezone.now(),
            )
        lead.customer = customer
        lead.save()
        activity_create(
            lead=lead,
            type=Activity.Type.EMAIL,
            title="Nyt lead oprettet",
            description=" - ".join(part for part in (_service_name(lead), lead.city) if part),
            metadata={"source": lead.source},
        )
        if customer is not None and not created:
            # A new lead changes only the lead count: recount just that (the full recount is customer_update_stats).
            customer.total_leads = Lead.objects.filter(customer=customer).count()
            Customer.objects.filter(pk=customer.pk).update(total_leads=customer.total_leads)
    return lead


def _lead_priced(
    *, source: str, service_type: ServiceType | str | None, estimated_hours: Decimal | None, fields: dict[str, Any]
) -> Lead:
    """The new lead, validated and priced but not saved; raises ValidationError for anything lead_create refuses."""
    unknown = set(fields) - set(LEAD_FIELDS)
    if unknown:
        raise ValidationError({field: _("Unknown field.") for field in sorted(unknown)})
    if isinstance(service_type, str):
        service_type = _service_type_by_code(service_type)
    lead = Lead(source=source, service_type=service_type, **fields)
    lead.customer_email = _email_or_error(lead.customer_email)
    lead.customer_phone = _phone_or_error(lead.customer_phone)
    if estimated_hours is None:
        lead.estimated_hours, lead.estimated_price = lead_estimate(service_type=service_type, area_m2=lead.area_m2)
    else:
        lead.estimated_hours = Decimal(estimated_hours)
        lead.estimated_price = money(lead.estimated_hours * settings.RENOS_HOURLY_RATE)
    # The service and customer are instances already; asking the database whether they exist is wasted.
    lead.full_clean(exclude=["service_type", "customer"], validate_constraints=False, validate_unique=False)
    return lead


def lead_allowed_transitions(*, lead: Lead) -> tuple[str, ...]:
    return ALLOWED_TRANSITIONS[lead.status]


@transaction.atomic
def lead_set_status(*, lead: Lead, status: str, note: str = "") -> Lead:
    """Move a lead along its journey and write "Status opdateret til …" on its timeline.

    Raises ValidationError naming the allowed next statuses when the move is not one of them.
    """
    # Lock the row: two workers (or a worker and a staff member) must not both move the same lead.
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    allowed = ALLOWED_TRANSITIONS[locked.status]
    if status not in allowed:
        if allowed:
            message = _("A lead cannot go from %(current)s to %(new)s; allowed: %(allowed)s.") % {
                "current": locked.status,
                "new": status,
                "allowed": ", ".join(allowed),
            }
        else:
            message = _("A lead cannot go from %(current)s to %(new)s; %(current)s is final.") % {
                "current": locked.status,
                "new": status,
            }
        raise ValidationError({"status": message}, code="invalid_transition")
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    activity_create(
        lead=locked,
        type=ACTIVITY_TYPE_FOR_STATUS.get(status, Activity.Type.PENDING),
        title=f"Status opdateret til {STATUS_LABELS_DA[status]}",
        description=note or " - ".join(part for part in (locked.customer_name, _service_name(locked)) if part),
        metadata={"from": previous, "to": status},
    )
    lead.status = locked.status
    lead.updated_at = locked.updated_at
    return lead


def _service_name(lead: Lead) -> str:
    return lead.service_type.name if lead.service_type else ""


def _full_address(lead: Lead) -> str:
    town = " ".join(part for part in (lead.postal_code, lead.city) if part)
    return ", ".join(part for part in (lead.address, town) if part)


def _email_or_error(value: str) -> str:
    try:
        return normalize_email(value) or ""
    except ValidationError as exc:
        raise ValidationError({"customer_email": exc.messages}) from exc


def _phone_or_error(value: str) -> str:
    try:
        return phone_to_e164(value)
    except ValidationError as exc:
        raise ValidationError({"customer_phone": exc.messages}) from exc


class LeadInUseError(ValidationError):
    """The lead has bookings or invoices: deleting it would lose their history, so it is refused."""


# What staff may change on a lead after it was created; the status moves only through lead_set_status.
LEAD_UPDATE_FIELDS = (
    "customer_name",
    "customer_email",
    "customer_phone",
    "company_name",
    "source",
    "service_type",
    "address",
    "city",
    "postal_code",
    "area_m2",
    "preferred_date",
    "estimated_hours",
    "priority",
    "notes",
)


@transaction.atomic
def lead_update(*, lead: Lead, data: dict[str, Any]) -> Lead:
    """Change the editable fields of a lead and re-price it when what the price depends on changed.

    Email and phone are normalised as in lead_create. When the hours change to a value, the price is
    hours × the hourly rate; when the service or the area change (or the hours are cleared), hours and
    price are estimated again from the service catalogue and the area. The status is refused unless it
    is the current one: it changes only through lead_set_status, which checks the transitions.
    """
    data = dict(data)
    if "status" in data and data.pop("status") != lead.status:
        raise ValidationError(
            {
                "status": _(
                    "The status cannot be changed by an update; use the status change "
                    "(POST /api/leads/{id}/status/), which checks the allowed transitions."
                )
            },
            code="status_read_only",
        )
    unknown = set(data) - set(LEAD_UPDATE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in sorted(unknown)})
    if isinstance(data.get("service_type"), str):
        code = data["service_type"]
        data["service_type"] = ServiceType.objects.filter(code=code).first() or _unknown_service(code)
    if data.get("estimated_hours") is not None:
        try:
            data["estimated_hours"] = Decimal(str(data["estimated_hours"]))
        except ArithmeticError as exc:
            raise ValidationError({"estimated_hours": _("Enter a number.")}) from exc
    before = (lead.service_type_id, lead.area_m2, lead.estimated_hours)
    stored_email, stored_phone = lead.customer_email, lead.customer_phone
    for field, value in data.items():
        setattr(lead, field, value)
    # Only a new value is checked, so sending back what was stored (as a PUT does) never fails on it.
    if "customer_email" in data and data["customer_email"] != stored_email:
        lead.customer_email = _email_or_error(lead.customer_email)
    if "customer_phone" in data and data["customer_phone"] != stored_phone:
        lead.customer_phone = _phone_or_error(lead.customer_phone)
    changed = set(data)
    hours_changed = "estimated_hours" in data and data["estimated_hours"] != before[2]
    if hours_changed and lead.estimated_hours is not None:
        lead.estimated_price = money(lead.estimated_hours * settings.RENOS_HOURLY_RATE)
        changed |= {"estimated_hours", "estimated_price"}
    elif hours_changed or (lead.service_type_id, lead.area_m2) != before[:2]:
        lead.estimated_hours, lead.estimated_price = lead_estimate(service_type=lead.service_type, area_m2=lead.area_m2)
        changed |= {"estimated_hours", "estimated_price"}
    lead.full_clean(validate_constraints=False, validate_unique=False)
    # Only the changed columns: a worker may move the status or set response_sent/sms_sent meanwhile,
    # and writing back the values this instance was loaded with would undo that.
    lead.save(update_fields=sorted(changed | {"updated_at"}))
    return lead


@transaction.atomic
def lead_delete(*, lead: Lead) -> None:
    """Delete a lead with its timeline and slot offers, then recount its customer's stats.

    Raises LeadInUseError when the lead has bookings or invoices: they are the history of work done.
    """
    # Lock the row: a booking inserted between the check and the delete would otherwise be deleted
    # with the lead (bookings cascade); the lock makes that insert wait and then fail.
    locked = Lead.objects.select_for_update().filter(pk=lead.pk).first()
    if locked is None:
        return
    bookings, invoices = locked.bookings.count(), locked.invoices.count()
    if bookings or invoices:
        raise LeadInUseError(
            _(
                "This lead has %(bookings)d booking(s) and %(invoices)d invoice(s), so it cannot be deleted; "
                "they are the history of the work done."
            )
            % {"bookings": bookings, "invoices": invoices},
            code="protected",
        )
    customer = locked.customer
    locked.delete()
    if customer is not None:
        customer_update_stats(customer=customer)
