"""The first answer to a new lead: rendered from the lead_response template and sent to the customer's own address."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.services import customer_touch
from integrations.mail import MailError, OutgoingEmail, get_mail_sender
from leads.models import Activity, Lead
from leads.services import activity_create, lead_flag_follow_up, lead_set_status
from messaging.models import Conversation, Direction, EmailMessage, EmailTemplate
from messaging.rendering import email_template_active, email_template_render, lead_context
from messaging.services import conversation_create

logger = logging.getLogger(__name__)

# A send that started this long ago and never reported back is treated as lost in a crash, not as in flight.
IN_FLIGHT_GRACE = timedelta(minutes=10)


def response_message_id(lead: Lead) -> str:
    """Our Message-ID for the lead response: the same on every attempt, so replies and retries find it."""
    domain = settings.RENOS_COMPANY_EMAIL.rsplit("@", 1)[-1]
    return f"<lead-response-{lead.pk}@{domain}>"


def lead_response_send(*, lead: Lead) -> EmailMessage | None:
    """Send the lead response at most once; returns the recorded message, or None when nothing was (or is) to send.

    The outbound EmailMessage is written as a draft before the send and marked sent after it, so a retry after a
    failure re-sends, a second worker skips, and a crash between the two is handed to a person instead of guessed.
    """
    record = _prepare(lead=lead)
    if record is None:
        return None
    sender = get_mail_sender()
    email = OutgoingEmail(
        to=lead.customer_email,
        subject=record.subject,
        body=record.body,
        from_address=settings.DEFAULT_FROM_EMAIL,
        reply_to=settings.RENOS_COMPANY_EMAIL,
        thread_id=_reply_thread(lead),
        in_reply_to=lead.source_message_id if lead.source == Lead.Source.BOOKING_FORM else None,
        message_id=record.rfc822_message_id,
    )
    try:
        sent = sender.send(email)
    except MailError:
        EmailMessage.objects.filter(pk=record.pk).update(status=EmailMessage.Status.FAILED)
        raise
    return _mark_sent(lead=lead, record=record, provider_id=sent.message_id, thread_id=sent.thread_id)


@transaction.atomic
def _prepare(*, lead: Lead) -> EmailMessage | None:
    # Lock the lead: two workers answering the same lead must not both send.
    locked = Lead.objects.select_for_update(of=("self",)).select_related("customer", "service_type").get(pk=lead.pk)
    if locked.response_sent or not locked.customer_email:
        return None
    message_id = response_message_id(locked)
    record = EmailMessage.objects.filter(rfc822_message_id=message_id, direction=Direction.OUTBOUND).first()
    if record and record.status == EmailMessage.Status.SENT:
        return None
    if record and record.status == EmailMessage.Status.DRAFT:
        if record.updated_at > timezone.now() - IN_FLIGHT_GRACE:
            return None
        lead_flag_follow_up(
            lead=locked,
            reason="Svaret på henvendelsen blev påbegyndt, men det er uvist, om det blev sendt. Tjek udbakken.",
        )
        return None
    rendered = email_template_render(
        template=email_template_active(template_type=EmailTemplate.Type.LEAD_RESPONSE), context=lead_context(locked)
    )
    if record is None:
        conversation = _conversation_of(locked)
        record = EmailMessage(conversation=conversation, rfc822_message_id=message_id, direction=Direction.OUTBOUND)
    record.from_address = settings.RENOS_COMPANY_EMAIL
    record.to_address = locked.customer_email
    record.subject = rendered.subject[:500]
    record.body = rendered.body
    record.body_preview = " ".join(rendered.body.split())[:200]
    record.status = EmailMessage.Status.DRAFT
    record.save()
    return record


@transaction.atomic
def _mark_sent(*, lead: Lead, record: EmailMessage, provider_id: str, thread_id: str) -> EmailMessage:
    now = timezone.now()
    record.status = EmailMessage.Status.SENT
    record.sent_at = now
    record.gmail_message_id = provider_id if thread_id else None
    record.gmail_thread_id = thread_id
    record.save(update_fields=["status", "sent_at", "gmail_message_id", "gmail_thread_id", "updated_at"])
    Lead.objects.filter(pk=lead.pk).update(response_sent=True, updated_at=now)
    lead.response_sent = True
    if lead.customer_id:
        customer_touch(customer=lead.customer, when=now)
    activity_create(
        lead=lead,
        type=Activity.Type.EMAIL,
        title="Svar sendt til kunden",
        description=f"{record.subject} → {record.to_address}",
        status=Activity.Status.SUCCESS,
        metadata={"email_message": str(record.pk)},
    )
    if lead.status == Lead.Status.NEW:
        lead_set_status(lead=lead, status=Lead.Status.CONTACTED, note="Svar på henvendelsen er sendt.")
    return record


def _conversation_of(lead: Lead) -> Conversation:
    return lead.conversations.order_by("created_at").first() or conversation_create(
        customer=lead.customer, lead=lead, subject=f"Henvendelse fra {lead.customer_name or lead.customer_email}"
    )


def _reply_thread(lead: Lead) -> str | None:
    """Answer in the lead's own Gmail thread only for our own form, whose Reply-To is the customer.

    A portal's thread would send the answer to the portal, where nobody reads it.
    """
    if lead.source == Lead.Source.BOOKING_FORM and lead.email_thread_id and not lead.email_thread_id.startswith("<"):
        return lead.email_thread_id
    return None
