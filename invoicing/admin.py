"""The staff CRM for invoices: a draft's lines can be corrected; an issued invoice is a record and stays as it was.

Every change of status is a button on the invoice page that calls a service (issue, record a payment, send a
reminder, credit), so the timeline, the numbering and the customer's revenue always follow. The print view is the
invoice as the customer gets it (A4, Danish), and the same as a PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from customers.admin import AuditHistoryMixin, SpreadsheetExportMixin
from invoicing.models import Invoice, InvoiceLine, local_today
from invoicing.printing import invoice_html, invoice_pdf, printed_invoice
from invoicing.resources import InvoiceResource
from invoicing.services import (
    ISSUED_CANNOT_CHANGE,
    invoice_credit,
    invoice_issue,
    invoice_mark_paid,
    invoice_recalculate,
    invoice_reminder_refusal,
)
from leads.admin import ActivityInline
from renos.pipeline import after_invoice_issued, send_invoice_reminder, sync_invoice_to_billy

# Worked out from the lines, or set when the invoice is issued, paid or reminded: never typed in.
COMPUTED_FIELDS = (
    "invoice_number",
    "status",
    "service_description",
    "hours_worked",
    "hourly_rate",
    "subtotal",
    "vat_rate",
    "vat_amount",
    "total_amount",
    "amount_paid",
    "credited_invoice",
    "seller_name",
    "seller_address",
    "seller_cvr",
    "issue_date",
    "due_date",
    "sent_date",
    "paid_date",
    "reminder_count",
    "last_reminder_at",
    "billy_invoice_id",
    "billy_synced_at",
    "billy_sync_error",
    "created_at",
    "updated_at",
)


class InvoiceForm(forms.ModelForm):
    """An issued invoice is refused whatever is posted (its fields are read-only on the page as well)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_issued and self.has_changed():
            raise ValidationError(ISSUED_CANNOT_CHANGE, code="issued")
        return cleaned


class InvoiceLineInline(admin.TabularInline):
    """The lines: editable while the invoice is a draft (the totals follow on save), read-only once issued."""

    model = InvoiceLine
    fields = ("position", "description", "quantity", "unit", "unit_price", "amount")
    readonly_fields = ("amount",)
    extra = 0

    def _draft(self, obj: Invoice | None) -> bool:
        return obj is None or not obj.is_issued

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return self._draft(obj) and super().has_delete_permission(request, obj)


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


