"""Redis down for a while: the API keeps answering, and an email that arrived meanwhile becomes a lead once the
worker is back on the broker."""

from __future__ import annotations

import pytest

from leads.models import Lead
from renos import pipeline
from tests.resilience.edge import wait_until
from tests.resilience.emails import drop_emails

pytestmark = pytest.mark.resilience


def test_the_api_answers_without_redis_and_no_email_is_skipped(worker, redis_server, api_client):
    drop_emails(worker.inbox, range(1, 3))
    pipeline.poll_inbox.delay()
    wait_until(lambda: Lead.objects.count() == 2, timeout=30, what="the first two emails to become leads")

    logged = len(worker.log())
    redis_server.stop()
    during_outage = api_client.get("/api/leads/")
    drop_emails(worker.inbox, range(3, 4))  # arrives while Redis (the broker) is down
    wait_until(lambda: "broker lost" in worker.log()[logged:], timeout=30, what="the worker to lose the broker")
    redis_server.start()
    pipeline.poll_inbox.delay()  # the next poll, as beat sends it every minute

    wait_until(lambda: Lead.objects.count() >= 3, timeout=60, what="the email from the outage to become a lead")
    leads = sorted(Lead.objects.values_list("customer_email", flat=True))
    assert (during_outage.status_code, leads) == (
        200,
        ["kunde1@example.dk", "kunde2@example.dk", "kunde3@example.dk"],
    )
