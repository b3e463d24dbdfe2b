"""LocalBilling: the adapter used when Billy is not set up; invoices stay in RenOS."""

from __future__ import annotations

from integrations.billy.data import BillingContact, BillingInvoice, CreatedInvoice, PaymentStatus

LOCAL_STATE = "local"


class LocalBilling:
    """No accounting system: invoices stay in RenOS, marked as not synced (`available` is False). Lookups find
    nothing, creating returns empty ids with state "local", and there is no payment status to read (None)."""

    available = False

    @classmethod
    def from_settings(cls) -> LocalBilling:
        return cls()

    def find_contact(self, contact_id: str) -> str | None:
        return None

    def find_contact_by_email(self, email: str) -> str | None:
        return None

    def create_contact(self, contact: BillingContact) -> str:
        return ""

    def find_invoice_by_reference(self, reference: str, *, contact_id: str = "") -> CreatedInvoice | None:
        return None

    def create_invoice(self, invoice: BillingInvoice) -> CreatedInvoice:
        return CreatedInvoice(id="", invoice_no="", state=LOCAL_STATE)

    def approve_invoice(self, invoice_id: str) -> CreatedInvoice:
        return CreatedInvoice(id=invoice_id, invoice_no="", state=LOCAL_STATE)

    def email_invoice(self, invoice_id: str, *, contact_id: str, email_subject: str, email_body: str) -> bool:
        return False

    def payment_status(self, invoice_id: str) -> PaymentStatus | None:
        return None
