from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError

from leads.models import Lead
from tests.factories import LeadFactory, service


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_status():
    lead = LeadFactory()
    with pytest.raises(IntegrityError):
        Lead.objects.filter(pk=lead.pk).update(status="lost")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "area", "hours"),
    [("fast", 110, "3.5"), ("flytte", 72, "9"), ("hoved", 95, "8"), ("fast", 20, "2"), ("flytte", None, "8")],
)
def test_work_hours_are_area_over_rate_rounded_up_to_the_half_hour(code, area, hours):
    assert service(code).estimate_hours(area) == Decimal(hours)
