"""Forged calls to the inbound edges change nothing: a 403, no rows written, and no task on the real broker."""

from __future__ import annotations

import pytest
import redis
import responses
from django.conf import settings

from leads.models import Activity
from messaging.models import SmsMessage
from tests.factories import LeadFactory, SlotOfferFactory, SmsMessageFactory
from tests.integrations.test_pubsub import AUDIENCE, CERTS_URL, KEY_ID, PUSH_ACCOUNT, make_token, rsa_key_and_cert
from tests.resilience.conftest import declare_queues
from tests.test_webhooks import push_body
from tests.test_webhooks_twilio import SMS_PATH, STATUS_PATH, inbound, post, status_callback

pytestmark = pytest.mark.resilience

GMAIL_PUSH = "/api/webhooks/gmail/push/"


@pytest.fixture
def edges(settings):
    settings.TWILIO_AUTH_TOKEN = "test-token"
    settings.PUBLIC_BASE_URL = "https://renos.example.dk"
    settings.PUBSUB_PUSH_AUDIENCE = AUDIENCE
    settings.PUBSUB_PUSH_SERVICE_ACCOUNT = PUSH_ACCOUNT
    declare_queues()  # so a task queued by mistake would show up in Redis, not be dropped
    google_key, google_cert = rsa_key_and_cert()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        google.get(CERTS_URL, json={KEY_ID: google_cert})
        yield


def forged_twilio_sms(client, offer):
    return post(client, SMS_PATH, inbound("2", sender=offer.lead.customer_phone), HTTP_X_TWILIO_SIGNATURE="Zm9yZ2Vk")


def forged_twilio_status(client, offer):
    return post(
        client,
        STATUS_PATH,
        status_callback(offer.sms.twilio_message_id, "failed", "30003"),
        HTTP_X_TWILIO_SIGNATURE="Zm9yZ2Vk",
    )


def push_signed_by_someone_else(client, offer):
    forger_key, _ = rsa_key_and_cert()
    token = make_token(forger_key)
    return client.post(GMAIL_PUSH, push_body(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
@pytest.mark.parametrize("forge", [forged_twilio_sms, forged_twilio_status, push_signed_by_someone_else])
def test_a_forged_webhook_is_refused_and_changes_nothing(client, edges, django_capture_on_commit_callbacks, forge):
    lead = LeadFactory()
    offer = SlotOfferFactory(lead=lead, sms=SmsMessageFactory(lead=lead))  # an offer sent, awaiting the reply
    before = (SmsMessage.objects.count(), Activity.objects.count(), offer.sms.status)

    with django_capture_on_commit_callbacks(execute=True):
        response = forge(client, offer)

    offer.sms.refresh_from_db()
    broker = redis.Redis.from_url(settings.REDIS_URL)
    queued = sum(broker.llen(queue) for queue in settings.RENOS_CELERY_QUEUES)
    after = (SmsMessage.objects.count(), Activity.objects.count(), offer.sms.status)
    assert (response.status_code, after, queued) == (403, before, 0)
