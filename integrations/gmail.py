"""The Gmail API client shared by the inbox and the sender: building the service, and one way to call it.

Every call goes through `execute`, which turns Google's failures into the caller's error type with a `permanent`
flag: network errors, timeouts, 429, 5xx and rate-limit 403s are transient (a retry may work); bad requests,
revoked access and missing permissions are permanent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import google.auth.exceptions
import httplib2
from django.conf import settings
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from integrations.google_auth import authorized_http, google_credentials, is_transient_auth_error

# One scope for reading, labelling, watching and sending: a refresh token consented for it serves both adapters.
GMAIL_SCOPES = ["https://www.googleapis.com/auth/gmail.modify"]

# 403s that mean "slow down", not "you may not".
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "concurrentLimitExceeded"})

ErrorFactory = Callable[..., Exception]


def gmail_service(*, http: Any = None, timeout: float | None = None) -> Any:
    """The Gmail v1 service. `http` is a ready transport (tests pass an HttpMockSequence); without it the
    credentials come from settings. The bundled discovery document is used, so building makes no request."""
    if http is None:
        credentials = google_credentials(GMAIL_SCOPES, require_subject=True)
        http = authorized_http(credentials, timeout=timeout or settings.GOOGLE_HTTP_TIMEOUT)
    return build("gmail", "v1", http=http, cache_discovery=False, static_discovery=True)


def execute(request: Any, *, error: ErrorFactory, what: str, tolerate: frozenset[int] = frozenset()) -> Any:
    """Run one Gmail request. A status in `tolerate` returns None instead of raising: the caller knows what a
    missing message (404), an expired history id (404) or a label created meanwhile (409) means.

    No retries here: the Celery task that called us retries transient errors with backoff."""
    try:
        return request.execute(num_retries=0)
    except HttpError as exc:
        if exc.status_code in tolerate:
            return None
        raise error(
            f"Gmail {what} failed: HTTP {exc.status_code} {exc.reason}", permanent=not _is_transient(exc)
        ) from exc
    except google.auth.exceptions.GoogleAuthError as exc:
        raise error(f"Gmail {what}: Google sign-in failed: {exc}", permanent=not is_transient_auth_error(exc)) from exc
    except (OSError, httplib2.HttpLib2Error) as exc:
        # TimeoutError, ConnectionError, DNS and TLS failures are all OSError; httplib2 adds its own.
        raise error(f"Gmail {what} failed on the network: {exc!r}", permanent=False) from exc


def _is_transient(exc: HttpError) -> bool:
    status = exc.status_code
    if status in (408, 429) or status >= 500:
        return True
    return status == 403 and bool(_error_reasons(exc) & _RATE_LIMIT_REASONS)


def _error_reasons(exc: HttpError) -> set[str]:
    try:
        errors = json.loads(exc.content.decode("utf-8"))["error"].get("errors", [])
        return {str(item.get("reason", "")) for item in errors if isinstance(item, dict)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()
