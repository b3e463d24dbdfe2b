"""Gmail push notifications through Cloud Pub/Sub: who sent the push (an OIDC token from our push service account)
and what it says (the mailbox and its newest historyId)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import google.auth.exceptions
import requests
from google.auth.transport.requests import Request
from google.oauth2 import id_token

# Seconds for fetching Google's public keys; a slow answer must not hold the webhook.
CERTS_TIMEOUT = 10
# Tolerated clock difference between Google and us when checking the token's iat/exp.
CLOCK_SKEW_SECONDS = 10


class PubSubError(Exception):
    """A push request that cannot be accepted; `permanent` is False only when Google's keys could not be fetched."""

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent


class PushAuthError(PubSubError):
    """The push request did not prove it comes from our Pub/Sub subscription: answer 403."""


class PushBodyError(PubSubError):
    """The push body is not a Pub/Sub envelope with a Gmail notification in it."""


def verify_push(authorization: str | None, *, audience: str, service_account_email: str) -> dict[str, Any]:
    """Check `Authorization: Bearer <OIDC JWT>` of a push request: signed by Google, for `audience`, not expired,
    and issued to our push service account with a verified email. Returns the token's claims."""
    if not audience or not service_account_email:
        raise PushAuthError("Pub/Sub push verification is not configured (audience and service account needed)")
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise PushAuthError("The push request has no Bearer token")
    try:
        claims = id_token.verify_oauth2_token(
            token, _CertsRequest(session=_session()), audience=audience, clock_skew_in_seconds=CLOCK_SKEW_SECONDS
        )
    except google.auth.exceptions.TransportError as exc:
        raise PushAuthError(f"Google's signing keys could not be fetched: {exc}", permanent=False) from exc
    except (ValueError, KeyError, google.auth.exceptions.GoogleAuthError) as exc:
        # Bad signature, expired, wrong audience or issuer, malformed token.
        raise PushAuthError(f"The push token is not valid: {exc}") from exc
    if str(claims.get("email", "")).casefold() != service_account_email.casefold():
        raise PushAuthError(f"The push token was issued to {claims.get('email')!r}, not our push service account")
    if claims.get("email_verified") is not True:
        raise PushAuthError("The push token's email is not verified")
    return dict(claims)


def parse_push_body(body: bytes) -> dict[str, str]:
    """Decode the push envelope. Returns email_address and history_id (a str, like the inbox cursor) of the Gmail
    notification, plus the Pub/Sub message_id and subscription (empty when absent)."""
    try:
        envelope = json.loads(body)
        message = envelope["message"]
        data = json.loads(_b64decode(message["data"]))
        email_address = data["emailAddress"]
        history_id = data["historyId"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise PushBodyError(f"Not a Gmail Pub/Sub notification: {type(exc).__name__}: {exc}") from exc
    if not isinstance(email_address, str) or not email_address or not str(history_id).isdigit():
        raise PushBodyError("The Gmail notification lacks a mailbox address or a numeric historyId")
    return {
        "email_address": email_address,
        "history_id": str(history_id),
        "message_id": str(message.get("messageId") or message.get("message_id") or ""),
        "subscription": str(envelope.get("subscription", "")),
    }


class _CertsRequest(Request):
    """google-auth's requests transport with our timeout: verify_oauth2_token fetches keys without one."""

    def __call__(
        self, url: str, method: str = "GET", body: Any = None, headers: Any = None, timeout: Any = None, **kwargs: Any
    ) -> Any:
        return super().__call__(url, method=method, body=body, headers=headers, timeout=CERTS_TIMEOUT, **kwargs)


_SESSION: requests.Session | None = None


def _session() -> requests.Session:
    """One session per process, so pushes reuse the connection to Google."""
    global _SESSION
    if _SESSION is None:
        _SESSION = requests.Session()
    return _SESSION


def _b64decode(data: Any) -> bytes:
    """Pub/Sub sends standard base64; accept the URL-safe alphabet too."""
    if not isinstance(data, str):
        raise TypeError("message.data is not a string")
    padded = data + "=" * (-len(data) % 4)
    return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
