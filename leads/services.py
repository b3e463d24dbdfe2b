"""Every write to leads and the timeline: create, status changes, activities."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.phones import phone_to_e164
from customers.services import customer_find_or_create, customer_update_stats, normalize_email
from leads.models import Activity, Lead, ServiceType

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


def money(amount: Decimal) -> Decimal:
    """Round to øre, half up: the one place amounts are rounded."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def lead_estimate(*, service_type: ServiceType | None, area_m2: int | None) -> tuple[Decimal | None, Decimal | None]:
    """Work hours and price incl. moms from the service catalogue; (None, None) when the service is unknown."""
    if service_type is None:
        return None, None
    hours = service_type.estimate_hours(area_m2)
    return hours, money(hours * settings.RENOS_HOURLY_RATE)


def activity_create(
    *,
    title: str,
    type: str,
    description: str = "",
    status: str = Activity.Status.INFO,
    lead: Lead | None = None,
    booking: Any = None,
    invoice: Any = None,
    metadata: dict[str, Any] | None = None,
) -> Activity:
    """Write one timeline entry; the customer's name is copied from the lead so the entry reads on its own."""
    customer = ""
    if lead is not None:
        customer = lead.customer_name or lead.customer_email or lead.customer_phone
    return Activity.objects.create(
        lead=lead,
        booking=booking,
        invoice=invoice,
        type=type,
        title=title,
        description=description,
        status=status,
        customer=customer,
        metadata=metadata or {},
    )


@transaction.atomic
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
    unknown = set(fields) - set(LEAD_FIELDS)
    if unknown:
        raise ValidationError({field: _("Unknown field.") for field in sorted(unknown)})
    if isinstance(service_type, str):
        service_type = ServiceType.objects.filter(code=service_type).first() or _unknown_service(service_type)
    lead = Lead(source=source, service_type=service_type, **fields)
    lead.customer_email = normalize_email(lead.customer_email) or ""
    lead.customer_phone = _phone_or_error(lead.customer_phone)
    if estimated_hours is None:
        lead.estimated_hours, lead.estimated_price = lead_estimate(service_type=service_type, area_m2=lead.area_m2)
    else:
        lead.estimated_hours = Decimal(estimated_hours)
        lead.estimated_price = money(lead.estimated_hours * settings.RENOS_HOURLY_RATE)
    lead.full_clean(validate_constraints=False, validate_unique=False)
    if customer is None and link_customer and (lead.customer_email or lead.customer_phone):
        customer = customer_find_or_create(
            email=lead.customer_email,
            phone=lead.customer_phone,
            name=lead.customer_name,
            address=_full_address(lead),
            company_name=lead.company_name,
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
    if customer is not None:
        customer_update_stats(customer=customer)
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


def _phone_or_error(value: str) -> str:
    try:
        return phone_to_e164(value)
    except ValidationError as exc:
        raise ValidationError({"customer_phone": exc.messages}) from exc


def _unknown_service(code: str) -> ServiceType:
    raise ValidationError({"service_type": _("Unknown service: %(code)s.") % {"code": code}})
