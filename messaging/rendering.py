"""Rendering the staff-editable email templates in a sandbox: an engine of its own and a context of plain values.

Staff write these templates in the admin, so a template is treated as untrusted text: it gets no template loaders, no
`{% load %}`, `{% include %}`, `{% extends %}`, `{% debug %}` or `{% url %}`, no access to settings, and a context of
plain values only (text, numbers, dates, and lists and dicts of them), so no model instance and no method that reaches
the database is within its reach. A missing or invalid variable renders as nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import (
    Context,
    Engine,
    Library,
    TemplateDoesNotExist,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import Lexer, TokenType
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext

from messaging.models import EmailTemplate

# Tags that reach outside the template (other templates, libraries, URLs, the debug dump): refused with a clear error.
FORBIDDEN_TAGS = frozenset({"load", "include", "extends", "block", "debug", "ssi", "url", "csrf_token", "querystring"})
# Django's own tags a template may use; anything else is unknown to the engine.
ALLOWED_TAGS = frozenset(
    {
        "autoescape",
        "comment",
        "cycle",
        "filter",
        "firstof",
        "for",
        "if",
        "ifchanged",
        "now",
        "regroup",
        "resetcycle",
        "spaceless",
        "templatetag",
        "verbatim",
        "widthratio",
        "with",
    }
)
# pprint prints a value's repr, which is never meant for a customer.
FORBIDDEN_FILTERS = frozenset({"pprint"})


def _sandbox_library() -> Library:
    library = Library()
    library.tags = {name: tag for name, tag in defaulttags.register.tags.items() if name in ALLOWED_TAGS}
    library.filters = {
        name: func for name, func in defaultfilters.register.filters.items() if name not in FORBIDDEN_FILTERS
    }
    return library


class SandboxEngine(Engine):
    """An engine with only the allowed tags and filters built in (Django's defaults are left out), and no loaders."""

    default_builtins: list[str] = []

    def get_template_builtins(self, builtins: list[str]) -> list[Library]:
        return [_sandbox_library(), *super().get_template_builtins(builtins)]


# Autoescape off as before: the emails are plain text. The Danish money and hour filters are built in.
ENGINE = SandboxEngine(
    builtins=["messaging.templatetags.renos_format"],
    autoescape=False,
    libraries={},
    loaders=[],
    string_if_invalid="",
    debug=False,
)

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


_DROPPED = object()
_PLAIN_TYPES = (bool, int, float, Decimal, dt.date, dt.time, dt.timedelta)  # dt.date covers datetime


def _plain_value(value: Any) -> Any:
    """`value` as a plain copy a template may see, or _DROPPED: model instances, querysets and any other object
    with methods are left out, so `{{ lead.delete }}` or `{{ customer.tags.clear }}` has nothing to call."""
    if value is None:
        return None
    if isinstance(value, str | Promise):
        return str(value)
    if isinstance(value, _PLAIN_TYPES):
        return value
    if isinstance(value, list | tuple):
        return [item for item in map(_plain_value, value) if item is not _DROPPED]
    if isinstance(value, dict):
        return plain_context(value)
    return _DROPPED


def plain_context(context: dict[str, Any]) -> dict[str, Any]:
    """The whitelisted part of `context`: plain values under plain names."""
    plain = {}
    for key, value in context.items():
        if isinstance(key, str) and not key.startswith("_"):
            copied = _plain_value(value)
            if copied is not _DROPPED:
                plain[key] = copied
    return plain


def forbidden_tags(source: str) -> list[str]:
    """The forbidden tags `source` uses, in order (text inside {% verbatim %} is text, not a tag)."""
    found = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            words = token.contents.split()
            if words and words[0] in FORBIDDEN_TAGS and words[0] not in found:
                found.append(words[0])
    return found


def render_text(source: str, context: dict[str, Any]) -> str:
    """`source` rendered in the sandbox; a forbidden tag or a syntax error raises ValidationError on "content"."""
    if found := forbidden_tags(source):
        raise ValidationError(
            {
                "content": gettext(
                    "Email templates cannot use {%% %(tag)s %%}: only text, variables and filters, "
                    "if, for and with are allowed."
                )
                % {"tag": found[0]}
            },
            code="forbidden_tag",
        )
    try:
        template = ENGINE.from_string(source)
        # Belt and braces: the context holds no model instances, and a render never keeps a write anyway.
        with transaction.atomic():
            text = template.render(Context(plain_context(context), autoescape=False))
            transaction.set_rollback(True)
        return text
    except TemplateSyntaxError as exc:
        raise ValidationError({"content": str(exc)}, code="template_syntax") from exc
    except TemplateDoesNotExist as exc:
        # The engine has no loaders: a template can never fetch another one.
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
