"""Settings of personal data: how long a customer's data is kept after the last contact. Read from the environment,
called once from renos.settings; a typo in the environment stops the start, not the monthly clean-up."""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

# Three years after the last contact: long enough for complaints and returning customers, short enough to be
# "no longer than necessary" (GDPR art. 5(1)(e)). Invoices are kept apart from this (Bogføringsloven: 5 years).
DEFAULT_RETENTION_DAYS = 3 * 365


def privacy_settings(env: environ.Env) -> dict[str, object]:
    return {
        # Days after a customer's last activity before the monthly task erases their personal data; 0 switches it off.
        "RENOS_RETENTION_DAYS": _days(env, "RENOS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
    }


def _days(env: environ.Env, name: str, default: int) -> int:
    value = env.str(name, default="").strip() or str(default)
    try:
        days = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number of days, not {value!r}") from exc
    if days < 0:
        raise ImproperlyConfigured(f"{name} must be 0 (off) or more days, not {days}")
    return days
