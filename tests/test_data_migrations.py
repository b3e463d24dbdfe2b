"""What the data migrations put in a fresh database: the service catalogue and the Danish email templates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from leads.models import ServiceType
from messaging.models import EmailTemplate

# code: (name, m² per work hour, work hours when no area is known)
SERVICES = {
    "fast": ("Fast rengøring", "35", "3"),
    "hoved": ("Hovedrengøring", "12", "6"),
    "flytte": ("Flytterengøring", "8", "8"),
    "erhverv": ("Erhvervsrengøring", "35", "4"),
    "vinduer": ("Vinduespudsning", "60", "2"),
    "haandvaerker": ("Rengøring efter håndværkere", "10", "6"),
    "andet": ("Anden rengøring", "20", "3"),
}
TEMPLATE_TYPES = ["booking_confirmation", "invoice_reminder", "lead_response"]


def catalogue() -> dict[str, tuple[str, Decimal, Decimal, bool]]:
    return {
        row.code: (row.name, row.m2_per_hour, row.default_hours, row.is_active)
        for row in ServiceType.objects.filter(code__in=SERVICES)
    }


def expected_catalogue() -> dict[str, tuple[str, Decimal, Decimal, bool]]:
    return {code: (name, Decimal(m2), Decimal(hours), True) for code, (name, m2, hours) in SERVICES.items()}


# PostgreSQL undoes schema changes with the transaction, so these tests migrate inside the test's own
# transaction: the rollback at the end restores the schema and the seeded rows exactly as they were.


def migrate(app: str, name: str | None) -> None:
    """Migrate `app` to `name` (None: every app to its latest migration), with a fresh view of what is applied."""
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes() if name is None else [(app, name)]
    executor.migrate(targets)


@pytest.mark.django_db
def test_the_service_catalogue_is_seeded():
    assert catalogue() == expected_catalogue()


@pytest.mark.django_db
def test_the_three_danish_email_templates_are_seeded_active_one_per_type():
    active = EmailTemplate.objects.filter(is_active=True).order_by("template_type")

    assert [template.template_type for template in active] == TEMPLATE_TYPES
    names = {template.template_type: template.name for template in active}
    assert names == {
        "lead_response": "Svar på ny henvendelse",
        "booking_confirmation": "Bekræftelse af booking",
        "invoice_reminder": "Påmindelse om betaling",
    }
    for template in active:
        assert template.content.startswith("Hej")
        assert "Venlig hilsen\n{{ company_name }}" in template.content
        assert "inkl. moms" in template.content
        for english in ("Dear", "Hello", "Thank you", "Regards", "Best"):
            assert english not in template.content


@pytest.mark.django_db
def test_the_service_catalogue_goes_away_and_comes_back_with_its_migration():
    ServiceType.objects.filter(code="fast").update(m2_per_hour=Decimal("30"))

    migrate("leads", "0002_activity_booking_invoice")
    assert not ServiceType.objects.filter(code__in=SERVICES).exists()

    migrate("leads", None)
    assert catalogue() == expected_catalogue()


@pytest.mark.django_db
def test_the_templates_go_away_and_come_back_but_never_beside_one_staff_already_made():
    migrate("messaging", "0001_initial")
    assert not EmailTemplate.objects.exists()
    own = EmailTemplate.objects.create(
        name="Vores eget svar",
        subject="Tak for din henvendelse",
        content="Hej {{ first_name }}",
        template_type="lead_response",
        is_active=True,
    )

    migrate("messaging", None)

    active = EmailTemplate.objects.filter(is_active=True).order_by("template_type")
    assert [template.template_type for template in active] == TEMPLATE_TYPES
    assert EmailTemplate.objects.get(template_type="lead_response") == own


@pytest.mark.django_db
def test_the_rows_are_as_seeded_again_after_the_round_trips():
    # Runs after the two tests above: their rollback must have left the database as the migrations made it.
    assert catalogue() == expected_catalogue()
    assert EmailTemplate.objects.filter(is_active=True, name="Svar på ny henvendelse").exists()
    assert MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes()) == []
