"""The staff CRM for invoices: a draft can be corrected; an issued invoice is a record and stays as it was."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from invoicing.models import Invoice
from leads.admin import ActivityInline

# What the customer was billed; once the invoice is issued these change only by a credit note.
BILLED_FIELDS = (
    "customer_name",
    "customer_email",
    "customer_address",
    "service_description",
    "hours_worked",
    "hourly_rate",
    "subtotal",
    "vat_amount",
    "total_amount",
)


class InvoiceForm(forms.ModelForm):
    """The invoice's database rules as field errors instead of a nameless constraint message."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        subtotal, vat, total = (cleaned.get(name) for name in ("subtotal", "vat_amount", "total_amount"))
        if None not in (subtotal, vat, total) and subtotal + vat != total:
            self.add_error(
                "total_amount",
                ValidationError(
                    _("The total must be the subtotal plus VAT (%(sum)s)."), params={"sum": subtotal + vat}
                ),
            )
        status = cleaned.get("status")
        if status and status != Invoice.Status.DRAFT and not self.instance.invoice_number:
            self.add_error(
                "status",
                ValidationError(_("A draft has no invoice number yet; issue it before changing its status.")),
            )
        return cleaned


class BillySyncFilter(admin.SimpleListFilter):
    title = _("in Billy")
    parameter_name = "billy"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.exclude(billy_invoice_id="")
        if self.value() == "no":
            return queryset.filter(billy_invoice_id="")
        return queryset


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    form = InvoiceForm
    list_display = ("number", "customer_name", "total_amount", "status", "due_date", "sent_date", "paid_date")
    list_filter = ("status", BillySyncFilter)
    search_fields = ("invoice_number", "customer_name", "customer_email", "billy_invoice_id")
    date_hierarchy = "created_at"
    autocomplete_fields = ("lead", "booking", "customer")
    readonly_fields = ("invoice_number", "billy_invoice_id", "created_at", "updated_at")
    inlines = (ActivityInline,)

    @admin.display(description=_("number"), ordering="invoice_number")
    def number(self, obj: Invoice) -> str:
        return obj.invoice_number or str(_("Draft"))

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> Any:
        if obj is not None and obj.status != Invoice.Status.DRAFT:
            return (*self.readonly_fields, *BILLED_FIELDS)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        # Bookkeeping keeps issued invoices; only a draft may go.
        return obj is None or obj.status == Invoice.Status.DRAFT

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The bulk delete would not ask each invoice whether it is a draft.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
