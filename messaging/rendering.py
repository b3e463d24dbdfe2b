"""Rendering the staff-editable email templates: a template engine of its own, with no loaders and no settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from messaging.models import EmailTemplate

# A separate engine: staff-edited text sees only the context we hand it and the Danish format filters.
ENGINE = Engine(builtins=["messaging.templatetags.renos_format"], autoescape=False, libraries={})

DANISH_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
DANISH_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str


def danish_datetime(value: Any) -> str:
    """'tirsdag 2. december kl. 10:00' in Copenhagen time."""
    local = timezone.localtime(value)
    return f"{DANISH_WEEKDAYS[local.weekday()]} {local.day}. {DANISH_MONTHS[local.month - 1]} kl. {local:%H:%M}"


def company_context() -> dict[str, Any]:
    return {
        "company_name": settings.RENOS_COMPANY_NAME,
        "company_phone": settings.RENOS_COMPANY_PHONE,
        "company_email": settings.RENOS_COMPANY_EMAIL,
        "hourly_rate": settings.RENOS_HOURLY_RATE,
    }


def lead_context(lead: Any) -> dict[str, Any]:
    """What a template may say about a lead."""
    first_name = (lead.customer_name or "").split(" ")[0]
    return {
        **company_context(),
        "lead": lead,
        "customer_name": lead.customer_name,
        "first_name": first_name,
        "service_name": lead.service_type.name if lead.service_type else "",
        "estimated_hours": lead.estimated_hours,
        "estimated_price": lead.estimated_price,
        "cleaners": lead.cleaners,
        "hours_on_site": lead.hours_on_site,
        "has_phone": bool(lead.customer_phone),
        "address": lead.address,
        "city": lead.city,
    }


def render_text(source: str, context: dict[str, Any]) -> str:
    try:
        template = ENGINE.from_string(source)
        # Templates call what they reach, and not every method that writes is marked alters_data
        # ({{ lead.customer.tags.clear }} would empty the customer's tags): a render never keeps a write.
        with transaction.atomic():
            text = template.render(Context(context, autoescape=False))
            transaction.set_rollback(True)
        return text
    except TemplateSyntaxError as exc:
        raise ValidationError({"content": str(exc)}, code="template_syntax") from exc
    except TemplateDoesNotExist as exc:
        # The engine has no template directories, so {% include %} and {% extends %} always end here.
        raise ValidationError(
            {"content": f"Skabelonen kan ikke hente andre skabeloner ({exc})."}, code="template_syntax"
        ) from exc


def email_template_render(*, template: EmailTemplate, context: dict[str, Any]) -> RenderedEmail:
    """Subject and body of `template` for `context`; a broken template raises ValidationError."""
    subject = " ".join(render_text(template.subject, context).split())
    body = render_text(template.content, context).strip() + "\n"
    return RenderedEmail(subject=subject, body=body)


def email_template_active(*, template_type: str) -> EmailTemplate:
    """The active template of this type; ValidationError if staff switched them all off."""
    template = EmailTemplate.objects.filter(template_type=template_type, is_active=True).first()
    if template is None:
        raise ValidationError(
            {"template_type": f"Der er ingen aktiv e-mailskabelon af typen {template_type}."}, code="no_template"
        )
    return template
