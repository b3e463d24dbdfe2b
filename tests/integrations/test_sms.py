"""SMS: Twilio against a fake HttpClient (the real twilio Client runs), the local log, and the webhook helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import environ
import pytest
import requests
import time_machine
from django.http import QueryDict
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

from integrations.sms import (
    LocalSms,
    OutgoingSms,
    SentSms,
    SmsError,
    TwilioSms,
    get_sms_sender,
    public_url,
    twilio_signature_valid,
    twiml_message,
)
from renos.settings_sms import sms_settings

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
MESSAGE_SID = "SM" + "fedcba9876543210" * 2
OUR_NUMBER = "+4578787878"
CUSTOMER = "+4520112233"
BODY = (
    "Hej Søren Ærø!\n\nVælg dit foretrukne tidspunkt:\n1️⃣ I morgen kl. 10:00\n2️⃣ I morgen kl. 14:00\n"
    "3️⃣ I overmorgen kl. 09:00\n\nSvar med 1, 2 eller 3 for at booke. 🧹\n\nMvh Rendetalje"
)
CALLBACK = "https://renos.rendetalje.dk/webhooks/twilio/status/"


class FakeTwilioHttp(HttpClient):
    """Twilio's HTTP edge: records each request and answers with the next queued Response (or raises it)."""

    def __init__(self, *answers: Response | Exception) -> None:
        super().__init__(logging.getLogger("tests.twilio"), is_async=False)
        self.answers = list(answers)
        self.requests: list[dict] = []

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ) -> Response:
        self.requests.append({"method": method, "uri": uri, "data": data, "headers": headers, "auth": auth})
        if not self.answers:
            raise AssertionError(f"An unexpected request to Twilio: {method} {uri}")
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def created(status: str = "queued") -> Response:
    """Twilio's 201 answer to a new message (the fields the library reads; Twilio sends more)."""
    body = {
        "sid": MESSAGE_SID,
        "account_sid": ACCOUNT_SID,
        "to": CUSTOMER,
        "from": OUR_NUMBER,
        "body": BODY,
        "status": status,
        "num_segments": "2",
        "direction": "outbound-api",
        "date_created": "Tue, 02 Dec 2025 09:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}.json",
    }
    return Response(201, json.dumps(body), {"Content-Type": "application/json"})


def twilio_error(status: int, code: int, message: str) -> Response:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(status, json.dumps(body), {"Content-Type": "application/json"})


def twilio_sms(http: FakeTwilioHttp, **kwargs) -> TwilioSms:
    options = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": OUR_NUMBER, **kwargs}
    return TwilioSms(http_client=http, **options)


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_PHONE_NUMBER = OUR_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_TIMEOUT_SECONDS = 15.0
    settings.PUBLIC_BASE_URL = "https://renos.rendetalje.dk"
    return settings


# --- Twilio -------------------------------------------------------------------------------------------------------


def test_twilio_posts_the_message_with_its_status_callback_and_returns_the_sid():
    http = FakeTwilioHttp(created("queued"))

    sent = twilio_sms(http).send(OutgoingSms(to=CUSTOMER, body=BODY, status_callback=CALLBACK))

    assert sent == SentSms(sid=MESSAGE_SID, status="queued")
    (request,) = http.requests
    assert request["method"] == "POST"
    assert request["uri"] == MESSAGES_URL
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)
    assert request["data"] == {"To": CUSTOMER, "Body": BODY, "From": OUR_NUMBER, "StatusCallback": CALLBACK}


def test_twilio_sends_through_the_messaging_service_when_one_is_set():
    http = FakeTwilioHttp(created("accepted"))
    sender = twilio_sms(http, from_number="", messaging_service_sid="MG" + "1" * 32)

    sent = sender.send(OutgoingSms(to=CUSTOMER, body="Tak for din booking!"))

    assert sent.status == "accepted"
    assert http.requests[0]["data"] == {
        "To": CUSTOMER,
        "Body": "Tak for din booking!",
        "MessagingServiceSid": "MG" + "1" * 32,
    }


