"""A worker process killed in the middle of sending an SMS: the task comes back to a new process (late
acknowledgement, reject on worker lost), the lead is kept, and the customer never gets a second SMS."""

from __future__ import annotations

import pytest

from bookings.services import slot_offer_settle_interrupted
from leads.models import Lead
from messaging.models import SmsMessage
from renos import pipeline
from tests.factories import CustomerFactory, LeadFactory, SlotOfferFactory, SmsMessageFactory
from tests.resilience.edge import Answer, Hold, twilio_created, wait_until

pytestmark = pytest.mark.resilience

METTE = "+4520112233"


def test_a_worker_killed_inside_the_twilio_call_sends_the_offer_once(edge, worker):
    lead = LeadFactory(customer=CustomerFactory(phone=METTE), customer_email="", response_sent=False)
    attempts: list[int] = []

    def twilio(request) -> Answer | Hold:
        attempts.append(1)
        # The first call hangs inside Twilio until the process making it is killed; the next one is accepted.
        return Hold() if len(attempts) == 1 else twilio_created(request)

    edge.on("twilio", twilio)

    pipeline.offer_slots.delay(lead_id=str(lead.pk))
    wait_until(lambda: edge.seen("twilio"), timeout=20, what="the SMS to reach Twilio")
    killed = worker.kill_pool_child()
    wait_until(lambda: set(worker.pool_children()) - {killed}, timeout=20, what="a new pool process")
    wait_until(
        lambda: Lead.objects.filter(pk=lead.pk, needs_follow_up=True).exists(),
        timeout=30,
        what="the task to run again and hand the lead to a person",
    )

    # Twilio may have sent the first one: no second SMS, and a person is told to check rather than the lead lost.
    lead.refresh_from_db()
    assert (len(edge.seen("twilio")), SmsMessage.objects.filter(lead=lead).count()) == (1, 1)
    assert "uvist, om den blev sendt" in lead.follow_up_reason


@pytest.mark.django_db
def test_an_offer_twilio_accepted_before_the_worker_was_lost_is_marked_sent_not_sent_again():
    lead = LeadFactory(customer=CustomerFactory(phone=METTE), customer_email="")
    sms = SmsMessageFactory(lead=lead, status=SmsMessage.Status.PENDING, twilio_message_id="SM" + "a" * 32)
    SlotOfferFactory(lead=lead, sms=sms)  # Twilio's sid was kept, then the worker died before the offer was marked

    outcome = slot_offer_settle_interrupted(lead=lead)

    lead.refresh_from_db()
    assert (outcome, lead.sms_sent, SmsMessage.objects.filter(lead=lead).count()) == ("sent", True, 1)
