"""Sentry: errors (and sampled traces) of web, worker and beat, without personal data.

`send_default_pii=False` keeps Sentry from collecting users, cookies and IP addresses; `before_send` removes what
the SDK still sends (request bodies and headers, query values, local variables with personal names) and masks any
email address or phone number left in messages, exceptions, breadcrumbs and frame variables.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import ImproperlyConfigured

from renos.observability import context
from renos.observability.scrub import contains_personal_data, scrub_value

FILTERED = "[Filtered]"
# Headers worth seeing in an error report; everything else (Authorization, Cookie, X-Twilio-Signature, forwarded
# client addresses) is dropped.
SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "user-agent",
        "x-forwarded-proto",
        "x-request-id",
    }
)
# Values under these names are personal data however they look (a name, an address, an email's body), wherever they
# appear: frame variables, `extra`, breadcrumb data.
PERSONAL_KEYS = frozenset(
    {
        "address",
        "body",
        "customer_email",
        "customer_name",
        "customer_phone",
        "email",
        "email_content",
        "from_number",
        "html_body",
        "notes",
        "phone",
        "phone_number",
        "raw",
        "recipient",
        "reply_to",
        "sender",
        "subject",
        "text_body",
        "to_number",
    }
)


def before_send(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event with personal data removed or masked, tagged with the request and task id of the logs."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = _scrubbed_request(request)
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if user.get("id") is not None else {}
    event = scrub_value(_without_personal_keys(event))
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        for name, value in context.current_ids().items():
            if value:
                tags.setdefault(name, value)
    return event


def _scrubbed_request(request: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in request.items() if key in ("method", "url", "query_string", "headers")}
    headers = request.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {name: value for name, value in headers.items() if name.lower() in SAFE_HEADERS}
    query = request.get("query_string")
    if isinstance(query, str) and query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept["query_string"] = urlencode(
            [
                (key, FILTERED if contains_personal_data(value) or key.lower() in PERSONAL_KEYS else value)
                for key, value in pairs
            ]
        )
    return kept


def _without_personal_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: FILTERED if isinstance(key, str) and key.lower() in PERSONAL_KEYS else _without_personal_keys(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_personal_keys(item) for item in value]
    return value


def sentry_init(
    *, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0, transport: Any = None
) -> bool:
    """Start Sentry when a DSN is set (True), else nothing (False). `transport` replaces the HTTP one in tests."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.utils import BadDsn

    options: dict[str, Any] = {"transport": transport} if transport is not None else {}
    try:
        sentry_sdk.init(
            dsn=dsn,
            environment=environment,
            release=release or None,
            traces_sample_rate=traces_sample_rate,
            send_default_pii=False,
            max_request_body_size="never",
            integrations=[DjangoIntegration(), CeleryIntegration()],
            before_send=before_send,
            before_send_transaction=before_send,
            **options,
        )
    except BadDsn as exc:
        raise ImproperlyConfigured(f"SENTRY_DSN is not a valid Sentry DSN: {exc}") from exc
    return True
