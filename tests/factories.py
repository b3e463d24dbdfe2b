"""factory-boy factories for every model."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.models import Booking, SlotOffer
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Activity, Lead, ServiceType
from messaging.models import Conversation, Direction, EmailMessage, EmailTemplate, SmsMessage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@rendetalje.dk")
    password = factory.PostGenerationMethodCall("set_password", "kodeord-123")
    is_staff = True

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805 - factory-boy hook signature
        if create:
            obj.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Faker("name", locale="da_DK")
    email = factory.Sequence(lambda n: f"kunde{n}@example.dk")
    phone = factory.Sequence(lambda n: f"+45{26000000 + n}")
    address = factory.Sequence(lambda n: f"Søvej {n + 1}, 8240 Risskov")

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):  # noqa: N805 - factory-boy hook signature
        if create and extracted:
            obj.tags.set(list(extracted))


def service(code: str = "fast") -> ServiceType:
    """The seeded service with this code (the data migration creates the catalogue)."""
    return ServiceType.objects.get(code=code)


class ServiceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"service{n}")
    name = factory.LazyAttribute(lambda o: f"Service {o.code}")
    m2_per_hour = Decimal("20")
    default_hours = Decimal("3")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    customer = factory.SubFactory(CustomerFactory)
    customer_name = factory.LazyAttribute(lambda o: o.customer.name if o.customer else "Ukendt")
    customer_email = factory.LazyAttribute(lambda o: o.customer.email if o.customer else "")
    customer_phone = factory.LazyAttribute(lambda o: o.customer.phone if o.customer else "")
    source = Lead.Source.LEADMAIL
    service_type = factory.LazyFunction(lambda: service("fast"))
    address = "Søvej 12"
    city = "Risskov"
    postal_code = "8240"
    area_m2 = 110
    estimated_hours = Decimal("3.5")
    estimated_price = Decimal("1221.50")
    source_message_id = factory.Sequence(lambda n: f"<lead{n}@mail.example>")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    lead = factory.SubFactory(LeadFactory)
    type = Activity.Type.EMAIL
    title = "Nyt lead oprettet"
    description = "Fast rengøring - Risskov"
    status = Activity.Status.INFO


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    lead = factory.SubFactory(LeadFactory)
    customer = factory.LazyAttribute(lambda o: o.lead.customer if o.lead else None)
    subject = "Forespørgsel om rengøring"
    gmail_thread_id = factory.Sequence(lambda n: f"thread{n}")


class EmailMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailMessage

    conversation = factory.SubFactory(ConversationFactory)
    gmail_message_id = factory.Sequence(lambda n: f"msg{n}")
    gmail_thread_id = factory.LazyAttribute(lambda o: o.conversation.gmail_thread_id or "")
    from_address = "kontakt@leadmail.no"
    to_address = "info@rendetalje.dk"
    subject = "Nyt lead"
    body = "Hej, jeg vil gerne have et tilbud på rengøring."
    body_preview = factory.LazyAttribute(lambda o: o.body[:200])
    direction = Direction.INBOUND


class SmsMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SmsMessage

    lead = factory.SubFactory(LeadFactory)
    phone_number = factory.LazyAttribute(lambda o: o.lead.customer_phone if o.lead else "+4520112233")
    message_content = "Hej! Vælg dit foretrukne tidspunkt: svar 1, 2 eller 3."
    message_type = SmsMessage.Type.BOOKING_OPTIONS
    status = SmsMessage.Status.SENT
    twilio_message_id = factory.Sequence(lambda n: f"SM{n:032d}")


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate

    name = factory.Sequence(lambda n: f"Skabelon {n}")
    subject = "Hej {{ customer_name }}"
    content = "Hej {{ customer_name }}, tak for din henvendelse."
    template_type = EmailTemplate.Type.LEAD_RESPONSE
    is_active = False


class SlotOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlotOffer

    lead = factory.SubFactory(LeadFactory)
    slots = factory.LazyFunction(
        lambda: [(timezone.now() + timedelta(days=day, hours=2)).isoformat() for day in (1, 2, 3)]
    )
    duration_hours = Decimal("3.5")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    lead = factory.SubFactory(LeadFactory)
    customer = factory.LazyAttribute(lambda o: o.lead.customer)
    customer_name = factory.LazyAttribute(lambda o: o.lead.customer_name)
    customer_email = factory.LazyAttribute(lambda o: o.lead.customer_email)
    customer_phone = factory.LazyAttribute(lambda o: o.lead.customer_phone)
    service_type = factory.LazyAttribute(lambda o: o.lead.service_type)
    address = factory.LazyAttribute(lambda o: o.lead.address or "Søvej 12")
    city = factory.LazyAttribute(lambda o: o.lead.city)
    booking_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    duration_hours = Decimal("3.5")
    hourly_rate = Decimal("349.00")
    total_amount = Decimal("1221.50")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    booking = factory.SubFactory(BookingFactory)
    lead = factory.LazyAttribute(lambda o: o.booking.lead if o.booking else None)
    customer = factory.LazyAttribute(lambda o: o.booking.customer if o.booking else None)
    customer_name = factory.LazyAttribute(lambda o: o.booking.customer_name if o.booking else "Kunde")
    customer_email = factory.LazyAttribute(lambda o: o.booking.customer_email if o.booking else "")
    customer_address = "Søvej 12, 8240 Risskov"
    service_description = "Fast rengøring"
    hours_worked = Decimal("3.5")
    hourly_rate = Decimal("349.00")
    total_amount = Decimal("1221.50")
    vat_amount = Decimal("244.30")
    subtotal = Decimal("977.20")
