"""Google credentials from settings, shared by Gmail and Google Calendar, and the HTTP they travel on."""

from __future__ import annotations

import json
from pathlib import Path

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from django.conf import settings
from google.auth.credentials import Credentials
from google.oauth2 import credentials as oauth2_credentials
from google.oauth2 import service_account

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


class GoogleConfigError(Exception):
    """Google is not configured, or configured wrongly: retrying does not help until someone fixes the settings."""

    permanent = True


def google_configured() -> bool:
    """True when settings hold either an OAuth refresh token or a service account."""
    return bool(_oauth_settings() or _service_account_info_source())


def google_credentials(scopes: list[str], *, require_subject: bool = False) -> Credentials:
    """Credentials for Google APIs: an OAuth refresh token, else a service account (impersonating the delegated user).

    `require_subject` is for APIs that act on a person's mailbox (Gmail): a service account has none of its own.
    """
    oauth = _oauth_settings()
    if oauth:
        client_id, client_secret, refresh_token = oauth
        # No `scopes` on purpose: the refresh token carries what the user consented to, and asking for other
        # scopes when refreshing makes Google answer invalid_scope.
        return oauth2_credentials.Credentials(
            token=None,
            refresh_token=refresh_token,
            client_id=client_id,
            client_secret=client_secret,
            token_uri=GOOGLE_TOKEN_URI,
        )
    source = _service_account_info_source()
    if source is None:
        raise GoogleConfigError(
            "Google is not configured: set GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN, "
            "or GOOGLE_SERVICE_ACCOUNT_FILE / GOOGLE_SERVICE_ACCOUNT_JSON with GOOGLE_DELEGATED_USER."
        )
    info = _load_service_account_info(source)
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=scopes)
    except (ValueError, KeyError) as exc:
        raise GoogleConfigError(f"The Google service account key is not usable: {exc}") from exc
    subject = getattr(settings, "GOOGLE_DELEGATED_USER", "")
    if subject:
        return creds.with_subject(subject)
    if require_subject:
        raise GoogleConfigError(
            "GOOGLE_DELEGATED_USER is not set: a service account needs domain-wide delegation to a mailbox "
            "(for example info@rendetalje.dk)."
        )
    return creds


def authorized_http(credentials: Credentials, *, timeout: float) -> httplib2.Http:
    """An httplib2 transport that signs requests (refreshing the token on the same transport) and gives up after
    `timeout` seconds on every socket operation."""
    return google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))


def is_transient_auth_error(exc: google.auth.exceptions.GoogleAuthError) -> bool:
    """A token refresh that failed on the network or on a 5xx may work later; invalid_grant and friends will not."""
    if isinstance(exc, google.auth.exceptions.TransportError):
        return True
    return bool(getattr(exc, "retryable", False))


def _oauth_settings() -> tuple[str, str, str] | None:
    values = tuple(
        getattr(settings, name, "") for name in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_REFRESH_TOKEN")
    )
    if not any(values):
        return None
    if not all(values):
        raise GoogleConfigError(
            "Google OAuth is half configured: GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN "
            "are needed together."
        )
    return values  # type: ignore[return-value]


def _service_account_info_source() -> str | Path | None:
    """The inline JSON (a str) or the key file (a Path), whichever is set."""
    inline = getattr(settings, "GOOGLE_SERVICE_ACCOUNT_JSON", "")
    if inline:
        return str(inline)
    path = getattr(settings, "GOOGLE_SERVICE_ACCOUNT_FILE", "")
    return Path(path) if path else None


def _load_service_account_info(source: str | Path) -> dict[str, object]:
    where = "GOOGLE_SERVICE_ACCOUNT_JSON"
    try:
        if isinstance(source, Path):
            where = f"GOOGLE_SERVICE_ACCOUNT_FILE ({source})"
            text = source.read_text(encoding="utf-8")
        else:
            text = source
        info = json.loads(text)
    except OSError as exc:
        raise GoogleConfigError(f"Cannot read {where}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise GoogleConfigError(f"{where} is not valid JSON: {exc}") from exc
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise GoogleConfigError(f'{where} is not a service account key (expected "type": "service_account").')
    return info
