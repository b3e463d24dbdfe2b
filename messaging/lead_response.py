"""The first answer to a new lead: rendered from the lead_response template and sent to the customer's own address."""

from __future__ import annotations

from django.db import transaction

from leads.models import Activity, Lead
from leads.services import activity_create, lead_flag_follow_up, lead_set_status
from messaging.models import Conversation, Direction, EmailMessage, EmailTemplate
from messaging.outbound import EmailDraft, SendOutcomeUnknown, email_send_once, message_id_for
from messaging.rendering import email_template_active, email_template_render, lead_context
from messaging.services import conversation_create


def response_message_id(lead: Lead) -> str:
    """Our Message-ID for the lead response: the same on every attempt, so replies and retries find it."""
    return message_id_for("lead-response", lead.pk)


def lead_response_send(*, lead: Lead) -> EmailMessage | None:
    """Send the lead response at most once; returns the sent message, or None when nothing was (or is) to send.

    A crash between starting and finishing a send is handed to a person instead of guessed.
    """
    prepared = _prepare(lead=lead)
    if prepared is None:
        return None
    conversation, draft = prepared
    try:
        record = email_send_once(conversation=conversation, draft=draft)
    except SendOutcomeUnknown:
        lead_flag_follow_up(
            lead=lead,
            reason="Svaret på henvendelsen blev påbegyndt, men det er uvist, om det blev sendt. Tjek udbakken.",
        )
        return None
    if record is not None:
        _mark_answered(lead=lead, record=record)
    return record


def lead_response_settle_interrupted(*, lead: Lead) -> str | None:
    """After a worker was lost running answer_lead: settle the lead response whose send it had started.

    Returns "sent" when Gmail's answer was kept (the lead is marked answered if it was not yet), "unknown" when it
    was not (the lead goes to a person: Gmail may have sent it, so sending again could email the customer twice),
    and None when no send was started or the last one failed (a retry may send it).
    """
    record = (
        EmailMessage.objects.filter(rfc822_message_id=response_message_id(lead), direction=Direction.OUTBOUND)
        .exclude(status=EmailMessage.Status.FAILED)
        .first()
    )
    if record is None:
        return None
    if record.status == EmailMessage.Status.SENT or record.gmail_message_id:
        if not Lead.objects.filter(pk=lead.pk, response_sent=True).exists():
            _mark_answered(lead=lead, record=record)
        return "sent"
    lead_flag_follow_up(
        lead=lead,
        reason="Svaret på henvendelsen blev påbegyndt, men det er uvist, om det blev sendt. Tjek udbakken, "
        "før kunden får svar igen.",
    )
    return "unknown"


@transaction.atomic
def _prepare(*, lead: Lead) -> tuple[Conversation, EmailDraft] | None:
    locked = Lead.objects.select_related("customer", "service_type").get(pk=lead.pk)
    if locked.response_sent or not locked.customer_email:
        return None
    rendered = email_template_render(
        template=email_template_active(template_type=EmailTemplate.Type.LEAD_RESPONSE), context=lead_context(locked)
    )
    draft = EmailDraft(
        to=locked.customer_email,
        subject=rendered.subject,
        body=rendered.body,
        message_id=response_message_id(locked),
        thread_id=_reply_thread(locked),
        in_reply_to=locked.source_message_id if locked.source == Lead.Source.BOOKING_FORM else None,
    )
    return _conversation_of(locked), draft


@transaction.atomic
def _mark_answered(*, lead: Lead, record: EmailMessage) -> None:
    Lead.objects.filter(pk=lead.pk).update(response_sent=True)
    lead.response_sent = True
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
