"""The service catalogue and pricing: estimates from the catalogue, writes to it, money rounded once."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from leads.models import ServiceType


def money(amount: Decimal) -> Decimal:
    """Round to øre, half up: the one place amounts are rounded."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def lead_estimate(*, service_type: ServiceType | None, area_m2: int | None) -> tuple[Decimal | None, Decimal | None]:
    """Work hours and price incl. moms from the service catalogue; (None, None) when the service is unknown."""
    if service_type is None:
        return None, None
    hours = service_type.estimate_hours(area_m2)
    return hours, money(hours * settings.RENOS_HOURLY_RATE)


# Every new lead needs its service, and staff change the catalogue rarely: each process keeps the services it read
# for a minute, so a change reaches the estimates of every worker within that minute.
SERVICE_TYPE_CACHE_SECONDS = 60.0


_service_types_read: dict[str, tuple[float, ServiceType]] = {}


def _service_type_by_code(code: str) -> ServiceType:
    """The service with this code, as read in the last minute; raises ValidationError for an unknown code."""
    read = _service_types_read.get(code)
    if read is not None and time.monotonic() - read[0] < SERVICE_TYPE_CACHE_SECONDS:
        return read[1]
    service_type = ServiceType.objects.filter(code=code).first() or _unknown_service(code)

    def keep() -> None:
        _service_types_read[code] = (time.monotonic(), service_type)

    # Kept once the transaction commits: one that rolls back may have read a service it created itself.
    transaction.on_commit(keep)
    return service_type


def _unknown_service(code: str) -> ServiceType:
    raise ValidationError({"service_type": _("Unknown service: %(code)s.") % {"code": code}})


class ServiceTypeInUseError(ValidationError):
    """Leads or bookings refer to the service, so it cannot be deleted."""


def service_type_create(
    *,
    code: str,
    name: str,
    m2_per_hour: Decimal,
    default_hours: Decimal,
    billy_product_id: str = "",
    billy_product_number: str = "",
    is_active: bool = True,
) -> ServiceType:
    """Add a service to the catalogue; the code must be unique and the rates positive."""
    service_type = ServiceType(
        code=code,
        name=name,
        m2_per_hour=m2_per_hour,
        default_hours=default_hours,
        billy_product_id=billy_product_id,
        billy_product_number=billy_product_number,
        is_active=is_active,
    )
    service_type.full_clean()
    service_type.save()
    return service_type


SERVICE_TYPE_FIELDS = (
    "code",
    "name",
    "m2_per_hour",
    "default_hours",
    "billy_product_id",
    "billy_product_number",
    "is_active",
)


@transaction.atomic
def service_type_update(*, service_type: ServiceType, data: dict[str, Any]) -> ServiceType:
    """Change a service; its code is fixed once leads or bookings refer to it (they refer by code)."""
    unknown = set(data) - set(SERVICE_TYPE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in sorted(unknown)})
    if "code" in data and data["code"] != service_type.code:
        # Lock the row: a lead created with the old code meanwhile would be left pointing at nothing.
        locked = ServiceType.objects.select_for_update().get(pk=service_type.pk)
        if locked.leads.exists() or locked.bookings.exists():
            raise ValidationError(
                {"code": _("The code of a service that leads or bookings use cannot be changed.")}, code="protected"
            )
    for field, value in data.items():
        setattr(service_type, field, value)
    service_type.full_clean()
    service_type.save()
    transaction.on_commit(_service_types_read.clear)
    return service_type


@transaction.atomic
def service_type_delete(*, service_type: ServiceType) -> None:
    """Remove a service from the catalogue; refused (ServiceTypeInUseError) while leads or bookings use it."""
    # Lock the row: a lead or booking created with this service meanwhile must wait, then fail, not be orphaned.
    locked = ServiceType.objects.select_for_update().filter(pk=service_type.pk).first()
    if locked is None:
        return
    leads, bookings = locked.leads.count(), locked.bookings.count()
    if leads or bookings:
        raise ServiceTypeInUseError(
            _(
                "The service %(name)s is used by %(leads)d lead(s) and %(bookings)d booking(s), so it cannot be "
                "deleted; set is_active to false to stop offering it."
            )
            % {"name": locked.name, "leads": leads, "bookings": bookings},
            code="protected",
        )
    locked.delete()
    transaction.on_commit(_service_types_read.clear)
