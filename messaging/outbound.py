"""Sending an email at most once: the message is recorded as a draft before the send and marked sent after it.

A retry after a failed send sends again; a second worker finds the draft and leaves it; a draft left behind by a
crash (sent or not, nobody knows) is reported instead of guessed, so no customer gets the same email twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.services import customer_touch
from integrations.mail import MailError, OutgoingEmail, get_mail_sender
from messaging.models import Conversation, Direction, EmailMessage

# A send that started this long ago and never reported back is treated as lost in a crash, not as in flight.
IN_FLIGHT_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class EmailDraft:
    to: str
    subject: str
    body: str
    message_id: str
    thread_id: str | None = None
    in_reply_to: str | None = None


class SendOutcomeUnknown(Exception):
    """An earlier attempt started sending this email and never finished: a person must check the outbox."""


def message_id_for(kind: str, key: object) -> str:
    """Our Message-ID for one email (`<lead-response-<id>@rendetalje.dk>`): the same on every attempt."""
    domain = settings.RENOS_COMPANY_EMAIL.rsplit("@", 1)[-1]
    return f"<{kind}-{key}@{domain}>"


def email_send_once(*, conversation: Conversation, draft: EmailDraft) -> EmailMessage | None:
    """Send `draft` unless it was sent (or is being sent); returns the sent record, or None when nothing was sent.

    Raises MailError when the send fails (the record is kept as failed, so a retry sends again) and
    SendOutcomeUnknown for a draft abandoned mid-send.
    """
    record = _claim(conversation=conversation, draft=draft)
    if record is None:
        return None
    email = OutgoingEmail(
        to=draft.to,
        subject=draft.subject,
        body=draft.body,
        from_address=settings.DEFAULT_FROM_EMAIL,
        reply_to=settings.RENOS_COMPANY_EMAIL,
        thread_id=draft.thread_id,
        in_reply_to=draft.in_reply_to,
        message_id=draft.message_id,
    )
    try:
        sent = get_mail_sender().send(email)
    except MailError:
        EmailMessage.objects.filter(pk=record.pk).update(status=EmailMessage.Status.FAILED)
        raise
    now = timezone.now()
    record.status = EmailMessage.Status.SENT
    record.sent_at = now
    record.gmail_message_id = sent.message_id if sent.thread_id else None
    record.gmail_thread_id = sent.thread_id
    record.save(update_fields=["status", "sent_at", "gmail_message_id", "gmail_thread_id", "updated_at"])
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=now)
    if conversation.customer_id:
        customer_touch(customer=conversation.customer, when=now)
    return record


@transaction.atomic
def _claim(*, conversation: Conversation, draft: EmailDraft) -> EmailMessage | None:
    fields = {
        "conversation": conversation,
        "from_address": settings.RENOS_COMPANY_EMAIL,
        "to_address": draft.to,
        "subject": draft.subject[:500],
        "body": draft.body,
        "body_preview": " ".join(draft.body.split())[:200],
        "status": EmailMessage.Status.DRAFT,
    }
    # The unique (direction, Message-ID) row is the claim: two workers cannot both create it, and the lock
    # makes the second wait until the first has decided.
    record, created = EmailMessage.objects.select_for_update().get_or_create(
        rfc822_message_id=draft.message_id, direction=Direction.OUTBOUND, defaults=fields
    )
    if created:
        return record
    if record.status == EmailMessage.Status.SENT:
        return None
    if record.status == EmailMessage.Status.DRAFT:
        if record.updated_at > timezone.now() - IN_FLIGHT_GRACE:
            return None
        raise SendOutcomeUnknown(f"{draft.subject} → {draft.to}")
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()
    return record
