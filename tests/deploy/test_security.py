"""Rate limits on the logins and the webhooks, and the admin under a configurable path."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from messaging.models import SmsMessage
from renos.api.throttling import LoginIPThrottle, LoginUsernameThrottle, WebhookThrottle
from tests.deploy.helpers import ROOT

pytestmark = pytest.mark.django_db

TOKEN = "test-token"
PUBLIC_BASE_URL = "https://renos.example.dk"
SMS_PATH = "/api/webhooks/twilio/sms/"


@pytest.fixture
def twilio(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL


def signed_sms(client, sid: str, address: str):
    params = {"From": "+4520112233", "Body": "2", "MessageSid": sid}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE_URL + SMS_PATH, params)
    return client.post(SMS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature, REMOTE_ADDR=address)


def test_webhook_calls_are_limited_per_source_address(client, twilio, monkeypatch):
    monkeypatch.setattr(WebhookThrottle, "THROTTLE_RATES", {"webhook": "3/1m"})
    for _ in range(3):
        assert client.post(SMS_PATH, {"Body": "forged"}, REMOTE_ADDR="10.0.0.1").status_code == 403

    limited = signed_sms(client, "SM-limited", "10.0.0.1")

    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60
    assert not SmsMessage.objects.filter(twilio_message_id="SM-limited").exists()
    assert signed_sms(client, "SM-other-address", "10.0.0.2").status_code == 200
    assert SmsMessage.objects.filter(twilio_message_id="SM-other-address").exists()


def test_a_limited_address_is_served_again_after_the_window(client, twilio, monkeypatch):
    monkeypatch.setattr(WebhookThrottle, "THROTTLE_RATES", {"webhook": "1/1m"})
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert client.post(SMS_PATH, {}, REMOTE_ADDR="10.0.0.1").status_code == 403
        assert client.post(SMS_PATH, {}, REMOTE_ADDR="10.0.0.1").status_code == 429

        traveller.shift(timedelta(seconds=61))

        assert signed_sms(client, "SM-later", "10.0.0.1").status_code == 200


@pytest.mark.parametrize("path", ["/api/webhooks/gmail/push/", "/api/webhooks/twilio/status/", SMS_PATH])
def test_every_webhook_is_limited(client, monkeypatch, path):
    monkeypatch.setattr(WebhookThrottle, "THROTTLE_RATES", {"webhook": "1/1m"})
    client.post(path, {}, REMOTE_ADDR="10.0.0.9")

    assert client.post(path, {}, REMOTE_ADDR="10.0.0.9").status_code == 429


def admin_login(client, username: str, password: str, address: str = "10.1.1.1"):
    # As the login form posts it, with the page to go to afterwards.
    data = {"username": username, "password": password, "next": reverse("admin:index")}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address)


def test_admin_login_attempts_are_limited_per_address(client, superuser, monkeypatch):
    monkeypatch.setattr(LoginIPThrottle, "THROTTLE_RATES", {"login_ip": "2/15m"})
    for _ in range(3):
        assert client.get(reverse("admin:login"), REMOTE_ADDR="10.1.1.1").status_code == 200  # looking is free
    assert admin_login(client, "a", "forkert").status_code == 200
    assert admin_login(client, "b", "forkert").status_code == 200

    locked = admin_login(client, superuser.username, "kodeord-123")

    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session
    assert admin_login(client, superuser.username, "kodeord-123", address="10.1.1.2").status_code == 302


def test_admin_login_attempts_are_limited_per_username_across_addresses(client, superuser, monkeypatch):
    monkeypatch.setattr(LoginUsernameThrottle, "THROTTLE_RATES", {"login_username": "2/15m"})
    assert admin_login(client, superuser.username, "forkert", address="10.2.0.1").status_code == 200
    assert admin_login(client, superuser.username.upper(), "forkert", address="10.2.0.2").status_code == 200

    assert admin_login(client, superuser.username, "kodeord-123", address="10.2.0.3").status_code == 429
    assert admin_login(client, "someone-else", "forkert", address="10.2.0.3").status_code == 200


def test_a_staff_member_within_the_limit_logs_in(client, superuser):
    response = admin_login(client, superuser.username, "kodeord-123")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_no_code_hard_codes_the_admin_path():
    # The admin lives under settings.ADMIN_URL (DJANGO_ADMIN_URL): links go through reverse("admin:…").
    # The benchmarks measure a development checkout, where the admin is at its default path.
    skipped = [ROOT / ".venv", ROOT / "tests", ROOT / "renos" / "benchmarks"]
    sources = [
        path
        for pattern in ("*/**/*.py", "templates/**/*.html", "templates/**/*.txt")
        for path in ROOT.glob(pattern)
        if not any(path.is_relative_to(folder) for folder in skipped)
    ]

    assert [str(path.relative_to(ROOT)) for path in sources if '"/admin/' in path.read_text(encoding="utf-8")] == []
