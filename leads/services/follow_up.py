"""Handing a lead to a person: flags, reasons and the errors that stopped the automation."""

from __future__ import annotations

from leads.models import Activity, Lead
from leads.services.timeline import activity_create


def lead_flag_follow_up(*, lead: Lead, reason: str, title: str = "Kræver manuel opfølgning") -> Lead:
    """Hand the lead to a person: flag it in the admin and write a warning on its timeline (once per reason)."""
    if lead.needs_follow_up and lead.follow_up_reason == reason:
        return lead
    lead.needs_follow_up = True
    lead.follow_up_reason = reason
    lead.save(update_fields=["needs_follow_up", "follow_up_reason", "updated_at"])
    activity_create(
        lead=lead, type=Activity.Type.PENDING, title=title, description=reason, status=Activity.Status.WARNING
    )
    return lead


def lead_record_error(*, lead: Lead, step: str, error: str) -> Lead:
    """A step of the journey failed for good: keep the error on the lead and flag it for a person."""
    lead.last_error = f"{step}: {error}"[:2000]
    lead.save(update_fields=["last_error", "updated_at"])
    activity_create(
        lead=lead,
        type=Activity.Type.PENDING,
        title="Automatisk behandling fejlede",
        description=lead.last_error,
        status=Activity.Status.ERROR,
        metadata={"step": step},
    )
    return lead_flag_follow_up(lead=lead, reason=f"Fejl i trinnet {step}.")


def lead_clear_follow_up(*, lead: Lead) -> Lead:
    lead.needs_follow_up = False
    lead.follow_up_reason = ""
    lead.last_error = ""
    lead.save(update_fields=["needs_follow_up", "follow_up_reason", "last_error", "updated_at"])
    return lead
