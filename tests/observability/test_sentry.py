"""Sentry: started only with a DSN, and no personal data in what it would send."""

from __future__ import annotations

import json

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from renos.observability import context
from renos.observability.sentry import before_send
from renos.settings_logging import sentry_settings
from tests.deploy.helpers import run

CUSTOMER_EMAIL = "kunde@example.dk"
CUSTOMER_PHONE = "+4531456789"


def realistic_event() -> dict:
    """An error in the SMS webhook as the Django integration reports it, after the SDK's own serialisation."""
    return {
        "event_id": "9f2c4e6a8b0d4c1e9f2c4e6a8b0d4c1e",
        "level": "error",
        "platform": "python",
        "environment": "production",
        "logger": "django.request",
        "logentry": {
            "message": "SMS from %s could not be stored for %s",
            "params": [CUSTOMER_PHONE, CUSTOMER_EMAIL],
            "formatted": f"SMS from {CUSTOMER_PHONE} could not be stored for {CUSTOMER_EMAIL}",
        },
        "request": {
            "url": "https://renos.rendetalje.dk/api/webhooks/twilio/sms/",
            "method": "POST",
            "query_string": "email=kunde%40example.dk&phone=%2B45+31+45+67+89&page=2",
            "headers": {
                "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.secret",
                "Cookie": "sessionid=abc123; csrftoken=def456",
                "X-Twilio-Signature": "c2lnbmF0dXJl",
                "X-Forwarded-For": "203.0.113.7",
                "User-Agent": "TwilioProxy/1.1",
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Request-ID": "lb-7f3a9c2e4d1b-0001",
            },
            "cookies": {"sessionid": "abc123"},
            "data": {"From": CUSTOMER_PHONE, "Body": "Hej, jeg tager tid 2. Mvh Peter Sørensen"},
            "env": {"REMOTE_ADDR": "203.0.113.7", "SERVER_NAME": "renos"},
        },
        "user": {"id": "7", "email": "kontor@rendetalje.dk", "ip_address": "203.0.113.7", "username": "kontor"},
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": f"duplicate key value violates unique constraint\nDETAIL: Key (email)=({CUSTOMER_EMAIL})",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "messaging/sms.py",
                                "function": "sms_record_inbound",
                                "lineno": 42,
                                "vars": {
                                    "from_number": f"'{CUSTOMER_PHONE}'",
                                    "body": "'Hej, jeg tager tid 2. Mvh Peter Sørensen'",
                                    "customer_name": "'Peter Sørensen'",
                                    "lead_id": "'0b7e6c1e-1f7a-4d55-8d7e-2b1c3a4d5e6f'",
                                    "note": "'ring på 31 45 67 89'",
                                    "attempt": "2",
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {
                    "category": "messaging.sms",
                    "message": f"SMS received from {CUSTOMER_PHONE}",
                    "data": {"phone_number": CUSTOMER_PHONE, "sms_id": "5d0c7a4e-6b1f-4e8a-9c2d-3e4f5a6b7c8d"},
                }
            ]
        },
        "tags": {"url": "/api/webhooks/twilio/sms/"},
    }


def test_before_send_leaves_no_personal_data_in_a_realistic_event():
    event = before_send(realistic_event(), {})
    sent = json.dumps(event, ensure_ascii=False)

    for personal in (CUSTOMER_EMAIL, "kunde%40example.dk", "31456789", "31 45 67 89", "Sørensen", "203.0.113.7"):
        assert personal not in sent, personal
    assert "kontor@rendetalje.dk" not in sent and "eyJhbGciOiJIUzI1NiJ9" not in sent and "sessionid" not in sent
    request = event["request"]
    assert "data" not in request and "cookies" not in request and "env" not in request
    assert request["headers"] == {
        "User-Agent": "TwilioProxy/1.1",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Request-ID": "lb-7f3a9c2e4d1b-0001",
    }
    assert request["query_string"] == "email=%5BFiltered%5D&phone=%5BFiltered%5D&page=2"
    assert event["user"] == {"id": "7"}
    assert event["logentry"]["formatted"] == "SMS from [phone] could not be stored for [email]"
    exception = event["exception"]["values"][0]
    assert exception["value"].endswith("Key (email)=([email])")
    frame_vars = exception["stacktrace"]["frames"][0]["vars"]
    assert frame_vars["body"] == frame_vars["customer_name"] == frame_vars["from_number"] == "[Filtered]"
    assert frame_vars["lead_id"] == "'0b7e6c1e-1f7a-4d55-8d7e-2b1c3a4d5e6f'"
    assert frame_vars["note"] == "'ring på [phone]'"
    assert event["breadcrumbs"]["values"][0]["message"] == "SMS received from [phone]"
    assert event["breadcrumbs"]["values"][0]["data"]["sms_id"] == "5d0c7a4e-6b1f-4e8a-9c2d-3e4f5a6b7c8d"


