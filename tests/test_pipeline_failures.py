"""An outside service that refuses for good flags the lead at once; one that is down is retried."""

from __future__ import annotations

import pytest

from integrations.sms import SmsError
from leads.models import Activity
from renos import pipeline
from tests.factories import BookingFactory


class RefusingSms:
    """Twilio refusing the number (error 21211), counting how often it was asked."""

    attempts = 0
    permanent = True

    @classmethod
    def from_settings(cls) -> RefusingSms:
        return cls()

    def send(self, sms):
        RefusingSms.attempts += 1
        raise SmsError("The 'To' number is not a valid phone number.", permanent=RefusingSms.permanent, code="21211")


@pytest.fixture
def refusing_sms(settings):
    settings.SMS_BACKEND = "tests.test_pipeline_failures.RefusingSms"
    RefusingSms.attempts, RefusingSms.permanent = 0, True
    return RefusingSms


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("task", "kwargs"),
    [
        (pipeline.confirm_booking, {}),
        (pipeline.send_booking_reminder, {}),
        (pipeline.notify_booking_change, {"kind": "cancelled"}),
    ],
)
def test_a_number_twilio_refuses_flags_the_lead_without_retrying(refusing_sms, celery_eager, task, kwargs):
    booking = BookingFactory(customer_email="")

    task.delay(booking_id=str(booking.pk), **kwargs)

    assert refusing_sms.attempts == 1
    booking.lead.refresh_from_db()
    assert booking.lead.needs_follow_up
    assert "not a valid phone number" in booking.lead.last_error
    assert booking.lead.activities.filter(status=Activity.Status.ERROR).exists()


@pytest.mark.django_db
def test_twilio_down_is_retried_before_the_lead_is_flagged(refusing_sms, celery_eager):
    refusing_sms.permanent = False
    booking = BookingFactory(customer_email="")

    pipeline.confirm_booking.delay(booking_id=str(booking.pk))

    assert refusing_sms.attempts == pipeline.RETRY["max_retries"] + 1
    booking.lead.refresh_from_db()
    assert booking.lead.needs_follow_up
