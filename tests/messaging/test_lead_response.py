"""The first answer to a lead: sent once, to the customer's own address, recorded, and the lead moves on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from integrations.mail import MailError, SentEmail
from leads.models import Activity, Lead
from messaging.ingest import email_ingest
from messaging.lead_response import lead_response_send, response_message_id
from messaging.models import Direction, EmailMessage
from tests.conftest import sample_email


class FlakySender:
    """A mail sender that fails the first `failures` sends, then succeeds."""

    failures = 0
    permanent = False
    sent: list = []

    @classmethod
    def from_settings(cls) -> FlakySender:
        return cls()

    def send(self, email) -> SentEmail:
        if FlakySender.failures > 0:
            FlakySender.failures -= 1
            raise MailError("421 try again later", permanent=FlakySender.permanent)
        FlakySender.sent.append(email)
        return SentEmail(message_id=email.message_id, thread_id="")


@pytest.fixture
def flaky_sender(settings):
    settings.MAIL_SENDER_BACKEND = "tests.messaging.test_lead_response.FlakySender"
    FlakySender.failures, FlakySender.permanent, FlakySender.sent = 0, False, []
    return FlakySender


def ingested(name: str) -> Lead:
    return email_ingest(raw=sample_email(name)).lead


@pytest.mark.django_db
def test_the_answer_goes_to_the_customer_not_the_portal_and_the_lead_is_contacted():
    lead = ingested("leadmail-fast")

    record = lead_response_send(lead=lead)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["mette.j@example.dk"]
    assert "leadmail" not in " ".join(sent.to + [sent.from_email])
    assert "3,5 arbejdstimer" in sent.body and "1.221,50 kr. inkl. moms" in sent.body
    assert "kun for den tid" in sent.body
    assert sent.extra_headers["Message-ID"] == response_message_id(lead)

    assert record.direction == Direction.OUTBOUND and record.status == EmailMessage.Status.SENT
    assert record.conversation == lead.conversations.get()
    lead.refresh_from_db()
    assert lead.response_sent and lead.status == Lead.Status.CONTACTED
    titles = set(lead.activities.values_list("title", flat=True))
    assert {"Svar sendt til kunden", "Status opdateret til Kontaktet"} <= titles
    lead.customer.refresh_from_db()
    assert lead.customer.last_contact_at == record.sent_at


@pytest.mark.django_db
def test_answering_twice_sends_once():
    lead = ingested("own-form-flytte")
    lead_response_send(lead=lead)
    assert lead_response_send(lead=lead) is None
    assert len(mail.outbox) == 1
    assert EmailMessage.objects.filter(direction=Direction.OUTBOUND).count() == 1


@pytest.mark.django_db
def test_our_own_form_is_answered_in_its_thread():
    lead = ingested("own-form-flytte")
    lead_response_send(lead=lead)
    assert mail.outbox[0].extra_headers["In-Reply-To"] == lead.source_message_id


@pytest.mark.django_db
def test_a_lead_without_email_gets_no_email():
    lead = ingested("leadpoint-call")
    assert lead_response_send(lead=lead) is None
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_send_is_recorded_and_the_retry_sends_once(flaky_sender):
    lead = ingested("leadpoint-form")
    flaky_sender.failures = 1

    with pytest.raises(MailError):
        lead_response_send(lead=lead)
    record = EmailMessage.objects.get(direction=Direction.OUTBOUND)
    assert record.status == EmailMessage.Status.FAILED
    lead.refresh_from_db()
    assert not lead.response_sent and lead.status == Lead.Status.NEW

    lead_response_send(lead=lead)
    assert len(flaky_sender.sent) == 1
    record.refresh_from_db()
    assert record.status == EmailMessage.Status.SENT


@pytest.mark.django_db
def test_a_send_in_flight_is_not_repeated_and_a_lost_one_goes_to_a_person(flaky_sender):
    lead = ingested("leadpoint-form")
    lead_response_send(lead=lead)
    EmailMessage.objects.filter(direction=Direction.OUTBOUND).update(status=EmailMessage.Status.DRAFT)
    Lead.objects.filter(pk=lead.pk).update(response_sent=False)

    assert lead_response_send(lead=lead) is None
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        assert lead_response_send(lead=lead) is None

    assert len(flaky_sender.sent) == 1
    lead.refresh_from_db()
    assert lead.needs_follow_up
    assert lead.activities.filter(status=Activity.Status.WARNING, description__contains="uvist").exists()
