"""Invoices as a spreadsheet (CSV or Excel): the export of the changelist, as filtered, for the bookkeeper.

Export only: an invoice is made by the invoicing services (numbering, VAT, the timeline), never by importing a file.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets

from customers.resources import (
    ChoiceWidget,
    IdWidget,
    LocalDateTimeWidget,
    MoneyWidget,
    PlainDateWidget,
    SpreadsheetResource,
    column,
)
from invoicing.models import Invoice


class InvoiceResource(SpreadsheetResource):
    """One row per invoice or credit note, amounts incl. and excl. VAT."""

    id = column("id", _("id"), IdWidget())
    invoice_number = column("invoice_number", _("invoice number"))
    status = column("status", _("status"), ChoiceWidget(Invoice.Status))
    customer_name = column("customer_name", _("customer name"))
    customer_email = column("customer_email", _("customer email"))
    service_description = column("service_description", _("service"))
    issue_date = column("issue_date", _("issue date"), PlainDateWidget())
    delivery_date = column("delivery_date", _("delivered on"), PlainDateWidget())
    due_date = column("due_date", _("due date"), PlainDateWidget())
    hours_worked = column("hours_worked", _("hours worked"), MoneyWidget())
    subtotal = column("subtotal", _("subtotal excl. VAT"), MoneyWidget())
    vat_amount = column("vat_amount", _("VAT"), MoneyWidget())
    total_amount = column("total_amount", _("total incl. VAT"), MoneyWidget())
    amount_paid = column("amount_paid", _("paid so far"), MoneyWidget())
    sent_date = column("sent_date", _("sent"), LocalDateTimeWidget())
    paid_date = column("paid_date", _("paid"), LocalDateTimeWidget())
    reminder_count = column("reminder_count", _("reminders sent"), widgets.IntegerWidget())
    credited_invoice = column("credited_invoice__invoice_number", _("credits invoice"))
    billy_invoice_no = column("billy_invoice_no", _("Billy invoice number"))
    customer_id = column("customer_id", _("customer id"), IdWidget())
    booking_id = column("booking_id", _("booking id"), IdWidget())
    created_at = column("created_at", _("created"), LocalDateTimeWidget())

    class Meta:
        model = Invoice
        fields = (
            "id",
            "invoice_number",
            "status",
            "customer_name",
            "customer_email",
            "service_description",
            "issue_date",
            "delivery_date",
            "due_date",
            "hours_worked",
            "subtotal",
            "vat_amount",
            "total_amount",
            "amount_paid",
            "sent_date",
            "paid_date",
            "reminder_count",
            "credited_invoice",
            "billy_invoice_no",
            "customer_id",
            "booking_id",
            "created_at",
        )

    @classmethod
    def get_display_name(cls) -> str:
        return gettext("Invoices")

    def filter_export(self, queryset: QuerySet, **kwargs: Any) -> QuerySet:
        return queryset.select_related("credited_invoice")
