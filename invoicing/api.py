"""REST API of invoices: read and filter, and every change as a POST action that calls a service (issue, add a
line to a draft, record a payment, remind, credit), the printed invoice as a PDF, and deleting a draft.

An issued invoice is never edited or deleted: those requests are a 400 that says to credit it instead.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from invoicing.models import Invoice, InvoiceLine, InvoiceQuerySet, local_today
from invoicing.printing import invoice_pdf, printed_invoice
from invoicing.services import (
    invoice_credit,
    invoice_delete,
    invoice_issue,
    invoice_line_add,
    invoice_mark_paid,
    invoice_reminder_refusal,
)
from renos.api.actions import ServiceActionsMixin
from renos.api.filters import DocumentedSearchFilter, MirroredTiesOrderingFilter
from renos.api.routers import UUID_PATTERN
from renos.api.schema import AUTH_ERRORS, field_errors, not_found
from renos.pipeline import after_invoice_issued, send_invoice_reminder


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or `1`/`0`); anything else is a 400, not silently ignored."""

    widget = forms.TextInput

    def to_python(self, value: object) -> bool | None:
        if value in (None, ""):
            return None
        normalized = str(value).strip().lower()
        if normalized in ("true", "1"):
            return True
        if normalized in ("false", "0"):
            return False
        raise ValidationError("Must be true or false.", code="invalid")

    def validate(self, value: object) -> None:
        """Any of None, True, False is valid once parsed."""


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["id", "position", "description", "quantity", "unit", "unit_price", "amount"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True, help_text="Prices and amounts include moms.")
    balance = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, help_text="Still owed, incl. moms: total minus paid."
    )
    is_overdue = serializers.SerializerMethodField(
        help_text="Status overdue, or sent and past its due date (Europe/Copenhagen)."
    )

    class Meta:
        model = Invoice
        fields = [
            "id",
            "invoice_number",
            "status",
            "is_overdue",
            "lead",
            "booking",
            "customer",
            "customer_name",
            "customer_email",
            "customer_address",
            "service_description",
            "hours_worked",
            "hourly_rate",
            "lines",
            "subtotal",
            "vat_rate",
            "vat_amount",
            "total_amount",
            "amount_paid",
            "balance",
            "credited_invoice",
            "seller_name",
            "seller_address",
            "seller_cvr",
            "issue_date",
            "delivery_date",
            "due_date",
            "sent_date",
            "paid_date",
            "reminder_count",
            "last_reminder_at",
            "billy_invoice_id",
            "billy_synced_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, invoice: Invoice) -> bool:
        if invoice.status == Invoice.Status.OVERDUE:
            return True
        today = self.context.get("today") or local_today()
        return invoice.status == Invoice.Status.SENT and invoice.due_date is not None and invoice.due_date < today


class InvoiceListSerializer(InvoiceSerializer):
    """A row of the list: the invoice without its lines (one query per page, however many lines)."""

    class Meta(InvoiceSerializer.Meta):
        fields = [name for name in InvoiceSerializer.Meta.fields if name != "lines"]
        read_only_fields = fields


class InvoiceLineCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=255, help_text="What was delivered, e.g. `Kørsel` or `Materialer`.")
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Not 0.")
    unit = serializers.CharField(max_length=20, required=False, default="stk.", help_text="`stk.`, `timer`, `km`.")
    unit_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, help_text="Per unit, incl. 25% moms."
    )


class InvoicePaymentSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day the money arrived (not in the future).")
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="Incl. moms; more than 0 and at most the balance. Less than the balance is a part payment.",
    )


class InvoiceCreditSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="Why; on the credit note."
    )


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; an error still comes back as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class InvoiceFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Invoice.Status.choices)
    customer = filters.UUIDFilter(field_name="customer")
    lead = filters.UUIDFilter(field_name="lead")
    due_before = filters.DateFilter(
        field_name="due_date", lookup_expr="lte", help_text="Invoices due on or before this day."
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text="true: status overdue, or sent and past its due date (Europe/Copenhagen); false: all others.",
    )

    class Meta:
        model = Invoice
        fields = ["status", "customer", "lead", "due_before", "overdue"]

    def filter_overdue(self, queryset: InvoiceQuerySet, name: str, value: bool) -> InvoiceQuerySet:
        return queryset.overdue() if value else queryset.not_overdue()


