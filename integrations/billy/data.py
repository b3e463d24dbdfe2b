"""The dataclasses both Billy adapters speak in, and BillyError, the one error type of Billy calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class BillyError(Exception):
    """A call to Billy failed; `permanent` says whether a retry can help, `status` is Billy's HTTP status if any."""

    def __init__(self, message: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


@dataclass(frozen=True)
class BillingContact:
    """A customer as Billy should know it: a person, or a company (`company_name`) with `name` as contact person."""

    name: str
    email: str
    phone: str = ""
    street: str = ""
    zipcode: str = ""
    city: str = ""
    company_name: str = ""
    is_company: bool = False


@dataclass(frozen=True)
class BillingLine:
    """One invoice line; `unit_price` includes moms. An empty `product_id` means BILLY_DEFAULT_PRODUCT_ID."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    product_id: str = ""


@dataclass(frozen=True)
class BillingInvoice:
    """An invoice to create; `reference` is our invoice id, stored in Billy so a retry can find the invoice."""

    reference: str
    contact_id: str
    entry_date: date
    payment_terms_days: int
    lines: list[BillingLine]
    currency: str = "DKK"


@dataclass(frozen=True)
class CreatedInvoice:
    """An invoice as Billy has it: its id, its number once approved, and its state (draft, approved, voided)."""

    id: str
    invoice_no: str
    state: str


@dataclass(frozen=True)
class PaymentStatus:
    """What the customer has paid: `balance` is what is still owed; `voided` invoices are owed nothing."""

    is_paid: bool
    balance: Decimal
    paid_date: date | None
    voided: bool = False
