"""The inbound edges: a Gmail push signed by Google starts a poll at once; anything else is a 403."""

from __future__ import annotations

import base64
import json

import pytest
import responses

from renos import pipeline
from tests.integrations.test_pubsub import AUDIENCE, CERTS_URL, KEY_ID, PUSH_ACCOUNT, make_token, rsa_key_and_cert

URL = "/api/webhooks/gmail/push/"


def push_body(history_id: str = "12345") -> str:
    data = base64.b64encode(json.dumps({"emailAddress": "info@rendetalje.dk", "historyId": history_id}).encode())
    return json.dumps({"message": {"data": data.decode(), "messageId": "m1"}, "subscription": "projects/p/subs/s"})


@pytest.fixture
def push_settings(settings):
    settings.PUBSUB_PUSH_AUDIENCE = AUDIENCE
    settings.PUBSUB_PUSH_SERVICE_ACCOUNT = PUSH_ACCOUNT


@pytest.fixture(scope="module")
def signing_key():
    return rsa_key_and_cert()


@pytest.fixture
def google_certs(signing_key):
    """Google's certificate endpoint, faked: it serves the public half of the test key."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(CERTS_URL, json={KEY_ID: signing_key[1]})
        yield mocked


@pytest.fixture
def polls(monkeypatch):
    started: list[bool] = []
    monkeypatch.setattr(pipeline.poll_inbox, "delay", lambda: started.append(True))
    return started


@pytest.mark.django_db
def test_a_push_signed_by_google_starts_a_poll(client, push_settings, signing_key, google_certs, polls):
    token = make_token(signing_key[0])
    response = client.post(URL, push_body(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 204
    assert polls == [True]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "claims",
    [{"aud": "https://evil.example/"}, {"email": "someone@else.iam.gserviceaccount.com"}, {"email_verified": False}],
)
def test_a_push_for_another_audience_or_account_is_refused(
    client, push_settings, signing_key, google_certs, polls, claims
):
    token = make_token(signing_key[0], **claims)
    response = client.post(URL, push_body(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert polls == []


@pytest.mark.django_db
def test_a_forged_or_unsigned_push_is_refused(client, push_settings, signing_key, google_certs, polls):
    token = make_token(signing_key[0])
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    assert (
        client.post(
            URL, push_body(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {forged}"
        ).status_code
        == 403
    )
    assert client.post(URL, push_body(), content_type="application/json").status_code == 403
    assert polls == []


@pytest.mark.django_db
def test_without_push_settings_every_push_is_refused(client, settings, polls):
    settings.PUBSUB_PUSH_AUDIENCE = ""
    response = client.post(URL, push_body(), content_type="application/json", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 403
    assert polls == []


@pytest.mark.django_db
def test_a_push_is_post_only(client):
    assert client.get(URL).status_code == 405
