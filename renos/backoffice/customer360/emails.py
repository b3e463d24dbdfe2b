"""An email from a template, sent from the customer page: rendered for the customer (and a lead), sent after commit."""

from __future__ import annotations

import uuid
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from integrations.mail import MailError
from leads.models import Activity, Lead
from messaging.models import Conversation, EmailTemplate
from messaging.outbound import EmailDraft, SendOutcomeUnknown, email_send_once, message_id_for
from messaging.rendering import RenderedEmail, company_context, email_template_render, lead_context
from messaging.services import conversation_create
from renos.backoffice.customer360.timeline import customer_activity_create
from renos.pipeline import RETRY


def customer_email_context(*, customer: Customer, lead: Lead | None = None) -> dict[str, Any]:
    """What a template may say when staff send it to a customer: the lead's names where a lead is chosen."""
    context: dict[str, Any] = {
        **company_context(),
        "customer": customer,
        "customer_name": customer.name,
        "first_name": customer.name.split(" ")[0] if customer.name else "",
        "address": customer.address,
        "has_phone": bool(customer.phone),
        "service_name": "",
        "estimated_hours": None,
        "estimated_price": None,
        "hours_on_site": None,
        "city": "",
    }
    if lead is not None:
        context.update(lead_context(lead))
        context["customer"] = customer
    return context


def customer_email_render(*, customer: Customer, template: EmailTemplate, lead: Lead | None = None) -> RenderedEmail:
    """The subject and body `template` gives for this customer; a template that cannot render raises ValidationError."""
    try:
        return email_template_render(template=template, context=customer_email_context(customer=customer, lead=lead))
    except ValidationError as exc:
        raise ValidationError({"template": exc.messages}, code="template_render") from exc
    except Exception as exc:
        # Staff-written text can fail in ways the engine does not type (a filter given the wrong value).
        raise ValidationError(
            {"template": _("The template cannot be shown: %(error)s") % {"error": exc}}, code="template_render"
        ) from exc


@transaction.atomic
def customer_email_send(
    *, customer: Customer, template: EmailTemplate, lead: Lead | None = None, actor: Any = None
) -> str:
    """Queue `template` to the customer's address, sent once after commit; returns the Message-ID it will carry.

    The send records the email (messaging's outbound record) and an activity on the customer's timeline.
    """
    if not customer.email:
        raise ValidationError(
            {"template": _("%(customer)s has no email address.") % {"customer": customer}}, code="no_email"
        )
    if lead is not None and lead.customer_id != customer.pk:
        raise ValidationError({"lead": _("This lead belongs to another customer.")}, code="other_customer")
    rendered = customer_email_render(customer=customer, template=template, lead=lead)
    conversation = _conversation_for(customer=customer, lead=lead, subject=rendered.subject)
    # A fresh id per send staff ask for, kept across the task's retries so a retry never sends a second copy.
    message_id = message_id_for("customer-email", uuid.uuid4())
    job = {
        "conversation_id": str(conversation.pk),
        "customer_id": str(customer.pk),
        "lead_id": str(lead.pk) if lead else None,
        "to": customer.email,
        "subject": rendered.subject,
        "body": rendered.body,
        "message_id": message_id,
        "template": template.name,
        "actor": actor.get_username() if actor is not None else "",
    }
    transaction.on_commit(lambda: send_customer_email.delay(**job))
    return message_id


def _conversation_for(*, customer: Customer, lead: Lead | None, subject: str) -> Conversation:
    if lead is not None:
        existing = lead.conversations.order_by("created_at", "id").first()
        if existing is not None:
            return existing
    return conversation_create(customer=customer, lead=lead, subject=subject)


@shared_task(autoretry_for=(MailError,), **RETRY)
def send_customer_email(
    *,
    conversation_id: str,
    customer_id: str,
    lead_id: str | None,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    template: str,
    actor: str,
) -> str:
    """Send one email queued from the customer page, at most once, and note it on the customer's timeline."""
    conversation = Conversation.objects.select_related("customer").get(pk=conversation_id)
    customer = Customer.objects.get(pk=customer_id)
    lead = Lead.objects.filter(pk=lead_id).first() if lead_id else None
    note = {"customer": customer, "lead": lead, "description": f"{subject} → {to}"}
    metadata = {"template": template, "by": actor}
    try:
        record = email_send_once(
            conversation=conversation, draft=EmailDraft(to=to, subject=subject, body=body, message_id=message_id)
        )
    except SendOutcomeUnknown:
        customer_activity_create(
            **note,
            type=Activity.Type.EMAIL,
            title="Det er uvist, om e-mailen blev sendt – tjek udbakken",
            status=Activity.Status.WARNING,
            metadata=metadata,
        )
        return "unknown"
    except MailError as exc:
        if not exc.permanent:
            raise
        customer_activity_create(
            **note,
            type=Activity.Type.EMAIL,
            title="E-mailen kunne ikke sendes",
            status=Activity.Status.ERROR,
            metadata={**metadata, "error": str(exc)},
        )
        return "failed"
    if record is None:
        return "already sent"
    customer_activity_create(
        **note,
        type=Activity.Type.EMAIL,
        title="E-mail sendt til kunden",
        status=Activity.Status.SUCCESS,
        metadata={**metadata, "email_message": str(record.pk)},
    )
    return "sent"
