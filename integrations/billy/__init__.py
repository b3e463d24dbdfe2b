"""Accounting: invoices in Billy (REST API v2, https://www.billy.dk/api/), or kept in RenOS when Billy is not set up.

Both adapters have the same methods and speak in the dataclasses of data.py. The invoicing services call them one step
at a time and record each answer (contact id, invoice id and number, emailed), so a retried task skips what is done.

- data.py: the dataclasses in and out, and BillyError.
- client.py: BillyClient, the real adapter (what Billy's API offers and how calls are retried is described there).
- local.py: LocalBilling, the adapter used when Billy is not set up.

Settings name the adapters by their dotted paths here (integrations.billy.BillyClient, integrations.billy.LocalBilling).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from integrations.billy.client import DEFAULT_BASE_URL, BillyClient
from integrations.billy.data import (
    BillingContact,
    BillingInvoice,
    BillingLine,
    BillyError,
    CreatedInvoice,
    PaymentStatus,
)
from integrations.billy.local import LOCAL_STATE, LocalBilling

__all__ = [
    "BILLY_CLIENT",
    "DEFAULT_BASE_URL",
    "LOCAL_BILLING",
    "LOCAL_STATE",
    "BillingContact",
    "BillingInvoice",
    "BillingLine",
    "BillyClient",
    "BillyError",
    "CreatedInvoice",
    "LocalBilling",
    "PaymentStatus",
    "get_billing",
]

BILLY_CLIENT = "integrations.billy.BillyClient"
LOCAL_BILLING = "integrations.billy.LocalBilling"


def get_billing() -> BillyClient | LocalBilling:
    """The accounting adapter chosen by settings.BILLING_BACKEND (a dotted path, like EMAIL_BACKEND). Unset: Billy
    when BILLY_API_KEY is set, else invoices stay local."""
    path = getattr(settings, "BILLING_BACKEND", "") or (
        BILLY_CLIENT if getattr(settings, "BILLY_API_KEY", "") else LOCAL_BILLING
    )
    try:
        backend = import_string(path)
    except ImportError as exc:
        raise BillyError(f"BILLING_BACKEND {path!r} cannot be imported: {exc}", permanent=True) from exc
    return backend.from_settings()
