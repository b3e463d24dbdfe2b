"""`GET /api/dashboard/summary/`: the business at a glance, in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api import end_of_local_day, start_of_local_day
from bookings.models import Booking
from invoicing.models import Invoice, InvoiceQuerySet, local_today
from leads.models import Lead

DEFAULT_PERIOD_DAYS = 30
ISSUED_STATUSES = (Invoice.Status.SENT, Invoice.Status.PAID, Invoice.Status.OVERDUE)


def default_start(end: date) -> date:
    """The first of the DEFAULT_PERIOD_DAYS days that end with `end`."""
    try:
        return end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    except OverflowError:  # an end in the first days of year 1
        return date.min


class PeriodSerializer(serializers.Serializer):
    period_start = serializers.DateField(
        required=False, help_text=f"First day of the period (default: {DEFAULT_PERIOD_DAYS - 1} days before the end)."
    )
    period_end = serializers.DateField(
        required=False, help_text="Last day of the period, inclusive (default: today in Europe/Copenhagen)."
    )

    def validate(self, attrs: dict) -> dict:
        end = attrs.get("period_end") or local_today()
        start = attrs.get("period_start") or default_start(end)
        if start > end:
            raise serializers.ValidationError({"period_start": ["period_start must not be after period_end."]})
        return {"start": start, "end": end}


def money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, help_text='DKK incl. moms, e.g. "1221.50".')


def counts_by(choices: type[Lead.Status] | type[Lead.Source], name: str) -> serializers.Serializer:
    return inline_serializer(name, fields={value: serializers.IntegerField() for value in choices.values})


class DashboardSummarySerializer(serializers.Serializer):
    period = inline_serializer(
        "DashboardPeriod", fields={"start": serializers.DateField(), "end": serializers.DateField()}
    )
    leads = inline_serializer(
        "DashboardLeads",
        fields={
            "total": serializers.IntegerField(help_text="Leads created in the period."),
            "by_status": counts_by(Lead.Status, "DashboardLeadsByStatus"),
            "by_source": counts_by(Lead.Source, "DashboardLeadsBySource"),
        },
    )
    bookings_this_week = inline_serializer(
        "DashboardBookingsThisWeek",
        fields={
            "start": serializers.DateField(help_text="Monday of the current week (Europe/Copenhagen)."),
            "end": serializers.DateField(help_text="Sunday of the current week."),
            "count": serializers.IntegerField(),
            "total_amount": money(),
        },
    )
    invoices = inline_serializer(
        "DashboardInvoices",
        fields={
            "invoiced_total": money(),
            "paid_total": money(),
            "overdue_total": money(),
            "overdue_count": serializers.IntegerField(),
        },
    )


def in_local_days(field: str, start: date, end: date) -> Q:
    """`field` (a datetime) falls on one of the days start..end in Europe/Copenhagen."""
    return Q(**{f"{field}__gte": start_of_local_day(start), f"{field}__lt": end_of_local_day(end)})


def lead_counts(start: date, end: date) -> dict:
    """One query: leads created in the period, counted by status and by source, every choice present."""
    aggregates = {"total": Count("id")}
    aggregates |= {f"status_{value}": Count("id", filter=Q(status=value)) for value in Lead.Status.values}
    aggregates |= {f"source_{value}": Count("id", filter=Q(source=value)) for value in Lead.Source.values}
    row = Lead.objects.filter(in_local_days("created_at", start, end)).aggregate(**aggregates)
    return {
        "total": row["total"],
        "by_status": {value: row[f"status_{value}"] for value in Lead.Status.values},
        "by_source": {value: row[f"source_{value}"] for value in Lead.Source.values},
    }


def bookings_this_week(today: date) -> dict:
    """One query: bookings starting Monday to Sunday of this week (Europe/Copenhagen), cancelled ones left out."""
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    row = (
        Booking.objects.filter(in_local_days("booking_date", monday, sunday))
        .exclude(status=Booking.Status.CANCELLED)
        .aggregate(count=Count("id"), total_amount=Sum("total_amount"))
    )
    return {"start": monday, "end": sunday, "count": row["count"], "total_amount": row["total_amount"] or Decimal(0)}


def invoice_totals(start: date, end: date, today: date) -> dict:
    """One query: what was invoiced and paid in the period, and what is overdue now."""
    overdue = InvoiceQuerySet.overdue_condition(today)
    row = Invoice.objects.annotate(issued_at=Coalesce("sent_date", "created_at")).aggregate(
        invoiced_total=Sum(
            "total_amount", filter=Q(status__in=ISSUED_STATUSES) & in_local_days("issued_at", start, end)
        ),
        paid_total=Sum("total_amount", filter=Q(status=Invoice.Status.PAID) & in_local_days("paid_date", start, end)),
        overdue_total=Sum("total_amount", filter=overdue),
        overdue_count=Count("id", filter=overdue),
    )
    return {key: (value if value is not None else Decimal(0)) for key, value in row.items()}


class DashboardSummaryView(APIView):
    """Leads, this week's bookings and invoice totals at a glance."""

    @extend_schema(
        operation_id="dashboard_summary",
        parameters=[PeriodSerializer],
        responses={
            200: DashboardSummarySerializer,
            400: OpenApiResponse(
                inline_serializer(
                    "DashboardPeriodError",
                    fields={
                        "period_start": serializers.ListField(child=serializers.CharField(), required=False),
                        "period_end": serializers.ListField(child=serializers.CharField(), required=False),
                    },
                ),
                description="A malformed date, or period_start after period_end; messages by field.",
            ),
        },
        description=(
            "All figures for the period `period_start`..`period_end` (whole days in Europe/Copenhagen, both "
            f"included; by default the last {DEFAULT_PERIOD_DAYS} days up to today), except `bookings_this_week` "
            "and the overdue figures, which are about now.\n\n"
            "- `leads`: leads created in the period, counted by status and by source (every value present, 0 when "
            "none).\n"
            "- `bookings_this_week`: bookings starting Monday to Sunday of the current week, cancelled ones left "
            "out.\n"
            "- `invoices.invoiced_total`: total incl. moms of invoices issued in the period: status sent, paid or "
            "overdue (drafts are not invoiced yet), dated by when they were sent (`sent_date`, or `created_at` "
            "when an issued invoice has no sent date).\n"
            "- `invoices.paid_total`: total of paid invoices whose `paid_date` is in the period.\n"
            "- `invoices.overdue_total` / `overdue_count`: invoices overdue now, whenever they were issued: status "
            "overdue, or sent and past their due date.\n\n"
            "Money is a string with two decimals (DKK incl. moms)."
        ),
    )
    def get(self, request: Request) -> Response:
        params = PeriodSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data["start"], params.validated_data["end"]
        today = local_today()
        summary = {
            "period": {"start": start, "end": end},
            "leads": lead_counts(start, end),
            "bookings_this_week": bookings_this_week(today),
            "invoices": invoice_totals(start, end, today),
        }
        return Response(DashboardSummarySerializer(summary).data)


urlpatterns = [path("dashboard/summary/", DashboardSummaryView.as_view(), name="dashboard-summary")]
