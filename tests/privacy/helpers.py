"""A customer with one row of every kind RenOS keeps about a customer, each holding the customer's details."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone

from bookings.models import Booking, SlotOffer
from customers.models import Customer
from invoicing.models import Invoice, InvoiceLine
from leads.models import Activity, Lead
from messaging.models import Conversation, Direction, EmailMessage, SkippedEmail, SmsMessage
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    SlotOfferFactory,
    SmsMessageFactory,
    UserFactory,
)

NAME = "Birthe Kjærgaard"
EMAIL = "birthe.kjaergaard@example.dk"
OLD_EMAIL = "birthe1961@example.dk"
PHONE = "+4522334455"
ADDRESS = "Rosenvænget 17, 8240 Risskov"
# How the customer's details are written in free text: national number with spaces, street without the town.
TRACES = (NAME, EMAIL, OLD_EMAIL, PHONE, "22 33 44 55", "22334455", "Rosenvænget 17")
INVOICE_NUMBERS = itertools.count(1001)


@dataclass
class Everything:
    customer: Customer
    lead: Lead
    activity: Activity
    invoice_activity: Activity
    slot_offer: SlotOffer
    conversation: Conversation
    email: EmailMessage
    sms: SmsMessage
    stray_sms: SmsMessage
    skipped: SkippedEmail
    booking: Booking
    invoice: Invoice
    line: InvoiceLine


def customer_with_everything(*, booking_days_ago: int = 30, name: str = NAME, email: str = EMAIL) -> Everything:
    """Every row has the name, email, phone or address in it somewhere, as real data does."""
    customer = CustomerFactory(
        name=name,
        email=email,
        phone=PHONE,
        address=ADDRESS,
        company_name="Kjærgaard Consult",
        notes=f"{name.split()[0]} vil helst ringes op efter kl. 16 på 22 33 44 55.",
        tags=["vip", "fast"],
    )
    lead = LeadFactory(
        customer=customer,
        customer_name=name,
        customer_email=email,
        customer_phone="22 33 44 55",
        address="Rosenvænget 17",
        notes="Har hund",
        email_content=f"Navn: {name}\nTelefon: 22334455\nAdresse: {ADDRESS}\nE-mail: {email}",
        ai_analysis={"customer_name": name, "phone": PHONE, "confidence": 0.9},
        follow_up_reason=f"{name} svarede ikke på 22 33 44 55",
    )
    activity = ActivityFactory(
        lead=lead,
        title="Svar modtaget fra kunden",
        description=f"{name} skrev fra {OLD_EMAIL}",
        customer=name,
        metadata={"from": f"{name} <{email}>", "email_message": "abc"},
    )
    slot_offer = SlotOfferFactory(lead=lead)
    conversation = ConversationFactory(lead=lead, customer=customer, subject=f"Rengøring hos {name}")
    email_message = EmailMessageFactory(
        conversation=conversation,
        from_address=f"{name} <{email}>",
        subject=f"Tilbud til {name}",
        body=f"Hej {name.split()[0]}, vi kommer til {ADDRESS}.",
        body_preview=f"Hej {name.split()[0]}",
    )
    sms = SmsMessageFactory(lead=lead, phone_number=PHONE, message_content=f"Hej {name}, svar 1, 2 eller 3.")
    stray_sms = SmsMessageFactory(
        lead=None, phone_number=PHONE, direction=Direction.INBOUND, message_content="Det er Birthe, ring mig op"
    )
    skipped = SkippedEmail.objects.create(
        sender=f"{name} <{email}>",
        subject="Ekstra spørgsmål",
        reason=SkippedEmail.Reason.DUPLICATE,
        detail=f"Samme kunde ({email}) har en åben henvendelse",
        raw=f"From: {name} <{email}>\r\n\r\nRing på 22 33 44 55".encode(),
        related_lead=lead,
    )
    booking = BookingFactory(
        lead=lead,
        address=ADDRESS,
        notes=f"Nøgle under måtten, ring til {name.split()[0]} på 22 33 44 55",
        booking_date=timezone.now() - timedelta(days=booking_days_ago),
        status=Booking.Status.COMPLETED,
    )
    invoice = InvoiceFactory(
        booking=booking,
        customer_name=name,
        customer_email=email,
        customer_address=ADDRESS,
        status=Invoice.Status.PAID,
        invoice_number=str(next(INVOICE_NUMBERS)),
        amount_paid=Decimal("1221.50"),
    )
    line = InvoiceLine.objects.create(
        invoice=invoice,
        description="Fast rengøring",
        quantity=Decimal("3.5"),
        unit="timer",
        unit_price=Decimal("349.00"),
        amount=Decimal("1221.50"),
    )
    invoice_activity = ActivityFactory(
        lead=None, invoice=invoice, title="Faktura nr. 1001 udstedt", customer=name, description=f"Sendt til {email}"
    )
    _history(customer, lead, booking, name=name, email=email)
    return Everything(
        customer=customer,
        lead=lead,
        activity=activity,
        invoice_activity=invoice_activity,
        slot_offer=slot_offer,
        conversation=conversation,
        email=email_message,
        sms=sms,
        stray_sms=stray_sms,
        skipped=skipped,
        booking=booking,
        invoice=invoice,
        line=line,
    )


def _history(customer: Customer, lead: Lead, booking: Booking, *, name: str, email: str) -> None:
    """An admin history entry and an audit entry of an earlier email change (its old value is personal data too)."""
    staff = UserFactory(username="historik")
    AdminLogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(customer.pk),
        object_repr=name,
        action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["Email"]}}, "note": "{email}"}}]',
    )
    if apps.is_installed("auditlog"):
        from auditlog import get_logentry_model

        get_logentry_model().objects.create(
            content_type=ContentType.objects.get_for_model(Customer),
            object_pk=str(customer.pk),
            object_repr=name,
            action=1,
            changes={"email": [OLD_EMAIL, email]},
            changes_text=f"email: {OLD_EMAIL} → {email}",
            actor=staff,
        )


def traces_left(*, exclude_apps: tuple[str, ...] = ("invoicing",), traces: tuple[str, ...] = TRACES) -> list[str]:
    """Every text or JSON column of every table (outside `exclude_apps`) that still holds one of `traces`."""
    found = []
    for model in apps.get_models():
        if model._meta.app_label in exclude_apps or model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.BinaryField):
                # A raw email: searched as text here, since the database shows bytes as hex.
                for raw in model._default_manager.values_list(field.attname, flat=True):
                    text = bytes(raw or b"").decode("utf-8", errors="replace").lower()
                    found += [f"{model._meta.label}.{field.name}: {t}" for t in traces if t.lower() in text]
                continue
            lookup = _text_of(field)
            if lookup is None:
                continue
            for trace in traces:
                rows = model._default_manager.annotate(_text=lookup).filter(_text__icontains=trace)
                if rows.exists():
                    found.append(f"{model._meta.label}.{field.name}: {trace}")
    return found


def _text_of(field: models.Field) -> Any:
    if isinstance(field, models.CharField | models.TextField | models.EmailField):
        return models.F(field.attname)
    if isinstance(field, models.JSONField):
        return Cast(field.attname, models.TextField())
    return None
