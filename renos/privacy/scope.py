"""Which rows are about a customer: every model holding a foreign key to Customer or Lead, and what hangs off them.

`COVERED_MODELS` names them; a test compares it with every model in the project that points at a Customer or a Lead,
so a new model with personal data cannot be forgotten by the export and the erase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings.models import Booking, SlotOffer
from customers.models import Customer, TaggedCustomer
from invoicing.models import Invoice, InvoiceLine
from leads.models import Activity, Lead
from messaging.models import Conversation, EmailMessage, SkippedEmail, SmsMessage

# The key of an activity's metadata naming the customer it is about (entries on the customer as a whole).
CUSTOMER_KEY = "customer_id"

COVERED_MODELS = (
    Customer,
    TaggedCustomer,
    Lead,
    Activity,
    SlotOffer,
    Conversation,
    EmailMessage,
    SmsMessage,
    SkippedEmail,
    Booking,
    Invoice,
    InvoiceLine,
)


def customer_leads(customer: Customer) -> QuerySet[Lead]:
    """The customer's leads, and the leads behind bookings and invoices that name the customer."""
    return Lead.objects.filter(
        Q(customer=customer)
        | Q(pk__in=Booking.objects.filter(customer=customer).values("lead_id"))
        | Q(pk__in=Invoice.objects.filter(customer=customer, lead__isnull=False).values("lead_id"))
    )


def open_bookings(customer: Customer) -> QuerySet[Booking]:
    """Jobs still ahead or under way: their address and phone number are needed to do the job."""
    return Booking.objects.filter(
        Q(customer=customer) | Q(lead__customer=customer),
        Q(status=Booking.Status.IN_PROGRESS) | Q(status=Booking.Status.SCHEDULED, booking_date__gte=timezone.now()),
    )


@dataclass(frozen=True)
class CustomerScope:
    """The querysets of everything about one customer, built around the ids of its leads (read once)."""

    customer: Customer
    lead_ids: tuple[Any, ...]

    @classmethod
    def of(cls, customer: Customer, leads: list[Lead] | None = None) -> CustomerScope:
        if leads is None:
            lead_ids = tuple(customer_leads(customer).values_list("pk", flat=True))
        else:
            lead_ids = tuple(lead.pk for lead in leads)
        return cls(customer=customer, lead_ids=lead_ids)

    def leads(self) -> QuerySet[Lead]:
        return Lead.objects.filter(pk__in=self.lead_ids)

    def bookings(self) -> QuerySet[Booking]:
        return Booking.objects.filter(Q(customer=self.customer) | Q(lead_id__in=self.lead_ids))

    def invoices(self) -> QuerySet[Invoice]:
        return Invoice.objects.filter(
            Q(customer=self.customer) | Q(lead_id__in=self.lead_ids) | Q(booking_id__in=self.bookings().values("pk"))
        )

    def invoice_lines(self) -> QuerySet[InvoiceLine]:
        return InvoiceLine.objects.filter(invoice_id__in=self.invoices().values("pk"))

    def conversations(self) -> QuerySet[Conversation]:
        return Conversation.objects.filter(Q(customer=self.customer) | Q(lead_id__in=self.lead_ids))

    def email_messages(self) -> QuerySet[EmailMessage]:
        return EmailMessage.objects.filter(conversation_id__in=self.conversations().values("pk"))

    def sms_messages(self) -> QuerySet[SmsMessage]:
        """SMS about the leads, and SMS from or to the customer's number that no lead claimed (a stray reply)."""
        condition = Q(lead_id__in=self.lead_ids)
        if self.customer.phone:
            condition |= Q(phone_number=self.customer.phone)
        return SmsMessage.objects.filter(condition)

    def slot_offers(self) -> QuerySet[SlotOffer]:
        return SlotOffer.objects.filter(lead_id__in=self.lead_ids)

    def skipped_emails(self) -> QuerySet[SkippedEmail]:
        condition = Q(related_lead_id__in=self.lead_ids)
        if self.customer.email:
            condition |= Q(sender__icontains=self.customer.email)
        return SkippedEmail.objects.filter(condition)

    def activities(self) -> QuerySet[Activity]:
        """The timeline of the leads, bookings and invoices, and entries about the customer itself."""
        return Activity.objects.filter(
            Q(lead_id__in=self.lead_ids)
            | Q(booking_id__in=self.bookings().values("pk"))
            | Q(invoice_id__in=self.invoices().values("pk"))
            | Q(**{f"metadata__{CUSTOMER_KEY}": str(self.customer.pk)})
        )
