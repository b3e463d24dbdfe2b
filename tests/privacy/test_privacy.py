"""GDPR services: the export holds everything, the erase leaves no trace but the invoices, retention erases the idle."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import environ
import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice, InvoiceLine
from leads.models import Activity, Lead
from renos.privacy import (
    COVERED_MODELS,
    ERASED_NAME,
    customer_erase,
    customer_personal_data_export,
    customers_anonymise_inactive,
    customers_past_retention,
)
from renos.privacy.export import row_dict
from renos.settings_privacy import privacy_settings
from renos.tasks import anonymise_inactive_customers
from tests.factories import BookingFactory, CustomerFactory, InvoiceFactory, LeadFactory, UserFactory
from tests.privacy.helpers import EMAIL, NAME, OLD_EMAIL, PHONE, TRACES, customer_with_everything, traces_left

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, to see that a second erase changes nothing."""
    return {
        model._meta.label: [row_dict(row) for row in model._default_manager.order_by("pk")]
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


# --- Export -----------------------------------------------------------------------------------------------------


def test_the_export_holds_one_row_of_every_kind_with_iso_times_and_money_as_strings():
    e = customer_with_everything()

    data = json.loads(json.dumps(customer_personal_data_export(customer=e.customer)))

    assert data["customer"]["name"] == NAME
    assert data["customer"]["tags"] == ["fast", "vip"]
    [lead] = data["leads"]
    assert lead["id"] == str(e.lead.pk) and lead["customer_email"] == EMAIL
    assert [a["id"] for a in lead["activities"]] == [str(e.activity.pk)]
    assert [offer["id"] for offer in lead["slot_offers"]] == [str(e.slot_offer.pk)]
    assert [a["id"] for a in data["other_activities"]] == [str(e.invoice_activity.pk)]
    [conversation] = data["conversations"]
    assert [m["body"] for m in conversation["messages"]] == [e.email.body]
    assert {sms["id"] for sms in data["sms_messages"]} == {str(e.sms.pk), str(e.stray_sms.pk)}
    assert [s["id"] for s in data["skipped_emails"]] == [str(e.skipped.pk)]
    assert "Ring på 22 33 44 55" in data["skipped_emails"][0]["raw"]
    [booking] = data["bookings"]
    assert booking["total_amount"] == "1221.50"
    assert datetime.fromisoformat(booking["booking_date"]) == e.booking.booking_date
    [invoice] = data["invoices"]
    assert invoice["invoice_number"] == e.invoice.invoice_number and invoice["total_amount"] == "1221.50"
    assert [(line["id"], line["unit_price"]) for line in invoice["lines"]] == [(str(e.line.pk), "349.00")]
    assert "bogføringsloven" in data["invoices_note"]
    assert datetime.fromisoformat(data["exported_at"]).tzinfo is not None
    changes = [entry["changes"] for entry in data["audit_log"]]
    assert {"email": [OLD_EMAIL, EMAIL]} in changes


def test_the_export_costs_the_same_queries_for_one_row_of_each_kind_as_for_many():
    small = customer_with_everything(name="Anna Holm", email="anna@example.dk")
    big = customer_with_everything()
    for _ in range(4):
        lead = LeadFactory(customer=big.customer)
        BookingFactory(lead=lead, status=Booking.Status.COMPLETED, booking_date=timezone.now() - timedelta(days=9))
    customer_personal_data_export(customer=small.customer)  # content types are cached from here on

    with CaptureQueriesContext(connection) as one:
        customer_personal_data_export(customer=small.customer)
    with CaptureQueriesContext(connection) as many:
        export = customer_personal_data_export(customer=big.customer)

    assert len(export["leads"]) == 5 and len(export["bookings"]) == 5
    assert len(many) == len(one) <= 14


def test_every_model_that_points_at_a_customer_or_a_lead_is_exported_and_erased():
    pointing = {
        model
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model in (Customer, Lead)
    }

    assert pointing - set(COVERED_MODELS) == set()


# --- Erase ------------------------------------------------------------------------------------------------------


def test_the_erase_leaves_no_trace_of_the_customer_outside_the_invoices():
    e = customer_with_everything()
    other = CustomerFactory(name="Jens Olsen", email="jens@example.dk")
    assert traces_left()  # the check sees the details before the erase

    customer_erase(customer=e.customer, actor=UserFactory(username="chef"), reason=f"{NAME} bad om det pr. mail")

    assert traces_left() == []
    customer = Customer.objects.get(pk=e.customer.pk)
    assert (customer.name, customer.email, customer.phone, customer.address) == (ERASED_NAME, None, "", "")
    assert customer.status == Customer.Status.INACTIVE and customer.anonymised_at is not None
    assert list(customer.tags.names()) == []
    other.refresh_from_db()
    assert (other.name, other.email) == ("Jens Olsen", "jens@example.dk")
    # What is not personal stays for the statistics.
    lead = Lead.objects.get(pk=e.lead.pk)
    assert (lead.estimated_price, lead.source, lead.customer_id) == (Decimal("1221.50"), "leadmail", customer.pk)


def test_details_of_a_customer_merged_into_this_one_are_erased_too():
    e = customer_with_everything()
    Activity.objects.create(
        type=Activity.Type.COMPLETED,
        title="Kunder lagt sammen",
        description="B. Kjærgaard (bk@gammel.dk) er lagt sammen med kunden.",
        metadata={
            "customer_id": str(e.customer.pk),
            "merged_customers": [{"name": "B. Kjærgaard", "email": "bk@gammel.dk"}],
        },
    )

    customer_erase(customer=e.customer, actor=None)

    assert traces_left(traces=("B. Kjærgaard", "bk@gammel.dk")) == []
    assert (
        Activity.objects.get(title="Kunder lagt sammen").description
        == "[slettet] ([slettet]) er lagt sammen med kunden."
    )


def test_the_invoices_are_kept_exactly_as_issued():
    e = customer_with_everything()
    before = (row_dict(Invoice.objects.get(pk=e.invoice.pk)), row_dict(InvoiceLine.objects.get(pk=e.line.pk)))

    customer_erase(customer=e.customer, actor=None)

    assert (row_dict(Invoice.objects.get(pk=e.invoice.pk)), row_dict(InvoiceLine.objects.get(pk=e.line.pk))) == before
    assert Invoice.objects.get(pk=e.invoice.pk).customer_name == NAME


def test_the_erase_is_on_the_timeline_with_the_actor_and_without_personal_data():
    e = customer_with_everything()

    customer_erase(customer=e.customer, actor=UserFactory(username="chef"), reason=f"{NAME} ({PHONE}) bad om det")

    record = Activity.objects.get(title="Persondata slettet")
    assert record.lead_id == e.lead.pk
    assert record.metadata == {"customer_id": str(e.customer.pk), "by": "chef", "automatic": False}
    assert "Begrundelse: [slettet] ([slettet]) bad om det" in record.description
    assert not any(trace.lower() in str(row_dict(record)).lower() for trace in TRACES)


def test_erasing_twice_changes_nothing_more():
    e = customer_with_everything()
    customer_erase(customer=e.customer, actor=None)
    after_first = snapshot()

    customer_erase(customer=e.customer, actor=None)

    assert snapshot() == after_first
    assert Activity.objects.filter(title="Persondata slettet").count() == 1


@pytest.mark.parametrize(
    ("status", "days_ahead"),
    [(Booking.Status.SCHEDULED, 3), (Booking.Status.IN_PROGRESS, 0)],
)
def test_the_erase_is_refused_while_a_job_is_ahead(status, days_ahead):
    e = customer_with_everything()
    BookingFactory(lead=e.lead, status=status, booking_date=timezone.now() + timedelta(days=days_ahead, minutes=-5))

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        customer_erase(customer=e.customer, actor=None)

    assert "1 booking that is not done yet" in refused.value.messages[0]
    assert Customer.objects.get(pk=e.customer.pk).name == NAME
    assert not Activity.objects.filter(title="Persondata slettet").exists()


def test_a_cancelled_booking_does_not_stop_the_erase():
    e = customer_with_everything()
    BookingFactory(lead=e.lead, status=Booking.Status.CANCELLED, booking_date=timezone.now() + timedelta(days=3))

    customer_erase(customer=e.customer, actor=None)

    assert Customer.objects.get(pk=e.customer.pk).name == ERASED_NAME


def test_calendar_events_are_rewritten_without_the_customer_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    e = customer_with_everything()
    Booking.objects.filter(pk=e.booking.pk).update(google_calendar_event_id="evt123")
    queued = []
    monkeypatch.setattr("renos.pipeline.sync_calendar.delay", lambda **kwargs: queued.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=e.customer, actor=None)

    assert queued == [{"booking_id": str(e.booking.pk)}]


# --- Retention --------------------------------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=timezone.get_fixed_timezone(0))


def customer_last_seen(name: str, days_ago: int, **lead_kwargs) -> Customer:
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        customer = CustomerFactory(name=name)
        LeadFactory(customer=customer, **lead_kwargs)
    return customer


def test_customers_idle_past_the_retention_period_are_selected():
    idle = customer_last_seen("Gammel Kunde", 1200)
    recent = customer_last_seen("Ny Kunde", 300)
    owes = customer_last_seen("Skylder Penge", 1200)
    InvoiceFactory(booking=None, customer=owes, status=Invoice.Status.SENT, invoice_number="9001")
    ahead = customer_last_seen("Har Booking", 1200)
    BookingFactory(lead=LeadFactory(customer=ahead), booking_date=NOW + timedelta(days=5))
    called = customer_last_seen("Ringede For Nylig", 1200)
    Customer.objects.filter(pk=called.pk).update(last_contact_at=NOW - timedelta(days=10))
    erased = customer_last_seen("Allerede Slettet", 1200)
    Customer.objects.filter(pk=erased.pk).update(anonymised_at=NOW - timedelta(days=400))
    Lead.objects.filter(customer=ahead).update(created_at=NOW - timedelta(days=1200))

    with time_machine.travel(NOW, tick=False):
        selected = list(customers_past_retention(days=1095))
        assert list(customers_past_retention(days=0)) == []

    assert selected == [idle]
    assert recent not in selected


def test_the_monthly_task_erases_the_idle_customers_and_logs_each(settings, caplog):
    settings.RENOS_RETENTION_DAYS = 1095
    idle = customer_last_seen("Gammel Kunde", 1200)
    kept = customer_last_seen("Ny Kunde", 30)

    with time_machine.travel(NOW, tick=False), caplog.at_level("INFO", logger="renos.privacy"):
        assert anonymise_inactive_customers() == 1
        assert customers_anonymise_inactive() == 0  # the next month finds nobody new

    idle.refresh_from_db()
    kept.refresh_from_db()
    assert idle.name == ERASED_NAME and idle.anonymised_at == NOW
    assert kept.name == "Ny Kunde"
    record = Activity.objects.get(title="Persondata slettet")
    assert record.metadata["automatic"] is True and "1095 dage" in record.description
    assert f"Customer {idle.pk} erased after 1095 days without activity" in caplog.text


def test_retention_switched_off_erases_nobody(settings):
    settings.RENOS_RETENTION_DAYS = 0
    idle = customer_last_seen("Gammel Kunde", 5000)

    with time_machine.travel(NOW, tick=False):
        assert customers_anonymise_inactive() == 0

    idle.refresh_from_db()
    assert idle.name == "Gammel Kunde"


def test_the_retention_setting_defaults_to_three_years_and_rejects_nonsense(monkeypatch):
    monkeypatch.delenv("RENOS_RETENTION_DAYS", raising=False)
    assert privacy_settings(environ.Env()) == {"RENOS_RETENTION_DAYS": 1095}
    monkeypatch.setenv("RENOS_RETENTION_DAYS", "tre år")
    with pytest.raises(ImproperlyConfigured, match="RENOS_RETENTION_DAYS must be a whole number"):
        privacy_settings(environ.Env())
    monkeypatch.setenv("RENOS_RETENTION_DAYS", "-1")
    with pytest.raises(ImproperlyConfigured, match="0 \\(off\\) or more"):
        privacy_settings(environ.Env())
