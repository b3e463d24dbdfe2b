"""Settings of invoicing: numbering, reminders and how customers pay. Read from the environment, called once from
renos.settings; the values are parsed here so a typo in the environment stops the start, not the first invoice."""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

DEFAULT_PAYMENT_INFO = "Betal via bankoverførsel og skriv fakturanummeret i beskeden."


def invoicing_settings(env: environ.Env) -> dict[str, object]:
    return {
        # The number of the very first invoice; later ones count on from the last issued, without gaps.
        "RENOS_INVOICE_NUMBER_START": _number(env, "RENOS_INVOICE_NUMBER_START", 1001, minimum=1),
        # How customers pay (bank reg. and account number, MobilePay): printed on invoices and in reminders.
        "RENOS_PAYMENT_INFO": _value(env, "RENOS_PAYMENT_INFO", DEFAULT_PAYMENT_INFO),
        # Issue the invoice as soon as a booking is completed (true), or leave a draft for staff to issue (false).
        "RENOS_ISSUE_INVOICES_AT_ONCE": _flag(env, "RENOS_ISSUE_INVOICES_AT_ONCE", True),
        # Days between two payment reminders for the same overdue invoice.
        "RENOS_REMINDER_INTERVAL_DAYS": _number(env, "RENOS_REMINDER_INTERVAL_DAYS", 7, minimum=1),
        # Reminders per invoice at most; after that the invoice waits for staff (shown as overdue in the admin).
        "RENOS_MAX_REMINDERS": _number(env, "RENOS_MAX_REMINDERS", 3, minimum=0),
        # Where DejaVuSans.ttf and DejaVuSans-Bold.ttf are (Debian's fonts-dejavu-core): the invoice PDF's font.
        "RENOS_INVOICE_FONT_DIR": _value(env, "RENOS_INVOICE_FONT_DIR", "/usr/share/fonts/truetype/dejavu"),
    }


def _value(env: environ.Env, name: str, default: str) -> str:
    """The variable, or the default when it is unset or empty (an empty line in .env means "the default")."""
    return env.str(name, default="").strip() or default


def _number(env: environ.Env, name: str, default: int, *, minimum: int) -> int:
    value = _value(env, name, str(default))
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def _flag(env: environ.Env, name: str, default: bool) -> bool:
    value = _value(env, name, "true" if default else "false").lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
