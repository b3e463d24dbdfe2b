"""A second opinion from the AI on an email the rules could not classify or fill.

The rules decide first. The AI is asked only when they are unsure (an unknown sender, no customer details) or
left gaps in a lead; it never overrides a field the rules read from a label, and every field it filled is named
in the lead's `ai_analysis`. Without an AI configured, or when it fails, the rules alone stand.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from integrations.gemini import AIError
from leads.parsing import ParsedEmail

logger = logging.getLogger(__name__)

# Skip reasons where a person might still see a lead: mail from an unknown sender, or no customer details found.
UNSURE_REASONS = ("not a lead source", "no customer", "portal mail: no customer details")
# A lead missing any of these is worth a second look.
WANTED_FIELDS = ("customer_name", "service_type", "address", "city")
FILLABLE_FIELDS = (
    "customer_name",
    "customer_email",
    "customer_phone",
    "address",
    "postal_code",
    "city",
    "service_type",
    "area_m2",
    "company",
    "preferred_date",
    "notes",
)


def needs_second_opinion(parsed: ParsedEmail) -> bool:
    if not parsed.is_lead:
        return (parsed.skip_reason or "").startswith(UNSURE_REASONS)
    missing_contact = not parsed.customer_email and not parsed.customer_phone
    return missing_contact or any(getattr(parsed, name) in (None, "") for name in WANTED_FIELDS)


def second_opinion(parsed: ParsedEmail, advisor: Any) -> tuple[ParsedEmail, dict[str, Any]]:
    """The email with the AI's help where the rules were unsure, and what to keep in the lead's `ai_analysis`."""
    try:
        opinion = advisor.opinion(
            subject=parsed.subject, sender=parsed.sender, body=parsed.text_body, reply_to=parsed.reply_to
        )
    except AIError as exc:
        # What went wrong, without the detail after the colon: Gemini's answer there may quote the email (a lead
        # made from it keeps the whole error in its ai_analysis).
        logger.warning("no second opinion on an email: %s", str(exc).split(":", 1)[0])
        return parsed, {"error": str(exc)}
    if opinion is None:
        return parsed, {}
    analysis: dict[str, Any] = {"model": opinion.model, "is_lead": opinion.is_lead, "reason": opinion.reason}
    changes: dict[str, Any] = {}
    if not parsed.is_lead and opinion.is_lead:
        changes.update(is_lead=True, skip_reason=None, source=parsed.source or opinion.source)
    suggested = opinion.lead_fields()
    filled = []
    for name in FILLABLE_FIELDS:
        value = suggested.get(name)
        if value is None or name in parsed.labelled or getattr(parsed, name) not in (None, ""):
            continue
        changes[name] = value
        filled.append(name)
    analysis["fields"] = filled
    return dataclasses.replace(parsed, **changes), analysis