def test_an_invalid_number_is_a_permanent_error_with_twilios_code():
    http = FakeTwilioHttp(twilio_error(400, 21211, "The 'To' number +4500000000 is not a valid phone number."))

    with pytest.raises(SmsError) as caught:
        twilio_sms(http).send(OutgoingSms(to="+4500000000", body=BODY))

    assert caught.value.permanent is True
    assert caught.value.code == "21211"
    assert "not a valid phone number" in str(caught.value)


def test_a_refused_login_is_permanent():
    http = FakeTwilioHttp(twilio_error(401, 20003, "Authenticate"))

    with pytest.raises(SmsError) as caught:
        twilio_sms(http).send(OutgoingSms(to=CUSTOMER, body=BODY))

    assert (caught.value.permanent, caught.value.code) == (True, "20003")


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        pytest.param(twilio_error(429, 20429, "Too Many Requests"), "20429", id="429-too-many-requests"),
        pytest.param(twilio_error(500, 20500, "Internal Server Error"), "20500", id="500-with-a-twilio-code"),
        pytest.param(Response(502, "<html>Bad Gateway</html>"), None, id="502-without-a-json-body"),
        pytest.param(Response(503, ""), None, id="503-empty"),
    ],
)
def test_rate_limits_and_server_errors_are_transient(answer, code):
    with pytest.raises(SmsError) as caught:
        twilio_sms(FakeTwilioHttp(answer)).send(OutgoingSms(to=CUSTOMER, body=BODY))

    assert caught.value.permanent is False
    assert caught.value.code == code


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("Read timed out. (read timeout=15)"),
        requests.exceptions.ConnectTimeout("Connection to api.twilio.com timed out"),
        requests.exceptions.ConnectionError("Connection refused"),
    ],
    ids=["read-timeout", "connect-timeout", "connection-refused"],
)
def test_timeouts_and_network_errors_are_transient(failure):
    # TwilioHttpClient does not wrap requests' exceptions: they reach the adapter as they are.
    with pytest.raises(SmsError) as caught:
        twilio_sms(FakeTwilioHttp(failure)).send(OutgoingSms(to=CUSTOMER, body=BODY))

    assert caught.value.permanent is False
    assert caught.value.code is None
    assert isinstance(caught.value.__cause__, requests.exceptions.RequestException)


def test_a_success_that_is_not_json_is_transient():
    with pytest.raises(SmsError) as caught:
        twilio_sms(FakeTwilioHttp(Response(201, "<html>proxy</html>"))).send(OutgoingSms(to=CUSTOMER, body=BODY))

    assert caught.value.permanent is False


@pytest.mark.parametrize("to", ["20112233", "+45 20 11 22 33", "", "+0123456789"])
def test_a_number_not_in_e164_is_refused_before_calling_twilio(to):
    http = FakeTwilioHttp()

    with pytest.raises(SmsError) as caught:
        twilio_sms(http).send(OutgoingSms(to=to, body=BODY))

    assert caught.value.permanent is True
    assert http.requests == []


def test_from_settings_gives_every_call_a_timeout(twilio_settings):
    twilio_settings.TWILIO_TIMEOUT_SECONDS = 7.5

    sender = TwilioSms.from_settings()

    assert isinstance(sender.client.http_client, TwilioHttpClient)
    assert sender.client.http_client.timeout == 7.5


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": ""}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_PHONE_NUMBER": "", "TWILIO_MESSAGING_SERVICE_SID": ""}, "TWILIO_PHONE_NUMBER"),
    ],
)
def test_twilio_without_configuration_is_a_permanent_error(twilio_settings, changes, missing):
    for name, value in changes.items():
        setattr(twilio_settings, name, value)

    with pytest.raises(SmsError, match=missing) as caught:
        TwilioSms.from_settings()

    assert caught.value.permanent is True


# --- Local log ----------------------------------------------------------------------------------------------------


