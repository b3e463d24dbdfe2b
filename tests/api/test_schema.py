"""The OpenAPI schema: served to staff only, valid without warnings, and true to what the API answers.

The last test lets schemathesis send a few hundred generated requests (valid and invalid ones) to every
documented operation, through the real WSGI application, and fails on any 5xx or any response that does
not match its documented schema.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from bookings.models import Booking
from invoicing.models import Invoice
from leads.models import Lead
from renos.wsgi import application
from tests.conftest import bearer
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    EmailTemplateFactory,
    InvoiceFactory,
    LeadFactory,
    SlotOfferFactory,
    SmsMessageFactory,
    UserFactory,
    service,
)

SCHEMA_URL = "/api/schema/"
# Examples per operation: valid requests, then requests that break the schema on purpose (each must be a 4xx).
POSITIVE_EXAMPLES = 8
NEGATIVE_EXAMPLES = 4
# Left out of the run, and why:
EXCLUDED = {
    # Blacklists refresh tokens: with generated tokens it can only answer 400/401, and a fuzzer has no business
    # revoking sessions. tests/api/test_auth.py covers it.
    ("POST", "/api/auth/logout/"),
}


@pytest.mark.django_db
def test_staff_get_an_openapi_3_document(api_client):
    response = api_client.get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {"/api/bookings/", "/api/invoices/", "/api/dashboard/summary/"} <= set(document["paths"])


@pytest.mark.django_db
def test_the_schema_is_for_staff_only(anon_api_client):
    assert anon_api_client.get(SCHEMA_URL).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    assert client.get(SCHEMA_URL).status_code == 403


@pytest.mark.django_db
def test_swagger_ui_renders_for_a_logged_in_staff_member(client, staff_user):
    assert client.get("/api/docs/").status_code in (401, 403)

    client.force_login(staff_user)
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert "swagger-ui" in response.content.decode()
    # The page loads the schema with the same session.
    assert client.get(SCHEMA_URL).status_code == 200


@pytest.mark.django_db
def test_the_schema_validates_without_warnings(capsys):
    GENERATOR_STATS.reset()  # warnings are cached per process; an earlier generation must not hide or add any
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())
    except CommandError as exc:
        pytest.fail(f"manage.py spectacular --validate --fail-on-warn: {exc}\n{capsys.readouterr().err}")
    assert "Warning" not in capsys.readouterr().err


# --- schemathesis -------------------------------------------------------------------------------------------


@pytest.fixture
def wsgi_app() -> Iterator[object]:
    """The real WSGI application, on the test's database connection, with throttling off.

    Django's handler closes "old" connections when a request starts and finishes; inside the test's
    transaction that closes the connection under it. Django's own test client disconnects the same two
    signals, so we do too: the run stays inside one rolled-back transaction (fast, and the data migrations'
    service catalogue survives), instead of needing `transaction=True`.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    original = SimpleRateThrottle.allow_request
    # A few hundred requests in a minute are the point here, not something to slow down.
    SimpleRateThrottle.allow_request = lambda self, request, view: True
    try:
        yield application
    finally:
        SimpleRateThrottle.allow_request = original
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def seed() -> dict[str, str]:
    """A little of everything, so list and detail endpoints work on real rows; ids by URL prefix."""
    customer = CustomerFactory(tags=["vip"])
    lead = LeadFactory(customer=customer)
    activity = ActivityFactory(lead=lead)
    conversation = ConversationFactory(lead=lead)
    EmailMessageFactory(conversation=conversation)
    sms = SmsMessageFactory(lead=lead)
    template = EmailTemplateFactory()
    offer = SlotOfferFactory(lead=lead)
    booking = BookingFactory(lead=lead, slot_offer=offer, booking_date=timezone.now() + timedelta(days=1))
    invoice = InvoiceFactory(
        booking=booking,
        status=Invoice.Status.SENT,
        invoice_number="2026-0001",
        due_date=timezone.localdate() - timedelta(days=1),
        sent_date=timezone.now() - timedelta(days=15),
    )
    BookingFactory(lead=LeadFactory(status=Lead.Status.BOOKED), status=Booking.Status.CANCELLED)
    InvoiceFactory(total_amount=Decimal("625.00"), subtotal=Decimal("500.00"), vat_amount=Decimal("125.00"))
    return {
        "customers": str(customer.id),
        "leads": str(lead.id),
        "activities": str(activity.id),
        "conversations": str(conversation.id),
        "sms": str(sms.id),
        "templates": str(template.id),
        "bookings": str(booking.id),
        "invoices": str(invoice.id),
        "services": str(service("fast").id),
    }


def known_id(path: str, known: dict[str, str]) -> str | None:
    """The seeded row for the resource a path is about (`/api/email-templates/{id}/` → the template)."""
    resource = path.removeprefix("/api/").split("/")[0]
    for key, value in known.items():
        if key in resource:
            return value
    return None


def operation_strategies(operation, known: dict[str, str]):
    """Valid cases (part of them on a seeded row when the path has an id) and invalid ones."""
    positive = operation.as_strategy(schemathesis.GenerationMode.POSITIVE)
    path_names = [parameter.name for parameter in operation.path_parameters]
    row = known_id(operation.path, known)
    if len(path_names) == 1 and row is not None:
        on_a_real_row = operation.as_strategy(
            schemathesis.GenerationMode.POSITIVE, path_parameters={path_names[0]: row}
        )
        positive = st.one_of(on_a_real_row, positive)
    return [
        (positive, POSITIVE_EXAMPLES),
        (operation.as_strategy(schemathesis.GenerationMode.NEGATIVE), NEGATIVE_EXAMPLES),
    ]


class RolledBack(Exception):
    """Undo what a failed request left behind, so one 500 (say, a database error) does not poison the rest."""


def exercise(operation, strategy, examples: int, app, headers: dict[str, str], stats: dict[str, int]) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run: CI fails on the code, never on the dice
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing request is reported as sent
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        stats["requests"] += 1
        response = None
        try:
            with transaction.atomic():  # a savepoint per request
                response = case.call(app=app, headers=headers)
                if response.status_code >= 500:
                    raise RolledBack
        except RolledBack:
            pass
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run()


@pytest.mark.django_db
def test_schemathesis_finds_no_server_error_and_no_response_off_schema(wsgi_app, superuser):
    # A superuser is staff who may also write the service catalogue, so every operation is exercised for real.
    headers = {"Authorization": bearer(superuser)}
    schema = schemathesis.openapi.from_wsgi(f"{SCHEMA_URL}?format=json", wsgi_app, headers=headers)
    known = seed()
    failures: list[str] = []
    stats = {"requests": 0, "operations": 0}

    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        stats["operations"] += 1
        for strategy, examples in operation_strategies(operation, known):
            try:
                exercise(operation, strategy, examples, wsgi_app, headers, stats)
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup; collect them all
                failures.append(f"{operation.method.upper()} {operation.path}:\n{exc}")
                break

    assert stats["requests"] >= 200, stats
    assert not failures, (
        f"schemathesis found {len(failures)} operation(s) answering 5xx or off their schema "
        f"({stats['requests']} requests to {stats['operations']} operations):\n\n" + "\n\n".join(failures)
    )
