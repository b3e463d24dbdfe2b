"""SMS in and out: every message recorded before it is sent, Twilio's sid and status kept on it, inbound SMS tied to
the right lead, and delivery callbacks that never move a message back.

Twilio is faked at its HTTP edge (the real twilio Client runs); locally, SMS are blocks in a log file.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from twilio.http import HttpClient
from twilio.http.response import Response

from integrations.sms import SmsError, TwilioSms
from messaging.models import Direction, SmsMessage
from messaging.sms import sms_deliver, sms_record_inbound, sms_send, sms_update_status
from tests.factories import CustomerFactory, LeadFactory, SlotOfferFactory, SmsMessageFactory

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-token"
OUR_NUMBER = "+4578787878"
PUBLIC_BASE_URL = "https://renos.example.dk"
STATUS_CALLBACK = "https://renos.example.dk/api/webhooks/twilio/status/"
PHONE = "+4520112233"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


# --- shared with the booking tests: the local log and Twilio's HTTP edge -----------------------------------------


def sms_log(path: Path) -> list[tuple[str, str]]:
    """(to, text) of every SMS the local sender wrote to `path`, in order."""
    if not path.exists():
        return []
    parts = re.split(r"^=== \S+ til (\S+) \(\S+\)\n", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [(to, text.rstrip("\n")) for to, text in zip(parts[1::2], parts[2::2], strict=True)]


class FakeTwilioHttp(HttpClient):
    """Twilio's HTTP edge: records each request and answers with the next queued Response (or raises it)."""

    def __init__(self, *answers: Response | Exception) -> None:
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.answers = list(answers)
        self.requests: list[dict] = []

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ) -> Response:
        self.requests.append({"method": method, "uri": uri, "data": data})
        if not self.answers:
            raise AssertionError(f"An unexpected request to Twilio: {method} {uri}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def twilio_created(sid: str, status: str = "queued") -> Response:
    """Twilio's 201 answer to a new message (the fields the library reads)."""
    body = {"sid": sid, "account_sid": ACCOUNT_SID, "status": status, "from": OUR_NUMBER, "direction": "outbound-api"}
    return Response(201, json.dumps(body), {"Content-Type": "application/json"})


def twilio_refused(status: int, code: int, message: str) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(status, json.dumps(body), {"Content-Type": "application/json"})


class TwilioAtItsEdge:
    """An SMS_BACKEND for tests: the real TwilioSms, talking to the FakeTwilioHttp in `http`."""

    http: FakeTwilioHttp | None = None

    @classmethod
    def from_settings(cls) -> TwilioSms:
        assert cls.http is not None, "set TwilioAtItsEdge.http first"
        return TwilioSms(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=OUR_NUMBER, http_client=cls.http)


@pytest.fixture
def twilio(settings):
    """SMS go to a faked Twilio; queue its answers on the returned FakeTwilioHttp."""
    settings.SMS_BACKEND = "tests.messaging.test_sms.TwilioAtItsEdge"
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    TwilioAtItsEdge.http = FakeTwilioHttp()
    yield TwilioAtItsEdge.http
    TwilioAtItsEdge.http = None


@pytest.fixture
def local_sms(settings, tmp_path):
    settings.SMS_BACKEND = "integrations.sms.LocalSms"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"
    return settings.SMS_LOG_FILE


# --- sending ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_sms_goes_to_twilio_with_our_public_status_callback_and_keeps_the_sid(twilio):
    twilio.answers.append(twilio_created("SM" + "a" * 32, "queued"))
    lead = LeadFactory(customer=CustomerFactory(phone=PHONE))

    with time_machine.travel(NOW, tick=False):
        record = sms_send(lead=lead, to=PHONE, body="Hej! Din tid er booket.", message_type=SmsMessage.Type.REMINDER)

    (request,) = twilio.requests
    assert request["data"] == {
        "To": PHONE,
        "Body": "Hej! Din tid er booket.",
        "From": OUR_NUMBER,
        "StatusCallback": STATUS_CALLBACK,
    }
    record.refresh_from_db()
    assert record.twilio_message_id == "SM" + "a" * 32
    assert record.status == SmsMessage.Status.PENDING  # queued at Twilio: the callbacks tell the rest
    assert (record.direction, record.lead, record.sent_at) == (Direction.OUTBOUND, lead, NOW)
    lead.customer.refresh_from_db()
    assert lead.customer.last_contact_at == NOW


@pytest.mark.django_db
def test_an_sms_twilio_refuses_is_kept_as_failed_with_twilios_error_code(twilio):
    twilio.answers.append(twilio_refused(400, 21211, "The 'To' number is not a valid phone number."))
    record = SmsMessageFactory(status=SmsMessage.Status.PENDING, twilio_message_id=None)

    with pytest.raises(SmsError) as raised:
        sms_deliver(record=record)

    assert raised.value.permanent is True
    record.refresh_from_db()
    assert (record.status, record.error_code, record.twilio_message_id) == (SmsMessage.Status.FAILED, "21211", None)


@pytest.mark.django_db
def test_locally_an_sms_is_a_block_in_the_log(local_sms):
    lead = LeadFactory(customer=CustomerFactory(phone=PHONE))

    record = sms_send(lead=lead, to=PHONE, body="Hej Mette!\n\nMvh Rendetalje", message_type=SmsMessage.Type.REMINDER)

    assert sms_log(local_sms) == [(PHONE, "Hej Mette!\n\nMvh Rendetalje")]
    assert record.status == SmsMessage.Status.SENT and record.twilio_message_id.startswith("LOCAL")


# --- receiving ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_inbound_sms_is_stored_on_the_lead_with_that_number():
    lead = LeadFactory(customer=CustomerFactory(phone=PHONE))
    LeadFactory()  # someone else

    sms, created = sms_record_inbound(from_number=PHONE, body="2", sid="SM" + "1" * 32)

    assert created
    assert (sms.lead, sms.direction, sms.status) == (lead, Direction.INBOUND, SmsMessage.Status.RECEIVED)
    assert (sms.message_type, sms.message_content, sms.phone_number) == (SmsMessage.Type.REPLY, "2", PHONE)


@pytest.mark.django_db
def test_with_two_leads_on_one_number_the_newest_open_offer_wins():
    customer = CustomerFactory(phone=PHONE)
    with time_machine.travel(NOW, tick=False):
        waiting = LeadFactory(customer=customer)
        SlotOfferFactory(lead=waiting)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        newest_lead_without_offer = LeadFactory(customer=customer)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        older_with_newer_offer = LeadFactory(customer=customer)
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        SlotOfferFactory(lead=older_with_newer_offer)

    sms, _ = sms_record_inbound(from_number=PHONE, body="1", sid="SM" + "2" * 32)

    assert sms.lead == older_with_newer_offer
    assert sms.lead != newest_lead_without_offer


@pytest.mark.django_db
def test_without_an_open_offer_the_newest_lead_with_the_number_gets_the_sms():
    customer = CustomerFactory(phone=PHONE)
    with time_machine.travel(NOW, tick=False):
        LeadFactory(customer=customer)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        newest = LeadFactory(customer=customer)

    assert sms_record_inbound(from_number=PHONE, body="Hej", sid="")[0].lead == newest


@pytest.mark.django_db
@pytest.mark.parametrize("sender", ["+4560606060", "Rendetalje", ""])
def test_an_sms_from_a_number_nobody_knows_is_stored_on_no_lead(sender):
    LeadFactory(customer=CustomerFactory(phone=PHONE))
    LeadFactory(customer=None, customer_name="Jonas Friis", customer_email="jonas.friis@example.net")  # no phone

    sms, created = sms_record_inbound(from_number=sender, body="Hej, er det jer der gør rent?", sid="SM" + "3" * 32)

    assert created
    assert sms.lead is None
    assert (sms.phone_number, sms.message_content) == (sender, "Hej, er det jer der gør rent?")


@pytest.mark.django_db
def test_twilio_retrying_a_webhook_stores_the_sms_once():
    first, created = sms_record_inbound(from_number=PHONE, body="2", sid="SM" + "4" * 32)
    again, created_again = sms_record_inbound(from_number=PHONE, body="2", sid="SM" + "4" * 32)

    assert (created, created_again) == (True, False)
    assert again == first
    assert SmsMessage.objects.count() == 1


# --- delivery status ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_delivery_callbacks_move_a_message_forward_and_a_late_one_never_moves_it_back():
    record = SmsMessageFactory(status=SmsMessage.Status.PENDING, twilio_message_id="SM" + "5" * 32)

    assert sms_update_status(sid=record.twilio_message_id, status="sent").status == SmsMessage.Status.SENT
    with time_machine.travel(NOW, tick=False):
        delivered = sms_update_status(sid=record.twilio_message_id, status="delivered")
    late = sms_update_status(sid=record.twilio_message_id, status="sent")

    assert (delivered.status, delivered.delivered_at) == (SmsMessage.Status.DELIVERED, NOW)
    assert late.status == SmsMessage.Status.DELIVERED
    record.refresh_from_db()
    assert (record.status, record.delivered_at) == (SmsMessage.Status.DELIVERED, NOW)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("twilio_status", "stored"),
    [("failed", SmsMessage.Status.FAILED), ("undelivered", SmsMessage.Status.UNDELIVERED)],
)
def test_a_message_that_did_not_arrive_keeps_twilios_error_code(twilio_status, stored):
    record = SmsMessageFactory(status=SmsMessage.Status.SENT, twilio_message_id="SM" + "6" * 32)

    sms_update_status(sid=record.twilio_message_id, status=twilio_status, error_code="30005")

    record.refresh_from_db()
    assert (record.status, record.error_code) == (stored, "30005")


@pytest.mark.django_db
def test_a_callback_for_a_message_we_do_not_know_or_a_status_we_do_not_know_changes_nothing():
    record = SmsMessageFactory(status=SmsMessage.Status.SENT, twilio_message_id="SM" + "7" * 32)

    assert sms_update_status(sid="SM" + "8" * 32, status="delivered") is None
    assert sms_update_status(sid=record.twilio_message_id, status="read") is None

    record.refresh_from_db()
    assert record.status == SmsMessage.Status.SENT