def test_local_sms_appends_the_whole_message_to_the_log(tmp_path):
    log_file = tmp_path / "var" / "sms.log"

    with time_machine.travel(datetime(2025, 12, 2, 9, 0, tzinfo=UTC), tick=False):
        sent = LocalSms(log_file).send(OutgoingSms(to=CUSTOMER, body=BODY, status_callback=CALLBACK))

    assert re.fullmatch(r"LOCAL[0-9a-f]{32}", sent.sid)
    assert sent.status == "sent"
    assert log_file.read_text(encoding="utf-8") == (
        f"=== 2025-12-02T10:00:00+01:00 til {CUSTOMER} ({sent.sid})\n{BODY}\n\n"
    )


def test_two_local_messages_make_two_blocks_with_their_own_sids(tmp_path):
    log_file = tmp_path / "sms.log"
    sender = LocalSms(log_file)

    first = sender.send(OutgoingSms(to=CUSTOMER, body="Første besked 😀"))
    second = sender.send(OutgoingSms(to="+4530303030", body="Anden besked: æøå ÆØÅ"))

    assert first.sid != second.sid
    text = log_file.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    assert blocks[0].endswith(f"til {CUSTOMER} ({first.sid})\nFørste besked 😀")
    assert blocks[1].endswith(f"til +4530303030 ({second.sid})\nAnden besked: æøå ÆØÅ")
    assert blocks[2:] == [""]


def test_local_sms_refuses_what_twilio_would_refuse(tmp_path):
    with pytest.raises(SmsError) as caught:
        LocalSms(tmp_path / "sms.log").send(OutgoingSms(to="20112233", body="Hej"))

    assert caught.value.permanent is True
    assert not (tmp_path / "sms.log").exists()


