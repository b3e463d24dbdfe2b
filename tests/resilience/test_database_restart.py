"""PostgreSQL restarted while the worker ingests a batch of inbox emails: every email becomes exactly one lead."""

from __future__ import annotations

import threading

import pytest

from leads.models import Lead
from messaging.models import MailboxState
from renos import pipeline
from tests.resilience.conftest import restart_postgres
from tests.resilience.edge import Answer, Hold, wait_until
from tests.resilience.emails import drop_emails

pytestmark = pytest.mark.resilience

BATCH = 6
GEMINI_REFUSES = Answer(400, {"error": {"code": 400, "message": "not today", "status": "INVALID_ARGUMENT"}})


def test_a_database_restart_mid_ingest_loses_no_email_and_makes_no_duplicate(worker, edge):
    # Emails without an address make the worker ask Gemini about each, outside the transaction; the fourth
    # question hangs until PostgreSQL has been restarted under the worker.
    restarted = threading.Event()
    asked: list[int] = []

    def gemini(request) -> Answer | Hold:
        asked.append(1)
        return Hold(until=restarted, then=GEMINI_REFUSES) if len(asked) == 4 else GEMINI_REFUSES

    edge.on("gemini", gemini)
    drop_emails(worker.inbox, range(1, BATCH + 1), with_address=False)

    pipeline.poll_inbox.delay()
    wait_until(lambda: len(asked) >= 4, timeout=30, what="the worker to be in the middle of the batch")
    restart_postgres()
    restarted.set()
    wait_until(_polled, timeout=30, what="the poll to finish the batch")
    # The interrupted email stayed in the inbox: the next poll (beat sends one every minute) takes it.
    pipeline.poll_inbox.delay()
    wait_until(lambda: not any(worker.inbox.glob("*.eml")), timeout=30, what="the inbox to be empty")

    emails = sorted(Lead.objects.values_list("customer_email", flat=True))
    assert emails == sorted(f"kunde{number}@example.dk" for number in range(1, BATCH + 1))


def _polled() -> bool:
    return MailboxState.objects.filter(name="inbox", last_polled_at__isnull=False).exists()
