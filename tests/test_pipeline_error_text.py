"""What staff read as a lead's last error once a step's retries are used up: the service's own words, not a repr."""

from __future__ import annotations

import pytest
from celery.utils.serialization import UnpickleableExceptionWrapper

from integrations.mail import MailError
from integrations.sms import SmsError
from renos import pipeline
from tests.factories import BookingFactory, CustomerFactory, LeadFactory


class DownGmail:
    """Gmail answering 503 to every send."""

    @classmethod
    def from_settings(cls) -> DownGmail:
        return cls()

    def send(self, email):
        raise MailError("Gmail svarede 503: prøv igen senere", permanent=False)


class DownTwilio:
    @classmethod
    def from_settings(cls) -> DownTwilio:
        return cls()

    def send(self, sms):
        raise SmsError("Twilio svarede 503", permanent=False, code="20503")


@pytest.mark.django_db
def test_gmail_down_through_every_retry_leaves_the_plain_message_on_the_lead(settings, celery_eager):
    settings.MAIL_SENDER_BACKEND = "tests.test_pipeline_error_text.DownGmail"
    lead = LeadFactory(customer=CustomerFactory(email="mette@example.dk"), response_sent=False)

    pipeline.answer_lead.delay(lead_id=str(lead.pk))

    lead.refresh_from_db()
    assert (lead.needs_follow_up, lead.last_error) == (True, "answer_lead: Gmail svarede 503: prøv igen senere")


@pytest.mark.django_db
def test_twilio_down_through_every_retry_leaves_the_plain_message_on_the_lead(settings, celery_eager):
    settings.SMS_BACKEND = "tests.test_pipeline_error_text.DownTwilio"
    booking = BookingFactory(customer_email="")

    pipeline.confirm_booking.delay(booking_id=str(booking.pk))

    booking.lead.refresh_from_db()
    assert booking.lead.last_error == "confirm_booking: Twilio svarede 503"


def test_an_error_celery_could_only_wrap_still_reads_as_its_message():
    wrapped = UnpickleableExceptionWrapper(
        "integrations.other", "OtherError", ("Tjenesten svarer ikke",), "OtherError('…')"
    )

    assert pipeline.error_text(wrapped) == "Tjenesten svarer ikke"
