"""Every write to invoices: the invoice of a completed job, issuing with a gapless number, payments, credit notes,
the overdue sweep and payment reminders. An issued invoice is never edited or deleted: a credit note reverses it.

- invoices.py: drafts, their lines, issuing and the invoice numbers.
- payments.py: payments and credit notes.
- reminders.py: the overdue sweep and payment reminders.
"""

from __future__ import annotations

from invoicing.services.invoices import (
    HOURS_UNIT,
    ISSUED_CANNOT_CHANGE,
    LineInput,
    _buyer_address,
    _lines_insert,
    _locked_draft,
    _next_invoice_number,
    _stamp_issued,
    booking_complete_and_invoice,
    danish_date,
    invoice_create_for_booking,
    invoice_delete,
    invoice_issue,
    invoice_line_add,
    invoice_recalculate,
)
from invoicing.services.payments import invoice_credit, invoice_mark_paid
from invoicing.services.reminders import (
    _prepare_reminder,
    _record_reminder,
    _reminder_allowed,
    invoice_record_reminder_error,
    invoice_reminder_refusal,
    invoice_send_reminder,
    invoices_mark_overdue,
    invoices_needing_reminder,
)

__all__ = [
    "HOURS_UNIT",
    "ISSUED_CANNOT_CHANGE",
    "LineInput",
    "_buyer_address",
    "_lines_insert",
    "_locked_draft",
    "_next_invoice_number",
    "_prepare_reminder",
    "_record_reminder",
    "_reminder_allowed",
    "_stamp_issued",
    "booking_complete_and_invoice",
    "danish_date",
    "invoice_create_for_booking",
    "invoice_credit",
    "invoice_delete",
    "invoice_issue",
    "invoice_line_add",
    "invoice_mark_paid",
    "invoice_recalculate",
    "invoice_record_reminder_error",
    "invoice_reminder_refusal",
    "invoice_send_reminder",
    "invoices_mark_overdue",
    "invoices_needing_reminder",
]
