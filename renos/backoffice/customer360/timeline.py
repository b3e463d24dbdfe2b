"""The customer's timeline: everything about one customer, newest first, read in one query per kind.

Activities belong to a lead, booking or invoice; what happens to the customer as a whole (an email sent from the
customer page, a merge) is an activity with no lead whose metadata names the customer (`customer_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Activity, Lead
from messaging.models import Conversation, Direction, EmailMessage, SmsMessage
from messaging.templatetags.renos_format import dkk

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TIMELINE_LIMIT = 100
CUSTOMER_KEY = "customer_id"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened, as the customer page lists it."""

    when: datetime
    kind: str
    kind_label: str
    label: str
    url: str

    @property
    def local_time(self) -> str:
        """The time in Copenhagen, whatever time zone the viewer has active."""
        return _local(self.when)


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    has_more: bool
    leads: list[Lead]  # the customer's newest leads, newest first (the quick actions pick the lead to book from them)


def customer_activities(customer: Customer) -> Q:
    """Activities about `customer`: on its leads, bookings or invoices, or about the customer as a whole."""
    return (
        Q(lead_id__in=Lead.objects.filter(customer=customer).values("pk"))
        | Q(booking_id__in=Booking.objects.filter(customer=customer).values("pk"))
        | Q(invoice_id__in=Invoice.objects.filter(customer=customer).values("pk"))
        | Q(**{f"metadata__{CUSTOMER_KEY}": str(customer.pk)})
    )


def customer_activity_create(
    *,
    customer: Customer,
    title: str,
    type: str,
    description: str = "",
    status: str = Activity.Status.INFO,
    lead: Lead | None = None,
    metadata: dict[str, Any] | None = None,
) -> Activity:
    """A timeline entry about the customer as a whole (optionally also on one of its leads), titled in Danish."""
    return Activity.objects.create(
        lead=lead,
        type=type,
        title=title[:255],
        description=description,
        status=status,
        customer=customer.name[:255],
        metadata={**(metadata or {}), CUSTOMER_KEY: str(customer.pk)},
    )


def customer_timeline(*, customer: Customer, limit: int | None = None) -> Timeline:
    """The newest `limit` entries about `customer` across every kind: one query per kind, whatever the history."""
    limit = limit or TIMELINE_LIMIT
    leads = list(
        Lead.objects.filter(customer=customer)
        .select_related("service_type")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    rows = [
        [_lead_entry(lead) for lead in leads],
        [_email_entry(email) for email in _emails(customer)[: limit + 1]],
        [_sms_entry(sms) for sms in _sms(customer)[: limit + 1]],
        [_booking_entry(booking) for booking in _bookings(customer)[: limit + 1]],
        [_invoice_entry(invoice) for invoice in _invoices(customer)[: limit + 1]],
        [_activity_entry(activity) for activity in _activities(customer)[: limit + 1]],
    ]
    entries = sorted((entry for kind in rows for entry in kind), key=lambda entry: entry.when, reverse=True)
    return Timeline(entries=entries[:limit], has_more=len(entries) > limit, leads=leads[:limit])


def _emails(customer: Customer) -> Any:
    conversations = Conversation.objects.filter(
        Q(customer=customer) | Q(lead_id__in=Lead.objects.filter(customer=customer).values("pk"))
    )
    return EmailMessage.objects.filter(conversation_id__in=conversations.values("pk")).order_by("-sent_at", "-id")


def _sms(customer: Customer) -> Any:
    on_its_leads = Q(lead_id__in=Lead.objects.filter(customer=customer).values("pk"))
    if customer.phone:
        # An SMS from a number no lead has is stored on no lead; the customer's own number still says whose it is.
        on_its_leads |= Q(lead__isnull=True, phone_number=customer.phone)
    return SmsMessage.objects.filter(on_its_leads).order_by("-created_at", "-id")


def _bookings(customer: Customer) -> Any:
    return Booking.objects.filter(customer=customer).order_by("-created_at", "-id")


def _invoices(customer: Customer) -> Any:
    return Invoice.objects.filter(customer=customer).order_by("-created_at", "-id")


def _activities(customer: Customer) -> Any:
    return Activity.objects.filter(customer_activities(customer)).order_by("-created_at", "-id")


def _admin_url(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _local(value: datetime) -> str:
    return date_format(timezone.localtime(value, COPENHAGEN), "d.m.Y H:i")


def _short(text: str, length: int = 80) -> str:
    return Truncator(" ".join((text or "").split())).chars(length)


def _lead_entry(lead: Lead) -> TimelineEntry:
    label = _("Lead via %(source)s: %(service)s (%(status)s)") % {
        "source": lead.get_source_display(),
        "service": lead.service_type.name if lead.service_type else _("no service given"),
        "status": lead.get_status_display(),
    }
    return TimelineEntry(lead.created_at, "lead", _("Lead"), label, _admin_url(lead))


def _email_entry(email: EmailMessage) -> TimelineEntry:
    subject = _short(email.subject or email.body_preview) or _("(no subject)")
    if email.direction == Direction.INBOUND:
        label = _("Email received: %(subject)s") % {"subject": subject}
    else:
        label = _("Email sent: %(subject)s") % {"subject": subject}
    if email.status != EmailMessage.Status.SENT:
        label = f"{label} ({email.get_status_display()})"
    return TimelineEntry(email.sent_at, "email", _("Email"), label, _admin_url(email))


def _sms_entry(sms: SmsMessage) -> TimelineEntry:
    text = _short(sms.message_content, 60)
    if sms.direction == Direction.INBOUND:
        label = _("SMS received: %(text)s") % {"text": text}
    else:
        label = _("SMS sent: %(text)s (%(status)s)") % {"text": text, "status": sms.get_status_display()}
    return TimelineEntry(sms.sent_at or sms.created_at, "sms", _("SMS"), label, _admin_url(sms))


def _booking_entry(booking: Booking) -> TimelineEntry:
    label = _("Booking for %(start)s (%(status)s)") % {
        "start": _local(booking.booking_date),
        "status": booking.get_status_display(),
    }
    return TimelineEntry(booking.created_at, "booking", _("Booking"), label, _admin_url(booking))


def _invoice_entry(invoice: Invoice) -> TimelineEntry:
    values = {
        "number": invoice.invoice_number or "",
        "total": dkk(invoice.total_amount),
        "status": invoice.get_status_display(),
    }
    if invoice.invoice_number:
        label = _("Invoice %(number)s: %(total)s (%(status)s)") % values
    else:
        label = _("Invoice without a number: %(total)s (%(status)s)") % values
    return TimelineEntry(invoice.created_at, "invoice", _("Invoice"), label, _admin_url(invoice))


def _activity_entry(activity: Activity) -> TimelineEntry:
    return TimelineEntry(activity.created_at, "activity", _("Activity"), activity.title, _admin_url(activity))