@extend_schema_view(
    list=extend_schema(
        description="Invoices, newest first by default; filter, search and sort with the query parameters.",
        responses={
            200: InvoiceListSerializer(many=True),
            400: field_errors("An unknown choice or a malformed value in a filter."),
            404: not_found("A page past the last one."),
        },
    ),
    retrieve=extend_schema(
        description="One invoice.",
        responses={200: InvoiceSerializer, 404: not_found("No invoice with this id.")},
    ),
)
class InvoiceViewSet(ServiceActionsMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invoices and credit notes; staff change them only through POST actions (never by PUT or PATCH), and delete
    only drafts."""

    output_serializer = InvoiceSerializer
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    lookup_value_regex = UUID_PATTERN
    filterset_class = InvoiceFilter
    filter_backends = [filters.DjangoFilterBackend, DocumentedSearchFilter, MirroredTiesOrderingFilter]
    search_fields = ["invoice_number", "customer_name", "customer_email"]
    ordering_fields = ["created_at", "due_date", "total_amount", "invoice_number"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> InvoiceQuerySet:
        queryset = super().get_queryset()
        return queryset if self.action == "list" else queryset.prefetch_related("lines")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return InvoiceListSerializer if self.action == "list" else super().get_serializer_class()

    def get_serializer_context(self) -> dict:
        # One "today" per request, so every row of a page is judged against the same date.
        return {**super().get_serializer_context(), "today": local_today()}

    @extend_schema(
        summary="Delete a draft",
        description="Only a draft can be deleted; an issued invoice stays in the books and is reversed with a credit "
        "note (`POST .../credit/`).",
        responses={204: None, 400: field_errors("The invoice is issued."), 404: not_found(), **AUTH_ERRORS},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invoice_delete(invoice=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Issue a draft",
        description="Gives the draft the next invoice number, today's date and the due date (payment terms from "
        "settings) and the seller's details; the lead becomes invoiced. From then on the invoice is never edited.",
        request=None,
        responses={200: InvoiceSerializer, 400: field_errors("Issued already, or no lines."), 404: not_found()},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        with transaction.atomic():
            invoice = invoice_issue(invoice=self.get_object())
            after_invoice_issued(invoice=invoice)
        return Response(self._out(invoice))

    @extend_schema(
        summary="Add a line to a draft",
        description="Materials, travel or more hours; the amount is quantity × unit price (incl. moms) rounded to "
        "øre, and the draft's totals follow. An issued invoice is refused.",
        request=InvoiceLineCreateSerializer,
        responses={
            201: InvoiceSerializer,
            400: field_errors("The invoice is issued, or a bad line."),
            404: not_found(),
        },
        examples=[
            OpenApiExample(
                "Travel", value={"description": "Kørsel", "quantity": "1", "unit_price": "150.00"}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"], serializer_class=InvoiceLineCreateSerializer, filter_backends=[])
    def lines(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        data = self._valid(InvoiceLineCreateSerializer, request)
        invoice_line_add(invoice=invoice, **data)
        return Response(self._out(invoice), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a payment",
        description="The full balance makes the invoice paid (its date is `date`) and counts in the customer's "
        "revenue. Less is a part payment: the invoice stays sent or overdue with the rest as its balance, and "
        "reminders ask for the rest. More than the balance is refused.",
        request=InvoicePaymentSerializer,
        responses={
            200: InvoiceSerializer,
            400: field_errors("Not sent or overdue, more than the balance, or a date in the future."),
            404: not_found(),
        },
        examples=[OpenApiExample("Paid in full", value={"date": "2026-12-01", "amount": "1221.50"}, request_only=True)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="mark-paid",
        url_name="mark-paid",
        serializer_class=InvoicePaymentSerializer,
        filter_backends=[],
    )
    def mark_paid(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        data = self._valid(InvoicePaymentSerializer, request)
        invoice = invoice_mark_paid(invoice=invoice, amount=data["amount"], paid_on=data["date"])
        return Response(self._out(invoice))

    @extend_schema(
        summary="Send a payment reminder",
        description="Queues the next `invoice_reminder` email for an overdue invoice. The limits of the morning "
        "sweep apply: at most one reminder per invoice per interval (7 days) and a maximum in all (3).",
        request=None,
        responses={
            202: InvoiceSerializer,
            400: field_errors("Not overdue, no email address, or the limits are reached."),
            404: not_found(),
        },
    )
    @action(detail=True, methods=["post"], url_path="send-reminder", url_name="send-reminder", filter_backends=[])
    def send_reminder(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        refusal = invoice_reminder_refusal(invoice=invoice)
        if refusal:
            raise ValidationError({"status": refusal}, code="no_reminder")
        invoice_id = str(invoice.pk)
        transaction.on_commit(lambda: send_invoice_reminder.delay(invoice_id=invoice_id))
        return Response(self._out(invoice), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Credit an invoice",
        description="Reverses a sent, overdue or paid invoice with a credit note: a new invoice with its own number "
        "from the same sequence, the lines with negative quantities and `credited_invoice` pointing back. The "
        "original becomes `credited` and is otherwise unchanged. Answers with the credit note.",
        request=InvoiceCreditSerializer,
        responses={
            201: InvoiceSerializer,
            400: field_errors("A draft, a credit note, or credited already."),
            404: not_found(),
        },
    )
    @action(detail=True, methods=["post"], serializer_class=InvoiceCreditSerializer, filter_backends=[])
    def credit(self, request: Request, pk: str | None = None) -> Response:
        invoice = self.get_object()
        data = self._valid(InvoiceCreditSerializer, request)
        with transaction.atomic():
            note = invoice_credit(invoice=invoice, reason=data["reason"])
            after_invoice_issued(invoice=note)
        return Response(self._out(note), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The invoice as a PDF",
        description="A4, in Danish, with what momsbekendtgørelsen § 58 requires: number, dates, the seller's CVR, "
        "name and address, the buyer, the lines, the VAT rate and amount. A draft is marked as not an invoice.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            404: not_found(),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer], filter_backends=[])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        invoice = self.get_object()
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{printed_invoice(invoice).filename}"'
        return response


router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")

urlpatterns = router.urls