def test_before_send_tags_the_event_with_the_ids_of_the_logs():
    request_token = context.request_id.set("lb-7f3a9c2e4d1b-0001")
    task_token = context.task_id.set("5d0c7a4e-6b1f-4e8a-9c2d-3e4f5a6b7c8d")
    try:
        event = before_send({"message": "boom"}, {})
    finally:
        context.task_id.reset(task_token)
        context.request_id.reset(request_token)

    assert event["tags"] == {"request_id": "lb-7f3a9c2e4d1b-0001", "task_id": "5d0c7a4e-6b1f-4e8a-9c2d-3e4f5a6b7c8d"}


# Starts RenOS's settings in a fresh process (Sentry's init is process-wide), swaps the client's HTTP transport for
# one that records, and reports the client and the event an exception would send.
SENTRY_PROBE = """
import json, django
django.setup()
import sentry_sdk
from sentry_sdk.transport import Transport

class Recording(Transport):
    def __init__(self):
        super().__init__()
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

client = sentry_sdk.get_client()
report = {"active": client.is_active()}
if client.is_active():
    client.transport = recording = Recording()
    try:
        raise ValueError("SMS to +4531456789 for kunde@example.dk failed")
    except ValueError:
        sentry_sdk.capture_exception()
    options = client.options
    report.update(
        integrations=sorted(client.integrations),
        send_default_pii=options["send_default_pii"],
        environment=options["environment"],
        release=options["release"],
        traces_sample_rate=options["traces_sample_rate"],
        events=[envelope.get_event() for envelope in recording.envelopes],
    )
print(json.dumps(report, default=str))
"""


def probe_sentry(tmp_path, **env: str) -> dict:
    result = run(["-c", SENTRY_PROBE], {"DJANGO_SETTINGS_MODULE": "renos.settings", **env}, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_dsn_sentry_is_not_started(tmp_path):
    assert probe_sentry(tmp_path, SENTRY_DSN="") == {"active": False}


def test_with_a_dsn_sentry_starts_with_django_and_celery_and_sends_scrubbed_errors(tmp_path):
    report = probe_sentry(
        tmp_path,
        # A loopback port nothing listens on: the recording transport replaces the HTTP one anyway.
        SENTRY_DSN="http://public@127.0.0.1:9/1",
        DJANGO_ENV="local",
        SENTRY_RELEASE="renos@1.4.2",
        SENTRY_TRACES_SAMPLE_RATE="0.25",
    )

    assert report["active"] is True
    assert {"django", "celery"} <= set(report["integrations"])
    assert report["send_default_pii"] is False
    assert (report["environment"], report["release"], report["traces_sample_rate"]) == ("local", "renos@1.4.2", 0.25)
    [event] = report["events"]
    assert event["exception"]["values"][-1]["value"] == "SMS to [phone] for [email] failed"
    assert "kunde@example.dk" not in json.dumps(event) and "4531456789" not in json.dumps(event)


def test_a_bad_dsn_stops_the_start_with_a_clear_message(tmp_path):
    result = run(
        ["-c", "import django; django.setup()"],
        {"DJANGO_SETTINGS_MODULE": "renos.settings", "SENTRY_DSN": "not-a-dsn"},
        tmp_path,
    )

    assert result.returncode != 0
    assert "SENTRY_DSN is not a valid Sentry DSN" in result.stderr


@pytest.mark.parametrize("rate", ["lots", "1.5", "-0.1"])
def test_a_traces_sample_rate_outside_0_to_1_is_refused(monkeypatch, rate):
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", rate)
    monkeypatch.delenv("SENTRY_DSN", raising=False)

    with pytest.raises(ImproperlyConfigured, match="SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1"):
        sentry_settings(environ.Env(), environment="local")
