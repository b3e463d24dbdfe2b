"""Conversations and email messages: creating, finding, closing, and keeping the customer's last contact."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_touch
from messaging.models import Conversation, EmailMessage

PREVIEW_LENGTH = 200


def conversation_create(
    *,
    customer: Customer | None = None,
    lead: Any = None,
    subject: str = "",
    channel: str = Conversation.Channel.EMAIL,
    gmail_thread_id: str | None = None,
) -> Conversation:
    conversation = Conversation(
        customer=customer, lead=lead, subject=subject[:500], channel=channel, gmail_thread_id=gmail_thread_id or None
    )
    conversation.full_clean(validate_unique=False, validate_constraints=False)
    conversation.save()
    return conversation


def conversation_get_by_gmail_thread_id(*, gmail_thread_id: str) -> Conversation | None:
    if not gmail_thread_id:
        return None
    return Conversation.objects.filter(gmail_thread_id=gmail_thread_id).first()


def conversation_list_for_customer(*, customer: Customer) -> models.QuerySet[Conversation]:
    """The customer's conversations, newest activity first, with their message counts."""
    return (
        Conversation.objects.filter(customer=customer)
        .annotate(message_count=models.Count("messages"))
        .order_by("-updated_at", "-id")
    )


def conversation_close(*, conversation: Conversation) -> Conversation:
    if conversation.status != Conversation.Status.CLOSED:
        conversation.status = Conversation.Status.CLOSED
        conversation.closed_at = timezone.now()
        conversation.save(update_fields=["status", "closed_at", "updated_at"])
    return conversation


@transaction.atomic
def email_message_create(
    *,
    conversation: Conversation,
    from_address: str,
    to_address: str,
    body: str,
    direction: str,
    subject: str = "",
    gmail_message_id: str | None = None,
    gmail_thread_id: str = "",
    status: str = EmailMessage.Status.SENT,
    is_ai_generated: bool = False,
    ai_model: str = "",
    sent_at: Any = None,
) -> EmailMessage:
    """Record one email and move the customer's last contact forward."""
    message = EmailMessage(
        conversation=conversation,
        gmail_message_id=gmail_message_id or None,
        gmail_thread_id=gmail_thread_id or conversation.gmail_thread_id or "",
        from_address=from_address,
        to_address=to_address,
        subject=subject[:500],
        body=body,
        body_preview=" ".join(body.split())[:PREVIEW_LENGTH],
        direction=direction,
        status=status,
        is_ai_generated=is_ai_generated,
        ai_model=ai_model,
        sent_at=sent_at or timezone.now(),
    )
    message.full_clean(validate_unique=False, validate_constraints=False)
    message.save()
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
    if conversation.customer_id:
        customer_touch(customer=conversation.customer, when=message.sent_at)
    return message


def email_message_get_by_gmail_id(*, gmail_message_id: str) -> EmailMessage | None:
    if not gmail_message_id:
        return None
    return EmailMessage.objects.filter(gmail_message_id=gmail_message_id).first()


def email_message_list_for_conversation(*, conversation: Conversation) -> models.QuerySet[EmailMessage]:
    """Oldest first, the way a thread is read."""
    return conversation.messages.order_by("sent_at", "id")
