"""Pub/Sub push verification: real ID tokens signed with a test key, Google's certificate endpoint faked."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import responses
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from integrations.pubsub import PushAuthError, PushBodyError, parse_push_body, verify_push

CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
AUDIENCE = "https://renos.rendetalje.dk/webhooks/gmail/"
PUSH_ACCOUNT = "gmail-push@renos.iam.gserviceaccount.com"
KEY_ID = "test-key-1"


def rsa_key_and_cert() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.google.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def google_key():
    return rsa_key_and_cert()


@pytest.fixture
def google_certs(google_key):
    """Google's certificate endpoint, answering with the public half of the test key."""
    _, cert_pem = google_key
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(CERTS_URL, json={KEY_ID: cert_pem})
        yield mocked


def make_token(private_pem: bytes, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": "https://accounts.google.com",
        "aud": AUDIENCE,
        "azp": "112233445566778899",
        "sub": "112233445566778899",
        "email": PUSH_ACCOUNT,
        "email_verified": True,
        "iat": now,
        "exp": now + 3600,
    }
    payload.update(claims)
    signer = crypt.RSASigner.from_string(private_pem, key_id=KEY_ID)
    return jwt.encode(signer, {k: v for k, v in payload.items() if v is not None}).decode()


def verify(authorization):
    return verify_push(authorization, audience=AUDIENCE, service_account_email=PUSH_ACCOUNT)


def test_a_token_from_our_push_account_is_accepted(google_certs, google_key):
    claims = verify(f"Bearer {make_token(google_key[0])}")

    assert claims["email"] == PUSH_ACCOUNT
    assert claims["aud"] == AUDIENCE
    assert [call.request.url for call in google_certs.calls] == [CERTS_URL]
    assert google_certs.calls[0].request.req_kwargs["timeout"] == 10


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://someone-else.example/push"},
        {"email": "attacker@evil.iam.gserviceaccount.com"},
        {"email": None},
        {"email_verified": False},
        {"email_verified": None},
        {"iss": "https://evil.example"},
    ],
    ids=[
        "wrong audience",
        "wrong service account",
        "no email",
        "unverified email",
        "no email_verified",
        "wrong issuer",
    ],
)
def test_a_token_not_meant_for_us_is_refused(google_certs, google_key, claims):
    with pytest.raises(PushAuthError) as raised:
        verify(f"Bearer {make_token(google_key[0], **claims)}")

    assert raised.value.permanent is True


def test_an_expired_token_is_refused(google_certs, google_key):
    token = make_token(google_key[0])

    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2), tick=False), pytest.raises(PushAuthError):
        verify(f"Bearer {token}")


def test_a_token_signed_with_another_key_is_refused(google_certs):
    other_key, _ = rsa_key_and_cert()

    with pytest.raises(PushAuthError):
        verify(f"Bearer {make_token(other_key)}")


def test_a_token_with_altered_claims_is_refused(google_certs, google_key):
    header, _, signature = make_token(google_key[0], email="someone@example.dk").split(".")
    forged = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": PUSH_ACCOUNT, "email_verified": True}
    forged.update(iat=int(time.time()), exp=int(time.time()) + 3600)
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()

    with pytest.raises(PushAuthError):
        verify(f"Bearer {header}.{payload}.{signature}")


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "not-a-jwt", "Bearer not.a.jwt"]
)
def test_a_missing_or_malformed_authorization_is_refused(google_certs, authorization):
    with pytest.raises(PushAuthError):
        verify(authorization)


def test_without_configured_audience_nothing_is_accepted(google_certs, google_key):
    with pytest.raises(PushAuthError, match="not configured"):
        verify_push(f"Bearer {make_token(google_key[0], aud='')}", audience="", service_account_email=PUSH_ACCOUNT)

    assert len(google_certs.calls) == 0


def test_unreachable_google_keys_are_a_transient_refusal(google_key):
    with responses.RequestsMock() as mocked:
        mocked.get(CERTS_URL, status=503)

        with pytest.raises(PushAuthError) as raised:
            verify(f"Bearer {make_token(google_key[0])}")

    assert raised.value.permanent is False


# --- the push body -------------------------------------------------------------------------------------------------


def envelope(data: bytes | str, **message) -> bytes:
    encoded = data if isinstance(data, str) else base64.b64encode(data).decode()
    body = {
        "message": {"data": encoded, "messageId": "2070443601311540", "publishTime": "2025-10-01T08:00:00Z", **message},
        "subscription": "projects/renos/subscriptions/gmail-push",
    }
    return json.dumps(body).encode()


def test_the_gmail_notification_is_read_from_the_envelope():
    body = envelope(json.dumps({"emailAddress": "info@rendetalje.dk", "historyId": 9876543}).encode())

    assert parse_push_body(body) == {
        "email_address": "info@rendetalje.dk",
        "history_id": "9876543",
        "message_id": "2070443601311540",
        "subscription": "projects/renos/subscriptions/gmail-push",
    }


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"subscription": "x"}',
        b'{"message": {}}',
        b'{"message": "text"}',
        envelope("***not base64***"),
        envelope(b"not json inside"),
        envelope(b'{"emailAddress": "info@rendetalje.dk"}'),
        envelope(b'{"historyId": 123}'),
        envelope(b'{"emailAddress": "info@rendetalje.dk", "historyId": "abc"}'),
        envelope(b'["info@rendetalje.dk", 123]'),
    ],
)
def test_garbage_is_a_clear_error(body):
    with pytest.raises(PushBodyError, match="Gmail"):
        parse_push_body(body)
