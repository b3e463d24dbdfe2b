"""A worker process killed in the middle of sending an SMS: the task comes back to a new process (late
acknowledgement, reject on worker lost), the lead is kept, and the customer never gets a second SMS."""

from __future__ import annotations

import pytest

from bookings.services import slot_offer_settle_interrupted
from leads.models import Lead
from messaging.lead_response import response_message_id
from messaging.models import Direction, EmailMessage, SmsMessage
from renos import pipeline
from tests.factories import (
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    LeadFactory,
    SlotOfferFactory,
    SmsMessageFactory,
)
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


def _interrupted_answer(lead: Lead, **fields) -> EmailMessage:
    """The lead response as a worker lost inside the Gmail call left it: claimed for sending, never settled."""
    defaults = {"status": EmailMessage.Status.DRAFT, "gmail_message_id": None}
    return EmailMessageFactory(
        conversation=ConversationFactory(customer=lead.customer, lead=lead),
        direction=Direction.OUTBOUND,
        rfc822_message_id=response_message_id(lead),
        from_address="info@rendetalje.dk",
        to_address=lead.customer_email,
        **(defaults | fields),
    )


def _no_second_send():
    raise AssertionError("the customer would get the answer a second time")


def _redelivered_answer(lead: Lead) -> str:
    """Run answer_lead as the broker hands it back after the worker running it was lost."""
    pipeline.answer_lead.push_request(delivery_info={"redelivered": True})
    try:
        return pipeline.answer_lead.run(lead_id=str(lead.pk))
    finally:
        pipeline.answer_lead.pop_request()


@pytest.mark.django_db
def test_an_answer_interrupted_inside_gmail_goes_to_a_person_not_to_the_customer_again(monkeypatch):
    lead = LeadFactory(customer=CustomerFactory(phone=METTE, email="mette@example.dk"), response_sent=False)
    _interrupted_answer(lead)
    monkeypatch.setattr("messaging.outbound.get_mail_sender", _no_second_send)

    outcome = _redelivered_answer(lead)

    lead.refresh_from_db()
    assert (outcome, lead.needs_follow_up, lead.response_sent) == ("unknown", True, False)
    assert "uvist, om det blev sendt" in lead.follow_up_reason
    assert EmailMessage.objects.filter(direction=Direction.OUTBOUND).count() == 1


@pytest.mark.django_db
def test_an_answer_gmail_accepted_before_the_worker_was_lost_is_marked_answered_not_sent_again(
    monkeypatch, django_capture_on_commit_callbacks
):
    lead = LeadFactory(customer=CustomerFactory(phone=METTE, email="mette@example.dk"), response_sent=False)
    _interrupted_answer(lead, status=EmailMessage.Status.SENT, gmail_message_id="18c0ffee")
    monkeypatch.setattr("messaging.outbound.get_mail_sender", _no_second_send)
    offered: list[dict] = []
    monkeypatch.setattr(pipeline.offer_slots, "delay", lambda **kwargs: offered.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True):
        outcome = _redelivered_answer(lead)

    lead.refresh_from_db()
    assert (outcome, lead.response_sent, lead.status, lead.needs_follow_up) == (
        "sent",
        True,
        Lead.Status.CONTACTED,
        False,
    )
    assert lead.activities.filter(title="Svar sendt til kunden").count() == 1
    assert offered == [{"lead_id": str(lead.pk)}]