def test_local_sms_reports_a_log_it_cannot_write(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")

    with pytest.raises(SmsError):
        LocalSms(blocker / "sms.log").send(OutgoingSms(to=CUSTOMER, body="Hej"))


# --- Choosing the sender ------------------------------------------------------------------------------------------


def test_get_sms_sender_follows_sms_backend(twilio_settings, tmp_path):
    twilio_settings.SMS_LOG_FILE = tmp_path / "sms.log"
    twilio_settings.SMS_BACKEND = "integrations.sms.LocalSms"
    local = get_sms_sender()
    twilio_settings.SMS_BACKEND = "integrations.sms.TwilioSms"
    real = get_sms_sender()

    assert isinstance(local, LocalSms)
    assert local.log_file == tmp_path / "sms.log"
    assert isinstance(real, TwilioSms)


def test_settings_default_to_the_local_log_without_twilio_credentials(monkeypatch, tmp_path):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMS_BACKEND", "SMS_LOG_FILE", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)  # a sid alone is not enough

    values = sms_settings(environ.Env(), tmp_path)

    assert values["SMS_BACKEND"] == "integrations.sms.LocalSms"
    assert values["SMS_LOG_FILE"] == tmp_path / "sms.log"
    assert values["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"
    assert values["TWILIO_TIMEOUT_SECONDS"] == 15.0


def test_settings_default_to_twilio_with_credentials(monkeypatch, tmp_path):
    monkeypatch.delenv("SMS_BACKEND", raising=False)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://renos.rendetalje.dk/")

    values = sms_settings(environ.Env(), tmp_path)

    assert values["SMS_BACKEND"] == "integrations.sms.TwilioSms"
    assert values["PUBLIC_BASE_URL"] == "https://renos.rendetalje.dk"


# --- Webhook signature --------------------------------------------------------------------------------------------

WEBHOOK_URL = "https://renos.rendetalje.dk/webhooks/twilio/sms/"
INCOMING = {
    "MessageSid": "SM" + "a" * 32,
    "AccountSid": ACCOUNT_SID,
    "From": CUSTOMER,
    "To": OUR_NUMBER,
    "Body": "Nr. 2 tak 😊 – Søren",
    "NumMedia": "0",
}


def signed(url: str, params, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


GENUINE = signed(WEBHOOK_URL, INCOMING)


def test_a_signature_by_twilio_is_valid(twilio_settings):
    assert twilio_signature_valid(url=WEBHOOK_URL, params=INCOMING, signature=signed(WEBHOOK_URL, INCOMING)) is True


def test_the_form_of_a_django_request_can_be_checked(twilio_settings):
    form = QueryDict(mutable=True)
    form.update(INCOMING)
    form.appendlist("MediaUrl0", "https://api.twilio.com/media/1")

    signature = signed(WEBHOOK_URL, {**INCOMING, "MediaUrl0": "https://api.twilio.com/media/1"})

    assert twilio_signature_valid(url=WEBHOOK_URL, params=form, signature=signature) is True


def test_pairs_with_a_repeated_name_are_signed_value_by_value(twilio_settings):
    pairs = [*INCOMING.items(), ("MediaUrl", "https://a.example/1"), ("MediaUrl", "https://a.example/2")]
    # Twilio signs each value of a repeated name, sorted.
    payload = WEBHOOK_URL + "".join(f"{name}{value}" for name, value in sorted(pairs))
    signature = base64.b64encode(hmac.new(AUTH_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()).decode()

    assert twilio_signature_valid(url=WEBHOOK_URL, params=pairs, signature=signature) is True
    assert twilio_signature_valid(url=WEBHOOK_URL, params=pairs[:-1], signature=signature) is False


@pytest.mark.parametrize(
    ("url", "params", "signature"),
    [
        pytest.param(WEBHOOK_URL, INCOMING, "bm90IGEgc2lnbmF0dXJl", id="wrong-signature"),
        pytest.param(WEBHOOK_URL, INCOMING, None, id="missing"),
        pytest.param(WEBHOOK_URL, INCOMING, "", id="empty"),
        pytest.param("http://127.0.0.1:8000/webhooks/twilio/sms/", INCOMING, GENUINE, id="other-host"),
        pytest.param("http://renos.rendetalje.dk/webhooks/twilio/sms/", INCOMING, GENUINE, id="http-not-https"),
        pytest.param(WEBHOOK_URL + "?lead=1", INCOMING, GENUINE, id="other-query"),
        pytest.param(WEBHOOK_URL, {**INCOMING, "Body": "Nr. 3 tak"}, GENUINE, id="changed-param"),
        pytest.param(WEBHOOK_URL, {**INCOMING, "Extra": "1"}, GENUINE, id="added-param"),
        pytest.param(WEBHOOK_URL, {k: v for k, v in INCOMING.items() if k != "Body"}, GENUINE, id="removed-param"),
    ],
)
def test_anything_twilio_did_not_sign_is_invalid(twilio_settings, url, params, signature):
    assert twilio_signature_valid(url=url, params=params, signature=signature) is False


def test_a_signature_by_another_account_is_invalid(twilio_settings):
    assert not twilio_signature_valid(url=WEBHOOK_URL, params=INCOMING, signature=signed(WEBHOOK_URL, INCOMING, "x"))


def test_without_an_auth_token_nothing_is_valid(twilio_settings):
    signature = signed(WEBHOOK_URL, INCOMING, token="")
    twilio_settings.TWILIO_AUTH_TOKEN = ""

    assert twilio_signature_valid(url=WEBHOOK_URL, params=INCOMING, signature=signature) is False


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("https://renos.rendetalje.dk", "/webhooks/twilio/sms/", "https://renos.rendetalje.dk/webhooks/twilio/sms/"),
        ("https://renos.rendetalje.dk/", "webhooks/twilio/sms/", "https://renos.rendetalje.dk/webhooks/twilio/sms/"),
        ("http://127.0.0.1:8000", "/webhooks/twilio/status/", "http://127.0.0.1:8000/webhooks/twilio/status/"),
    ],
)
def test_public_url_joins_the_base_and_the_path(settings, base, path, expected):
    settings.PUBLIC_BASE_URL = base

    assert public_url(path) == expected


# --- TwiML --------------------------------------------------------------------------------------------------------


def test_twiml_message_replies_with_the_text_escaped():
    text = "Tak, Søren! Vi kommer tirsdag kl. 10 & tager <alt> med 🧹"

    xml = twiml_message(text)

    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml.split("?>", 1)[1])
    assert root.tag == "Response"
    assert [(child.tag, child.text) for child in root] == [("Message", text)]


@pytest.mark.parametrize("text", [None, ""])
def test_twiml_without_text_is_an_empty_response(text):
    assert twiml_message(text) == '<?xml version="1.0" encoding="UTF-8"?><Response />'
