"""The journey figure: lead emails dropped in the local inbox until their answer email and booking SMS are recorded.

A real Celery worker (`celery -A renos worker`: the configured concurrency and every declared queue) takes the
tasks from the Redis broker, as in production; this process plays the beat and runs the inbox poll once. Each
lead's time runs from its creation by the poll to the later of its sent answer email and its sent SMS with three
slots.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q

from leads.models import Lead
from messaging.models import Direction, EmailMessage, SmsMessage
from renos.benchmarks.core import Figure, percentile
from renos.benchmarks.intake import lead_email, message_id, remove_bench_leads
from renos.benchmarks.processes import BIN, running
from renos.celery import app
from renos.pipeline import poll_inbox

P95_TARGET_SECONDS = 5
FIRST_NUMBER = 2_000_000  # message ids apart from the ingest figure's
WAIT_SECONDS = 120


def bench_journey(*, emails: int) -> list[Figure]:
    if not str(settings.CELERY_BROKER_URL).startswith("redis"):
        raise RuntimeError("The journey figure needs the Redis broker: set REDIS_URL (`make bench` does).")
    worker = [
        str(BIN / "celery"),
        "-A",
        "renos",
        "worker",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--hostname=bench@%h",
    ]
    with running("Celery worker", worker, ready=_worker_answers):
        try:
            seconds = _answer_times(emails)
        finally:
            remove_bench_leads()
    return [
        Figure(
            f"Lead email to answer email + booking SMS, {emails} emails, Celery worker: p95",
            percentile(seconds, 0.95),
            "s",
            P95_TARGET_SECONDS,
            higher_is_better=False,
        )
    ]


def _worker_answers() -> bool:
    return bool(app.control.ping(timeout=0.5))


def _answer_times(emails: int) -> list[float]:
    """Drop the emails, poll once, and wait until every lead has both messages sent; seconds per lead."""
    inbox = settings.INBOX_LOCAL_DIR
    inbox.mkdir(parents=True, exist_ok=True)
    # Dated back past the inbox's grace period, as if they had just finished arriving.
    arrived = time.time() - settings.INBOX_LOCAL_GRACE_SECONDS - 1
    for offset in range(emails):
        path = inbox / f"bench-{FIRST_NUMBER + offset}.eml"
        path.write_bytes(lead_email(FIRST_NUMBER + offset, html=offset % 2 == 0))
        os.utime(path, (arrived, arrived))
    counts = poll_inbox()
    if counts.get("lead") != emails:
        raise RuntimeError(f"The poll should have made {emails} leads: {counts}")
    leads = Lead.objects.filter(source_message_id__in=[message_id(FIRST_NUMBER + offset) for offset in range(emails)])
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        done = _done(leads)
        if len(done) == emails:
            return [latency.total_seconds() for latency in done]
        if time.monotonic() > deadline:
            raise RuntimeError(f"Only {len(done)} of {emails} leads were answered within {WAIT_SECONDS} s.")
        time.sleep(0.1)


def _done(leads) -> list[timedelta]:
    """For each lead with its answer email and booking SMS sent: from its creation to the later of the two."""
    rows = leads.annotate(
        answer_sent_at=Max(
            "conversations__messages__sent_at",
            filter=Q(
                conversations__messages__direction=Direction.OUTBOUND,
                conversations__messages__status=EmailMessage.Status.SENT,
            ),
        ),
        offer_sent_at=Max(
            "sms_messages__sent_at",
            filter=Q(
                sms_messages__direction=Direction.OUTBOUND,
                sms_messages__message_type=SmsMessage.Type.BOOKING_OPTIONS,
            ),
        ),
    ).values_list("created_at", "answer_sent_at", "offer_sent_at")
    return [max(email, sms) - created for created, email, sms in rows if email and sms]
