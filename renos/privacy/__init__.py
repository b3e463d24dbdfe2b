"""Personal data (GDPR): export everything about a customer, erase it, and erase it after the retention period."""

from __future__ import annotations

from renos.privacy.erase import ERASED_TITLE, customer_erase
from renos.privacy.export import INVOICES_KEPT, customer_personal_data_export
from renos.privacy.retention import customers_anonymise_inactive, customers_past_retention
from renos.privacy.scope import COVERED_MODELS, open_bookings
from renos.privacy.scrub import ERASED_NAME

__all__ = [
    "COVERED_MODELS",
    "ERASED_NAME",
    "ERASED_TITLE",
    "INVOICES_KEPT",
    "customer_erase",
    "customer_personal_data_export",
    "customers_anonymise_inactive",
    "customers_past_retention",
    "open_bookings",
]
