"""Conversations and email messages: creating, finding, closing, and keeping the customer's last contact."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_touch
from messaging.models import Conversation, EmailMessage, EmailTemplate
from messaging.rendering import RenderedEmail, email_template_render, lead_context, render_text

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
    conversation.full_clean(exclude=["customer", "lead"], validate_unique=False, validate_constraints=False)
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
    rfc822_message_id: str = "",
) -> EmailMessage:
    """Record one email and move the customer's last contact forward."""
    message = EmailMessage(
        conversation=conversation,
        rfc822_message_id=rfc822_message_id,
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
    message.full_clean(exclude=["conversation"], validate_unique=False, validate_constraints=False)
    # Validated above, before the first write: inside a caller's transaction only a database error can stop these
    # writes, and that aborts the caller's transaction anyway, so they need no savepoint of their own.
    with transaction.atomic(savepoint=False):
        message.save()
        if conversation.updated_at is None or conversation.updated_at < message.sent_at:
            # A conversation just opened for this message (or already busier than it) has nothing to move.
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


EMAIL_TEMPLATE_FIELDS = ("name", "subject", "content", "template_type", "is_active")


def email_template_check_source(*, subject: str, content: str) -> None:
    """Refuse a subject or body that does not compile or cannot render (tried with an empty context)."""
    errors: dict[str, list[str]] = {}
    for field, source in (("subject", subject), ("content", content)):
        try:
            render_text(source, {})
        except ValidationError as exc:
            errors[field] = exc.messages
        except Exception as exc:
            # Staff-written text can also fail in ways the engine does not type (a {% url %} to nowhere).
            errors[field] = [f"Skabelonen kan ikke vises: {exc}"]
    if errors:
        raise ValidationError(errors, code="template_syntax")


def _email_template_check_one_active(*, template: EmailTemplate) -> None:
    if not template.is_active:
        return
    other = (
        EmailTemplate.objects.filter(template_type=template.template_type, is_active=True)
        .exclude(pk=template.pk)
        .first()
    )
    if other is not None:
        raise ValidationError(
            {
                "is_active": f"«{other.name}» er allerede den aktive skabelon af typen {template.template_type}; "
                "deaktivér den først."
            },
            code="one_active",
        )


def _email_template_save(*, template: EmailTemplate) -> EmailTemplate:
    email_template_check_source(subject=template.subject, content=template.content)
    template.full_clean(validate_constraints=False)
    _email_template_check_one_active(template=template)
    try:
        # Two activations of the same type racing: the partial unique index emailtemplate_one_active_per_type decides.
        with transaction.atomic():
            template.save()
    except IntegrityError:
        _email_template_check_one_active(template=template)
        raise
    return template


def email_template_create(
    *, name: str, subject: str, content: str, template_type: str, is_active: bool = True
) -> EmailTemplate:
    """A new template; refused when its text does not render or another template of its type is active."""
    template = EmailTemplate(
        name=name, subject=subject, content=content, template_type=template_type, is_active=is_active
    )
    return _email_template_save(template=template)


def email_template_update(*, template: EmailTemplate, data: dict[str, Any]) -> EmailTemplate:
    """Change the given fields, with the same checks as email_template_create."""
    unknown = set(data) - set(EMAIL_TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({field: "Dette felt kan ikke ændres." for field in sorted(unknown)})
    for field, value in data.items():
        setattr(template, field, value)
    return _email_template_save(template=template)


def email_template_delete(*, template: EmailTemplate) -> None:
    template.delete()


def email_template_preview(*, template: EmailTemplate, lead: Any) -> RenderedEmail:
    """The subject and body `template` gives for `lead`; a template that fails to render raises ValidationError."""
    try:
        return email_template_render(template=template, context=lead_context(lead))
    except ValidationError:
        raise
    except Exception as exc:
        raise ValidationError({"content": f"Skabelonen kan ikke vises: {exc}"}, code="template_render") from exc
