"""REST API of invoices: read and filter (the state changes come later, as POST actions that call a service)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from invoicing.models import Invoice, InvoiceQuerySet, local_today
from renos.api.filters import DocumentedSearchFilter, MirroredTiesOrderingFilter
from renos.api.routers import UUID_PATTERN
from renos.api.schema import field_errors, not_found


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


class InvoiceSerializer(serializers.ModelSerializer):
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
            "subtotal",
            "vat_amount",
            "total_amount",
            "due_date",
            "sent_date",
            "paid_date",
            "billy_invoice_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, invoice: Invoice) -> bool:
        if invoice.status == Invoice.Status.OVERDUE:
            return True
        today = self.context.get("today") or local_today()
        return invoice.status == Invoice.Status.SENT and invoice.due_date is not None and invoice.due_date < today


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
            200: InvoiceSerializer(many=True),
            400: field_errors("An unknown choice or a malformed value in a filter."),
            404: not_found("A page past the last one."),
        },
    ),
    retrieve=extend_schema(
        description="One invoice.",
        responses={200: InvoiceSerializer, 404: not_found("No invoice with this id.")},
    ),
)
class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices (read-only for now: issuing and marking paid come later)."""

    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    lookup_value_regex = UUID_PATTERN
    filterset_class = InvoiceFilter
    filter_backends = [filters.DjangoFilterBackend, DocumentedSearchFilter, MirroredTiesOrderingFilter]
    search_fields = ["invoice_number", "customer_name", "customer_email"]
    ordering_fields = ["created_at", "due_date", "total_amount", "invoice_number"]
    ordering = ["-created_at", "-id"]

    def get_serializer_context(self) -> dict:
        # One "today" per request, so every row of a page is judged against the same date.
        return {**super().get_serializer_context(), "today": local_today()}


router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")

urlpatterns = router.urls
