"""The database itself refuses bad rows, whatever code path (a service, the admin, a raw update) writes them."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice, InvoiceNumberCounter
from messaging.models import EmailTemplate, SkippedEmail
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    EmailTemplateFactory,
    InvoiceFactory,
    LeadFactory,
    ServiceTypeFactory,
    SlotOfferFactory,
    SmsMessageFactory,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("customers", "leads", "messaging", "bookings", "invoicing")


def skipped_email() -> SkippedEmail:
    return SkippedEmail.objects.create(reason=SkippedEmail.Reason.NOT_A_LEAD, raw=b"Subject: Nyhedsbrev\r\n\r\nHej")


# (factory, field, a value the database must refuse, the CHECK constraint that refuses it)
CHECKS = [
    (lambda: InvoiceNumberCounter.objects.create(last_number=1001), "id", 2, "invoice_counter_single_row"),
    (CustomerFactory, "status", "bogus", "customer_status_valid"),
    (ServiceTypeFactory, "m2_per_hour", Decimal("0"), "servicetype_m2_per_hour_positive"),
    (ServiceTypeFactory, "default_hours", Decimal("-1"), "servicetype_default_hours_positive"),
    (LeadFactory, "source", "bogus", "lead_source_valid"),
    (LeadFactory, "status", "bogus", "lead_status_valid"),
    (LeadFactory, "priority", "bogus", "lead_priority_valid"),
    (ActivityFactory, "type", "bogus", "activity_type_valid"),
    (ActivityFactory, "status", "bogus", "activity_status_valid"),
    (ConversationFactory, "channel", "bogus", "conversation_channel_valid"),
    (ConversationFactory, "status", "bogus", "conversation_status_valid"),
    (EmailMessageFactory, "direction", "bogus", "emailmessage_direction_valid"),
    (EmailMessageFactory, "status", "bogus", "emailmessage_status_valid"),
    (SmsMessageFactory, "message_type", "bogus", "smsmessage_type_valid"),
    (SmsMessageFactory, "status", "bogus", "smsmessage_status_valid"),
    (SmsMessageFactory, "direction", "bogus", "smsmessage_direction_valid"),
    (EmailTemplateFactory, "template_type", "bogus", "emailtemplate_type_valid"),
    (SlotOfferFactory, "status", "bogus", "slotoffer_status_valid"),
    (SlotOfferFactory, "accepted_index", 0, "slotoffer_accepted_index_valid"),
    (BookingFactory, "status", "bogus", "booking_status_valid"),
    (BookingFactory, "duration_hours", Decimal("0"), "booking_duration_positive"),
    (skipped_email, "reason", "bogus", "skippedemail_reason_valid"),
    # With a number, so only the status itself is wrong.
    (partial(InvoiceFactory, invoice_number="2026-0100"), "status", "bogus", "invoice_status_valid"),
    (InvoiceFactory, "status", "sent", "invoice_number_when_issued"),
    (InvoiceFactory, "total_amount", Decimal("1221.49"), "invoice_total_is_subtotal_plus_vat"),
]


def refused(constraint: str = ""):
    """Expect the database to refuse the write (made in a savepoint, so the test can look afterwards)."""
    return pytest.raises(IntegrityError, match=constraint)


def test_every_check_constraint_is_exercised_below():
    declared = {
        constraint.name
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    }
    assert declared == {name for *_, name in CHECKS}


@pytest.mark.parametrize(("factory", "field", "value", "constraint"), CHECKS, ids=[row[3] for row in CHECKS])
def test_the_database_refuses_a_value_outside_the_check(factory, field, value, constraint):
    row = factory()
    model = type(row)
    before = model.objects.values_list(field, flat=True).get(pk=row.pk)

    with refused(constraint), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{field: value})

    assert model.objects.values_list(field, flat=True).get(pk=row.pk) == before


# --- customers ----------------------------------------------------------------------------------


def test_the_database_refuses_an_email_that_differs_only_in_case():
    CustomerFactory(email="a@x.dk")

    with refused("customer_email_unique_ci"), transaction.atomic():
        Customer.objects.bulk_create([Customer(name="Anden", email="A@x.dk")])

    other = CustomerFactory(email="b@x.dk")
    with refused("customer_email_unique_ci"), transaction.atomic():
        Customer.objects.filter(pk=other.pk).update(email="A@X.DK")

    assert Customer.objects.filter(email__iexact="a@x.dk").count() == 1


def test_the_database_lets_many_customers_have_no_email():
    Customer.objects.bulk_create([Customer(name="Uden mail 1", email=None), Customer(name="Uden mail 2", email=None)])

    assert Customer.objects.filter(email__isnull=True).count() == 2


# --- leads --------------------------------------------------------------------------------------


def test_the_same_email_never_makes_two_leads():
    LeadFactory(source_message_id="<abc@leadmail.no>")

    with refused("source_message_id"), transaction.atomic():
        LeadFactory(source_message_id="<abc@leadmail.no>")


def test_leads_typed_in_by_staff_need_no_source_message():
    first, second = LeadFactory(source_message_id=None), LeadFactory(source_message_id=None)

    assert type(first).objects.filter(pk__in=[first.pk, second.pk], source_message_id__isnull=True).count() == 2


def test_a_lead_cannot_name_a_service_that_does_not_exist():
    lead = LeadFactory()

    with refused("service_type"), transaction.atomic():
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
        type(lead).objects.filter(pk=lead.pk).update(service_type_id="rengoering")


def test_service_codes_are_unique():
    ServiceTypeFactory(code="trappevask")

    with refused("code"), transaction.atomic():
        ServiceTypeFactory._meta.model.objects.create(
            code="trappevask", name="Trappevask igen", m2_per_hour=Decimal("50"), default_hours=Decimal("2")
        )


# --- messaging ----------------------------------------------------------------------------------


def test_gmail_and_twilio_ids_are_unique():
    ConversationFactory(gmail_thread_id="18c1f2")
    EmailMessageFactory(gmail_message_id="18c1f2a")
    SmsMessageFactory(twilio_message_id="SM123")

    with refused("gmail_thread_id"), transaction.atomic():
        ConversationFactory(gmail_thread_id="18c1f2")
    with refused("gmail_message_id"), transaction.atomic():
        EmailMessageFactory(gmail_message_id="18c1f2a")
    with refused("twilio_message_id"), transaction.atomic():
        SmsMessageFactory(twilio_message_id="SM123")


def test_only_one_template_of_a_type_is_active():
    # The data migration made an active lead response.
    EmailTemplateFactory(template_type=EmailTemplate.Type.LEAD_RESPONSE, is_active=False)
    EmailTemplateFactory(template_type=EmailTemplate.Type.LEAD_RESPONSE, is_active=False)

    with refused("emailtemplate_one_active_per_type"), transaction.atomic():
        EmailTemplateFactory(template_type=EmailTemplate.Type.LEAD_RESPONSE, is_active=True)

    assert EmailTemplate.objects.filter(template_type="lead_response", is_active=True).count() == 1


# --- bookings and invoices ----------------------------------------------------------------------


def test_a_slot_offer_becomes_at_most_one_booking():
    offer = SlotOfferFactory()
    BookingFactory(lead=offer.lead, slot_offer=offer)

    with refused("slot_offer"), transaction.atomic():
        BookingFactory(lead=offer.lead, slot_offer=offer)

    assert Booking.objects.filter(slot_offer=offer).count() == 1


def test_an_issued_invoice_needs_a_number():
    InvoiceFactory(invoice_number=None)  # drafts have none yet
    InvoiceFactory(invoice_number=None)

    for status in (Invoice.Status.SENT, Invoice.Status.PAID, Invoice.Status.OVERDUE):
        with refused("invoice_number_when_issued"), transaction.atomic():
            InvoiceFactory(status=status, invoice_number=None)

    assert InvoiceFactory(status=Invoice.Status.SENT, invoice_number="2026-0001").invoice_number == "2026-0001"


def test_invoice_numbers_are_unique():
    InvoiceFactory(status=Invoice.Status.SENT, invoice_number="2026-0001")

    with refused("invoice_number"), transaction.atomic():
        InvoiceFactory(status=Invoice.Status.SENT, invoice_number="2026-0001")


@pytest.mark.parametrize(
    ("subtotal", "vat", "total"),
    [("977.20", "244.30", "1221.49"), ("977.20", "244.30", "977.20"), ("0", "0", "0.01")],
)
def test_an_invoice_total_must_be_subtotal_plus_vat(subtotal, vat, total):
    with refused("invoice_total_is_subtotal_plus_vat"), transaction.atomic():
        InvoiceFactory(subtotal=Decimal(subtotal), vat_amount=Decimal(vat), total_amount=Decimal(total))

    assert not Invoice.objects.exists()
