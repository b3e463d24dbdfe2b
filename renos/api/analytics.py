"""`GET /api/analytics/...`: lifetime value, response ratios, AI-written email, the lead funnel and job size.

Thin views over renos/analytics.py; each answers in a fixed number of queries. Money is a string with two
decimals (DKK incl. moms); a ratio is a number, or null when there is nothing to divide by.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from leads.models import Lead
from messaging.models import Conversation
from renos import analytics
from renos.api.dashboard import money
from renos.api.pagination import Pagination
from renos.api.schema import field_errors, not_found

DEFAULT_TOP = 10
MAX_TOP = 100
REVENUE = (
    "Revenue: paid invoices incl. moms, as a customer's `total_revenue` counts them (a credited invoice and a "
    "credit note do not count)."
)


def nullable_money() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=2, allow_null=True, help_text='DKK incl. moms, e.g. "1221.50"; null if none.'
    )


def valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The query parameters, validated (a 400 with messages by field if not)."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


# --- top-customers ---------------------------------------------------------------------------------------------


class TopCustomersParams(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_TOP, default=DEFAULT_TOP, help_text=f"How many customers (1..{MAX_TOP})."
    )


class TopCustomerSerializer(serializers.ModelSerializer):
    total_revenue = money()

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "status", "total_leads", "total_bookings", "total_revenue"]
        read_only_fields = fields


class TopCustomersView(APIView):
    """The customers with the highest lifetime value."""

    @extend_schema(
        operation_id="analytics_top_customers",
        parameters=[TopCustomersParams],
        responses={
            200: inline_serializer("AnalyticsTopCustomers", fields={"results": TopCustomerSerializer(many=True)}),
            400: field_errors("A limit that is not a whole number from 1 to 100."),
        },
        description=(
            "Active customers by lifetime value (`total_revenue`), highest first, ties by name; customers who "
            f"have paid nothing yet are left out. {REVENUE}"
        ),
    )
    def get(self, request: Request) -> Response:
        limit = valid(TopCustomersParams, request)["limit"]
        customers = analytics.top_customers(limit=limit)
        return Response({"results": TopCustomerSerializer(customers, many=True).data})


# --- response-ratio --------------------------------------------------------------------------------------------


class ResponseRatioParams(serializers.Serializer):
    customer = serializers.UUIDField(required=False, help_text="Only this customer's conversations.")


class MessageCountsSerializer(serializers.Serializer):
    outbound = serializers.IntegerField(help_text="Emails sent (drafts and failed sends left out).")
    inbound = serializers.IntegerField(help_text="Emails received.")
    ratio = serializers.FloatField(allow_null=True, help_text="outbound / inbound, 2 decimals; null with no inbound.")


class ConversationRatioSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    subject = serializers.CharField()
    channel = serializers.ChoiceField(choices=Conversation.Channel.choices)
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    customer = serializers.UUIDField(source="customer_id", allow_null=True)
    customer_name = serializers.CharField(source="customer.name", allow_null=True, default=None)
    updated_at = serializers.DateTimeField()
    outbound = serializers.IntegerField()
    inbound = serializers.IntegerField()
    ratio = serializers.SerializerMethodField()

    @extend_schema_field(serializers.FloatField(allow_null=True, help_text="outbound / inbound; null with no inbound."))
    def get_ratio(self, conversation: Conversation) -> float | None:
        return analytics.conversation_ratio(conversation)


class ResponseRatioView(APIView):
    """Emails sent per email received: overall and per conversation."""

    @extend_schema(
        operation_id="analytics_response_ratio",
        parameters=[
            ResponseRatioParams,
            OpenApiParameter("page", OpenApiTypes.INT, description="A page number (from 1)."),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"Conversations per page (at most {Pagination.max_page_size}).",
            ),
        ],
        responses={
            200: inline_serializer(
                "AnalyticsResponseRatio",
                fields={
                    "overall": MessageCountsSerializer(),
                    "count": serializers.IntegerField(help_text="Conversations in all pages."),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": ConversationRatioSerializer(many=True),
                },
            ),
            400: field_errors("A customer that is not a UUID."),
            404: not_found("No such page."),
        },
        description=(
            "`overall`: every email sent and received (of the customer's conversations with `customer`). "
            "`results`: one page of conversations, latest activity first, with their own counts. An email counts "
            "once it went out or came in: drafts and failed sends are left out."
        ),
    )
    def get(self, request: Request) -> Response:
        customer_id = valid(ResponseRatioParams, request).get("customer")
        overall = analytics.response_ratio_overall(customer_id=customer_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            analytics.conversations_with_counts(customer_id=customer_id), request, view=self
        )
        return Response(
            {
                "overall": MessageCountsSerializer(overall).data,
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": ConversationRatioSerializer(page, many=True).data,
            }
        )


# --- ai-emails -------------------------------------------------------------------------------------------------


class AiEmailsView(APIView):
    """AI-written emails by model."""

    @extend_schema(
        operation_id="analytics_ai_emails",
        responses={
            200: inline_serializer(
                "AnalyticsAiEmails",
                fields={
                    "total": serializers.IntegerField(),
                    "by_model": inline_serializer(
                        "AnalyticsAiEmailsByModel",
                        fields={
                            "model": serializers.CharField(help_text=f'"{analytics.UNKNOWN_MODEL}" when not recorded.'),
                            "count": serializers.IntegerField(),
                        },
                        many=True,
                    ),
                },
            )
        },
        description="AI-written emails that were sent, counted by AI model, most first.",
    )
    def get(self, request: Request) -> Response:
        by_model = analytics.ai_emails_by_model()
        return Response(
            {
                "total": sum(row.count for row in by_model),
                "by_model": [{"model": row.model, "count": row.count} for row in by_model],
            }
        )


# --- leads -----------------------------------------------------------------------------------------------------


class LeadPeriodParams(serializers.Serializer):
    period_start = serializers.DateField(required=False, help_text="First day (default: from the first lead).")
    period_end = serializers.DateField(required=False, help_text="Last day, inclusive (default: up to now).")

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and start > end:
            raise serializers.ValidationError({"period_start": ["period_start must not be after period_end."]})
        return attrs


def funnel_fields() -> dict[str, serializers.Field]:
    return {
        "leads": serializers.IntegerField(help_text="Leads created in the period."),
        "booked": serializers.IntegerField(help_text="Of those, booked (also when completed or invoiced since)."),
        "completed": serializers.IntegerField(help_text="Of those, completed (also when invoiced since)."),
        "invoiced": serializers.IntegerField(help_text="Of those, invoiced."),
        "conversion_rate": serializers.FloatField(
            allow_null=True, help_text="booked / leads, 0..1; null with no leads."
        ),
        "revenue": money(),
    }


class LeadsView(APIView):
    """Leads by source and by service: how many were booked, completed and invoiced, and what they brought in."""

    @extend_schema(
        operation_id="analytics_leads",
        parameters=[LeadPeriodParams],
        responses={
            200: inline_serializer(
                "AnalyticsLeads",
                fields={
                    "period": inline_serializer(
                        "AnalyticsLeadsPeriod",
                        fields={
                            "start": serializers.DateField(allow_null=True),
                            "end": serializers.DateField(allow_null=True),
                        },
                    ),
                    "total": inline_serializer("AnalyticsLeadsTotal", fields=funnel_fields()),
                    "by_source": inline_serializer(
                        "AnalyticsLeadsBySource",
                        fields={
                            "source": serializers.ChoiceField(choices=Lead.Source.choices),
                            "label": serializers.CharField(),
                            **funnel_fields(),
                        },
                        many=True,
                    ),
                    "by_service": inline_serializer(
                        "AnalyticsLeadsByService",
                        fields={
                            "service_type": serializers.CharField(
                                allow_null=True, help_text="The service's code; null for leads without a service."
                            ),
                            "name": serializers.CharField(allow_null=True),
                            **funnel_fields(),
                        },
                        many=True,
                    ),
                },
            ),
            400: field_errors("A malformed date, or period_start after period_end."),
        },
        description=(
            "Leads created on the days `period_start`..`period_end` (Europe/Copenhagen, both included; without "
            "them, every lead), by source (every source, 0 when none) and by service (those with leads, most "
            "first). A lead counts as booked once it was booked and stays so when completed and invoiced; a "
            f"cancelled booking takes it back. `revenue`: the paid invoices of these leads. {REVENUE}"
        ),
    )
    def get(self, request: Request) -> Response:
        params = valid(LeadPeriodParams, request)
        funnel = analytics.lead_funnel(start=params.get("period_start"), end=params.get("period_end"))
        return Response(
            {
                "period": {"start": funnel.start, "end": funnel.end},
                "total": figures(funnel.total),
                "by_source": [{"source": g.source, "label": g.label, **figures(g)} for g in funnel.by_source],
                "by_service": [
                    {"service_type": g.service_type, "name": g.name, **figures(g)} for g in funnel.by_service
                ],
            }
        )


def figures(group: analytics.LeadGroup) -> dict[str, Any]:
    return {
        "leads": group.leads,
        "booked": group.booked,
        "completed": group.completed,
        "invoiced": group.invoiced,
        "conversion_rate": group.conversion_rate,
        "revenue": f"{group.revenue:.2f}",
    }


# --- job-size --------------------------------------------------------------------------------------------------


def average(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, allow_null=True, help_text=help_text)


class JobSizeSerializer(serializers.Serializer):
    bookings = inline_serializer(
        "AnalyticsJobSizeBookings",
        fields={
            "count": serializers.IntegerField(help_text="Completed bookings."),
            "average_hours": average("Hours on site per booking; null with no completed booking."),
            "average_cleaners": average("Cleaners per booking."),
            "average_amount": nullable_money(),
        },
    )
    invoices = inline_serializer(
        "AnalyticsJobSizeInvoices",
        fields={
            "count": serializers.IntegerField(help_text="Issued invoices: sent, overdue or paid."),
            "average_total": nullable_money(),
        },
    )


class JobSizeView(APIView):
    """The average job: completed bookings and issued invoices."""

    @extend_schema(
        operation_id="analytics_job_size",
        responses={200: JobSizeSerializer},
        description=(
            "Averages over completed bookings (hours on site, cleaners, amount incl. moms) and over issued "
            "invoices (total incl. moms; drafts, credited invoices and credit notes left out). An average is "
            "null when there is nothing to average."
        ),
    )
    def get(self, request: Request) -> Response:
        size = analytics.job_size()
        body = {
            "bookings": {
                "count": size.bookings,
                "average_hours": size.average_hours,
                "average_cleaners": size.average_cleaners,
                "average_amount": size.average_amount,
            },
            "invoices": {"count": size.invoices, "average_total": size.average_invoice_total},
        }
        return Response(JobSizeSerializer(body).data)


urlpatterns = [
    path("analytics/top-customers/", TopCustomersView.as_view(), name="analytics-top-customers"),
    path("analytics/response-ratio/", ResponseRatioView.as_view(), name="analytics-response-ratio"),
    path("analytics/ai-emails/", AiEmailsView.as_view(), name="analytics-ai-emails"),
    path("analytics/leads/", LeadsView.as_view(), name="analytics-leads"),
    path("analytics/job-size/", JobSizeView.as_view(), name="analytics-job-size"),
]