class OverdueFilter(admin.SimpleListFilter):
    """Overdue today (Copenhagen): marked by the sweep, or sent and past due before it ran."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.not_overdue()
        return queryset


# --- The buttons ---------------------------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    """No fields: pressing the button is the confirmation."""


class PaymentForm(forms.Form):
    date = forms.DateField(label=_("Paid on"), help_text=_("The day the money arrived."))
    amount = forms.DecimalField(
        label=_("Amount incl. VAT"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Less than the balance is a part payment: the invoice stays open for the rest."),
    )


class CreditForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Printed on the credit note."),
    )


def _send_reminder(invoice: Invoice, data: dict[str, Any]) -> Invoice:
    refusal = invoice_reminder_refusal(invoice=invoice)
    if refusal:
        raise ValidationError(refusal, code="no_reminder")
    invoice_id = str(invoice.pk)
    transaction.on_commit(lambda: send_invoice_reminder.delay(invoice_id=invoice_id))
    return invoice


def _issue(invoice: Invoice, data: dict[str, Any]) -> Invoice:
    issued = invoice_issue(invoice=invoice)
    after_invoice_issued(invoice=issued)
    return issued


def _credit(invoice: Invoice, data: dict[str, Any]) -> Invoice:
    note = invoice_credit(invoice=invoice, reason=data["reason"])
    after_invoice_issued(invoice=note)
    return note


@dataclass(frozen=True)
class InvoiceAction:
    """A button on the invoice page: a form (maybe only a confirmation) and the service call it makes."""

    label: Any
    intro: Any
    submit: Any
    done: Any  # the success message, with %(invoice)s: the invoice the page goes to afterwards
    form: type[forms.Form]
    offered: Callable[[Invoice], bool]  # whether the button is shown; the service has the last word
    perform: Callable[[Invoice, dict[str, Any]], Invoice]
    initial: Callable[[Invoice], dict[str, Any]] = field(default=lambda invoice: {})


INVOICE_ACTIONS = {
    "issue": InvoiceAction(
        label=_("Issue"),
        intro=_(
            "Issue this draft? It gets the next invoice number, today's date and its due date, and can no "
            "longer be changed (only credited)."
        ),
        submit=_("Issue the invoice"),
        done=_("Issued: invoice no. %(invoice)s."),
        form=ConfirmForm,
        offered=lambda invoice: not invoice.is_issued,
        perform=_issue,
    ),
    "mark-paid": InvoiceAction(
        label=_("Record payment"),
        intro=_("Record money received for this invoice."),
        submit=_("Record the payment"),
        done=_("Payment recorded on invoice no. %(invoice)s."),
        form=PaymentForm,
        offered=lambda invoice: invoice.status in Invoice.OPEN_STATUSES and not invoice.is_credit_note,
        perform=lambda invoice, data: invoice_mark_paid(invoice=invoice, amount=data["amount"], paid_on=data["date"]),
        initial=lambda invoice: {"date": local_today(), "amount": invoice.balance},
    ),
    "send-reminder": InvoiceAction(
        label=_("Send reminder"),
        intro=_("Email the customer a payment reminder now (at most one a week and three in all)."),
        submit=_("Send the reminder"),
        done=_("The reminder for invoice no. %(invoice)s is on its way."),
        form=ConfirmForm,
        offered=lambda invoice: invoice.status in Invoice.OPEN_STATUSES and not invoice.is_credit_note,
        perform=_send_reminder,
    ),
    "credit": InvoiceAction(
        label=_("Credit"),
        intro=_(
            "Reverse this invoice with a credit note? The credit note gets its own number; the invoice itself "
            "stays as it was, marked credited."
        ),
        submit=_("Write the credit note"),
        done=_("Credit note no. %(invoice)s written."),
        form=CreditForm,
        offered=lambda invoice: invoice.status in Invoice.CREDITABLE_STATUSES and not invoice.is_credit_note,
        perform=_credit,
    ),
}


@admin.register(Invoice)
class InvoiceAdmin(AuditHistoryMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    form = InvoiceForm
    # Export only: invoices are made by the invoicing services, never imported.
    resource_classes = (InvoiceResource,)
    list_display = (
        "number",
        "customer_name",
        "total_amount",
        "status",
        "due_date",
        "sent_date",
        "paid_date",
        "reminder_count",
    )
    list_filter = ("status", OverdueFilter, BillySyncFilter)
    search_fields = ("invoice_number", "customer_name", "customer_email", "billy_invoice_id")
    date_hierarchy = "created_at"
    autocomplete_fields = ("lead", "booking", "customer")
    readonly_fields = COMPUTED_FIELDS
    inlines = (InvoiceLineInline, ActivityInline)
    actions = ("retry_billy_sync",)

    @admin.display(description=_("number"), ordering="invoice_number")
    def number(self, obj: Invoice) -> str:
        return obj.invoice_number or str(_("Draft"))

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> Any:
        if obj is not None and obj.is_issued:
            # Bookkeeping: an issued invoice changes only by a credit note.
            return [model_field.name for model_field in self.opts.fields]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        # Bookkeeping keeps issued invoices; only a draft may go.
        return (obj is None or not obj.is_issued) and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The bulk delete would not ask each invoice whether it is a draft.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Retry sending to Billy"), permissions=["change"])
    def retry_billy_sync(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Send again the issued invoices whose Billy sync failed for good (the error stays until it succeeds)."""
        failed = queryset.exclude(status=Invoice.Status.DRAFT).exclude(billy_sync_error="")
        ids = [str(pk) for pk in failed.values_list("pk", flat=True)]
        for invoice_id in ids:
            transaction.on_commit(lambda invoice_id=invoice_id: sync_invoice_to_billy.delay(invoice_id=invoice_id))
        self.message_user(
            request,
            ngettext(
                "Queued %(count)d invoice to be sent to Billy again.",
                "Queued %(count)d invoices to be sent to Billy again.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS if ids else messages.WARNING,
        )

    def save_model(self, request: HttpRequest, obj: Invoice, form: forms.Form, change: bool) -> None:
        if not change:
            # A draft made by hand starts empty; its lines (saved next) make the amounts.
            obj.subtotal = obj.vat_amount = obj.total_amount = obj.hours_worked = Decimal("0.00")
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.Form, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not form.instance.is_issued:
            invoice_recalculate(invoice=form.instance)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        actions = [
            path(f"<path:object_id>/{name}/", view(self.invoice_action_view), {"name": name}, name=f"{info}_{name}")
            for name in INVOICE_ACTIONS
        ]
        return [
            path("<path:object_id>/print/", view(self.print_view), name=f"{info}_print"),
            path("<path:object_id>/pdf/", view(self.pdf_view), name=f"{info}_pdf"),
            *actions,
            *super().get_urls(),
        ]

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False, **kwargs: Any
    ) -> HttpResponse:
        obj = kwargs.get("obj")
        if obj is not None:
            context["invoice_print_url"] = reverse("admin:invoicing_invoice_print", args=[obj.pk])
            context["invoice_pdf_url"] = reverse("admin:invoicing_invoice_pdf", args=[obj.pk])
            if self.has_change_permission(request, obj):
                context["invoice_actions"] = [
                    (action.label, reverse(f"admin:invoicing_invoice_{name}", args=[obj.pk]))
                    for name, action in INVOICE_ACTIONS.items()
                    if action.offered(obj)
                ]
        return super().render_change_form(request, context, add=add, change=change, **kwargs)

    # --- Views ---

    def _invoice(self, request: HttpRequest, object_id: str) -> Invoice:
        invoice = self.get_object(request, unquote(object_id))
        if invoice is None:
            raise Http404(gettext("No invoice with this id."))
        return invoice

    def print_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The invoice as the customer gets it: its own page, A4 when printed."""
        invoice = self._invoice(request, object_id)
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        return HttpResponse(invoice_html(invoice))

    def pdf_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        invoice = self._invoice(request, object_id)
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{printed_invoice(invoice).filename}"'
        return response

    def invoice_action_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        action = INVOICE_ACTIONS[name]
        invoice = self._invoice(request, object_id)
        if not self.has_change_permission(request, invoice):
            raise PermissionDenied
        form = action.form(request.POST if request.method == "POST" else None, initial=action.initial(invoice))
        if form.is_bound and form.is_valid():
            try:
                with transaction.atomic():
                    result = action.perform(invoice, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(request, action.done % {"invoice": result}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:invoicing_invoice_change", args=[result.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{action.label}: {invoice}",
            "invoice": invoice,
            "form": form,
            "intro": action.intro,
            "submit": action.submit,
        }
        return TemplateResponse(request, "admin/invoicing/invoice_action.html", context)
