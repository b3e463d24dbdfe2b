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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours", "cleaners", "on_site"),
    [("3.5", 1, "3.5"), ("4", 1, "4"), ("4.5", 2, "2.5"), ("9", 2, "4.5"), ("5.5", 2, "3"), (None, 1, None)],
)
def test_jobs_over_four_hours_get_two_cleaners_and_half_the_time_on_site_rounded_up_to_the_half_hour(
    hours, cleaners, on_site
):
    lead = LeadFactory(estimated_hours=Decimal(hours) if hours else None)

    assert lead.cleaners == cleaners
    assert lead.hours_on_site == (Decimal(on_site) if on_site else None)


@pytest.mark.django_db
def test_the_two_cleaner_limit_comes_from_settings(settings):
    settings.RENOS_TWO_CLEANERS_OVER_HOURS = Decimal("6")

    assert LeadFactory(estimated_hours=Decimal("5.5")).cleaners == 1
    assert LeadFactory(estimated_hours=Decimal("6.5")).cleaners == 2


@pytest.mark.django_db
def test_open_leads_are_those_not_completed_or_invoiced():
    by_status = {status: LeadFactory(status=status) for status in Lead.Status.values}

    assert set(Lead.objects.open()) == {by_status["new"], by_status["contacted"], by_status["booked"]}
