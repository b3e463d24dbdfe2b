"""The lead-to-invoice journey as Celery tasks, in the order things happen.

Each task takes ids, calls one service and declares its retry policy. Any task can run twice without doing
anything twice: the services record each side effect before or as it happens and skip what already happened.
"""

from __future__ import annotations

import logging
from collections import Counter

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction

from integrations.inbox import InboxError, get_inbox
from integrations.mail import MailError
from leads.models import Lead
from leads.services import lead_record_error
from messaging.ingest import IngestResult, Outcome, inbox_poll
from messaging.lead_response import lead_response_send

logger = logging.getLogger(__name__)

RETRY = {"retry_backoff": 5, "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 6}


class LeadStepTask(Task):
    """A step of a lead's journey: when its retries are used up, the lead is flagged with the error in the admin."""

    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        lead_id = kwargs.get("lead_id") or (args[0] if args else None)
        lead = Lead.objects.filter(pk=lead_id).first() if lead_id else None
        if lead is not None:
            lead_record_error(lead=lead, step=self.name.rsplit(".", 1)[-1], error=str(exc) or type(exc).__name__)


# 1. An email arrives ---------------------------------------------------------------------------------------


@shared_task(autoretry_for=(InboxError,), **RETRY)
def poll_inbox() -> dict[str, int | str]:
    """Every minute (and at once on a Gmail push): ingest what is new and start the answer for each new lead."""
    try:
        result = inbox_poll(inbox=get_inbox())
    except InboxError as exc:
        if exc.permanent:
            # Bad credentials or configuration: retrying cannot help; the next poll tries again after a fix.
            logger.error("the inbox could not be read: %s", exc)
            return {"error": str(exc)}
        raise
    for ingested in result.results:
        after_ingest(ingested)
    tally = Counter(ingested.outcome for ingested in result.results)
    counts: dict[str, int | str] = {
        outcome: tally[outcome] for outcome in (Outcome.LEAD, Outcome.REPLY, Outcome.DUPLICATE, Outcome.SKIPPED)
    }
    counts["failed"] = result.failed
    return counts


@shared_task(autoretry_for=(InboxError,), **RETRY)
def renew_gmail_watch() -> str:
    """Daily: Gmail push notifications stop after seven days unless the watch is renewed."""
    inbox = get_inbox()
    if not (settings.GMAIL_PUBSUB_TOPIC and hasattr(inbox, "watch")):
        return "not configured"
    try:
        result = inbox.watch(topic=settings.GMAIL_PUBSUB_TOPIC)
    except InboxError as exc:
        if exc.permanent:
            logger.error("renewing the Gmail watch failed for good: %s", exc)
            return "failed"
        raise
    return f"watching until {result['expiration']:%Y-%m-%d %H:%M} UTC"


def after_ingest(result: IngestResult) -> None:
    """What follows a new lead: the answer by email (the SMS with slots follows the answer)."""
    if result.outcome == Outcome.LEAD and result.lead is not None and not result.lead.needs_follow_up:
        lead_id = str(result.lead.pk)
        transaction.on_commit(lambda: answer_lead.delay(lead_id=lead_id))


# 2. The lead is answered ------------------------------------------------------------------------------------


@shared_task(base=LeadStepTask, bind=True, autoretry_for=(MailError,), **RETRY)
def answer_lead(self, *, lead_id: str) -> str:
    lead = Lead.objects.select_related("customer", "service_type").get(pk=lead_id)
    try:
        message = lead_response_send(lead=lead)
    except MailError as exc:
        if exc.permanent:
            lead_record_error(lead=lead, step="answer_lead", error=str(exc))
            return "failed"
        raise
    return "sent" if message else "skipped"
