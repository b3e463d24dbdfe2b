"""Settings of accounting (integrations/billy.py): read from the environment, called once from renos.settings.

Without BILLY_API_KEY invoices stay in RenOS, marked as not synced; as soon as the key is set, Billy is the default.
BILLING_BACKEND still chooses explicitly. An empty value means the default; a bad number stops the start.
"""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

BILLY_BACKEND = "integrations.billy.BillyClient"
LOCAL_BACKEND = "integrations.billy.LocalBilling"
BILLY_BASE_URL = "https://api.billysbilling.com/v2"


def billy_settings(env: environ.Env) -> dict[str, object]:
    api_key = _value(env, "BILLY_API_KEY", "")
    return {
        # Billy access token (Billy: Indstillinger -> Adgangsnøgler), sent as X-Access-Token; empty: no Billy.
        "BILLY_API_KEY": api_key,
        # The Billy company (organization) id; empty: asked from Billy (GET /organization) on first use.
        "BILLY_ORGANIZATION_ID": _value(env, "BILLY_ORGANIZATION_ID", ""),
        # Where Billy's API v2 lives.
        "BILLY_BASE_URL": _value(env, "BILLY_BASE_URL", BILLY_BASE_URL).rstrip("/"),
        # Seconds one call to Billy may take to connect and to answer before it counts as failed.
        "BILLY_TIMEOUT_SECONDS": _positive(env, "BILLY_TIMEOUT_SECONDS", 15.0, float),
        # Tries per call on 429, 5xx and network errors, with backoff (a POST only when Billy cannot have acted).
        "BILLY_MAX_ATTEMPTS": _positive(env, "BILLY_MAX_ATTEMPTS", 4, int),
        # The Billy product of invoice lines whose service has no Billy product of its own.
        "BILLY_DEFAULT_PRODUCT_ID": _value(env, "BILLY_DEFAULT_PRODUCT_ID", ""),
        # Dotted path of the accounting class: Billy when BILLY_API_KEY is set, else invoices stay local (not synced).
        "BILLING_BACKEND": _value(env, "BILLING_BACKEND", "") or (BILLY_BACKEND if api_key else LOCAL_BACKEND),
    }


def _value(env: environ.Env, name: str, default: str) -> str:
    """The variable, or the default when it is unset or empty (an empty line in .env means "the default")."""
    return env.str(name, default="").strip() or default


def _positive(env: environ.Env, name: str, default: float, kind: type[int] | type[float]) -> float:
    value = _value(env, name, str(default))
    try:
        number = kind(value)
    except ValueError as exc:
        what = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}") from exc
    if number <= 0:
        raise ImproperlyConfigured(f"{name} must be more than 0, not {number}")
    return number
