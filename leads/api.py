"""REST API of this app: serializers and views; state changes are POST actions that call a service.

Leads (`/api/leads/`), their timeline (`/api/activities/`) and the service catalogue (`/api/services/`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.filters import SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.viewsets import ModelViewSet, ReadOnlyModelViewSet

from leads.models import Activity, Lead, ServiceType
from leads.services import (
    LeadInUseError,
    ServiceTypeInUseError,
    lead_create,
    lead_delete,
    lead_set_status,
    lead_update,
    service_type_create,
    service_type_delete,
    service_type_update,
)
from renos.api.filters import StableOrderingFilter
from renos.api.permissions import IsSuperuserOrReadOnly
from renos.api.routers import UUID_PATTERN
from renos.api.schema import AUTH_ERRORS, conflict, field_errors, not_found


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


# ---------------------------------------------------------------------------------------------------------
# Filter pieces
# ---------------------------------------------------------------------------------------------------------


class LeadOrderingFilter(StableOrderingFilter):
    """Status sorts along the journey and priority from low to high, not alphabetically."""

    # Asked for by name, sorted by the annotations of LeadViewSet.get_queryset.
    aliases = {"status": "status_rank", "priority": "priority_rank"}

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        return [self._alias(term) for term in super().get_ordering(request, queryset, view)]

    def _alias(self, term: str) -> str:
        descending, name = term.startswith("-"), term.lstrip("-")
        name = self.aliases.get(name, name)
        return f"-{name}" if descending else name

    def describe(self, view: Any) -> str:
        return (
            "Sort by created_at, updated_at, estimated_price, customer_name, status (along the journey) or priority "
            "(low to high), comma-separated; a leading - reverses. Default: -created_at."
        )


class LeadSearchFilter(SearchFilter):
    search_description = "Part of the customer's name, email or phone, in any case."


class DateOrDateTimeField(forms.CharField):
    """An ISO 8601 date or date-time; a date-time without offset is read in Danish time."""

    default_error_messages = {
        "invalid": "Enter an ISO 8601 date (2026-11-21) or date-time (2026-11-21T13:00:00+01:00).",
    }

    def to_python(self, value: Any) -> date | datetime | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:
            day = moment = None
        if day:
            return day
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class CreatedBoundFilter(filters.CharFilter):
    """`created_at` on or after (or on or before) a moment; a date counts as the whole day in Danish time."""

    field_class = DateOrDateTimeField

    def __init__(self, *args: Any, upper: bool, **kwargs: Any) -> None:
        self.upper = upper
        super().__init__(*args, field_name="created_at", **kwargs)

    def filter(self, qs: QuerySet, value: date | datetime | None) -> QuerySet:
        if value is None:
            return qs
        if not isinstance(value, datetime):
            day = value + timedelta(days=1) if self.upper else value
            midnight = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
            return qs.filter(created_at__lt=midnight) if self.upper else qs.filter(created_at__gte=midnight)
        return qs.filter(created_at__lte=value) if self.upper else qs.filter(created_at__gte=value)


# ---------------------------------------------------------------------------------------------------------
# Service catalogue
# ---------------------------------------------------------------------------------------------------------


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = (
            "id",
            "code",
            "name",
            "m2_per_hour",
            "default_hours",
            "billy_product_id",
            "billy_product_number",
            "is_active",
        )
        extra_kwargs = {
            "m2_per_hour": {"min_value": Decimal("0.1")},
            "default_hours": {"min_value": Decimal("0.1")},
        }


@extend_schema_view(
    list=extend_schema(summary="List the services", responses={200: ServiceTypeSerializer(many=True), **AUTH_ERRORS}),
    retrieve=extend_schema(
        summary="One service", responses={200: ServiceTypeSerializer, 404: not_found(), **AUTH_ERRORS}
    ),
    create=extend_schema(
        summary="Add a service (admins only)",
        responses={201: ServiceTypeSerializer, 400: field_errors(), **AUTH_ERRORS},
    ),
    update=extend_schema(
        summary="Change a service (admins only)",
        description="The code of a service that leads or bookings use cannot be changed (400 on `code`).",
        responses={200: ServiceTypeSerializer, 400: field_errors(), 404: not_found(), **AUTH_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a service (admins only)",
        description="The code of a service that leads or bookings use cannot be changed (400 on `code`).",
        responses={200: ServiceTypeSerializer, 400: field_errors(), 404: not_found(), **AUTH_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a service (admins only)",
        description="Refused with 409 while leads or bookings use the service: set `is_active` to false instead.",
        responses={
            204: None,
            404: not_found(),
            409: conflict("Leads or bookings use the service."),
            **AUTH_ERRORS,
        },
    ),
)
class ServiceTypeViewSet(ModelViewSet):
    """The services Rendetalje sells: what the estimate of a lead is computed from. Staff read, admins write."""

    queryset = ServiceType.objects.order_by("name", "id")
    serializer_class = ServiceTypeSerializer
    permission_classes = [IsSuperuserOrReadOnly]
    lookup_value_regex = UUID_PATTERN
    filter_backends = [filters.DjangoFilterBackend]
    filterset_fields = ["is_active"]

    def perform_create(self, serializer: ServiceTypeSerializer) -> None:
        serializer.instance = service_type_create(**serializer.validated_data)

    def perform_update(self, serializer: ServiceTypeSerializer) -> None:
        serializer.instance = service_type_update(service_type=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance: ServiceType) -> None:
        try:
            service_type_delete(service_type=instance)
        except ServiceTypeInUseError as exc:
            raise Conflict(exc.messages[0]) from exc


# ---------------------------------------------------------------------------------------------------------
# Activities (the timeline)
# ---------------------------------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = (
            "id",
            "lead",
            "booking",
            "invoice",
            "type",
            "title",
            "description",
            "status",
            "customer",
            "metadata",
            "created_at",
        )
        read_only_fields = fields


class ActivityFilter(filters.FilterSet):
    lead = filters.UUIDFilter(help_text="Only the timeline of this lead.")
    booking = filters.UUIDFilter(help_text="Only entries about this booking.")
    invoice = filters.UUIDFilter(help_text="Only entries about this invoice.")
    type = filters.ChoiceFilter(choices=Activity.Type.choices)
    status = filters.ChoiceFilter(choices=Activity.Status.choices)

    class Meta:
        model = Activity
        fields = ["lead", "booking", "invoice", "type", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="The timeline",
        description="Newest first. Titles are Danish, as staff read them.",
        responses={200: ActivitySerializer(many=True), 400: field_errors(), **AUTH_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One timeline entry", responses={200: ActivitySerializer, 404: not_found(), **AUTH_ERRORS}
    ),
)
class ActivityViewSet(ReadOnlyModelViewSet):
    """Timeline entries of leads, bookings and invoices; written by the services, read here."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    lookup_value_regex = UUID_PATTERN
    filter_backends = [filters.DjangoFilterBackend, StableOrderingFilter]
    filterset_class = ActivityFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]


# ---------------------------------------------------------------------------------------------------------
# Leads
# ---------------------------------------------------------------------------------------------------------


class LeadSerializer(serializers.ModelSerializer):
    service_type = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ServiceType.objects.all(),
        required=False,
        allow_null=True,
        help_text="The code of a service in /api/services/ (e.g. `fast`).",
    )
    service_name = serializers.CharField(source="service_type.name", read_only=True, allow_null=True)

    class Meta:
        model = Lead
        fields = (
            "id",
            "customer",
            "customer_name",
            "customer_email",
            "customer_phone",
            "company_name",
            "source",
            "service_type",
            "service_name",
            "address",
            "city",
            "postal_code",
            "area_m2",
            "preferred_date",
            "estimated_hours",
            "estimated_price",
            "status",
            "priority",
            "notes",
            "ai_analysis",
            "email_content",
            "response_sent",
            "sms_sent",
            "needs_follow_up",
            "follow_up_reason",
            "last_error",
            "email_thread_id",
            "source_message_id",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "id",
            "customer",
            "estimated_price",
            "status",
            "ai_analysis",
            "email_content",
            "response_sent",
            "sms_sent",
            "needs_follow_up",
            "follow_up_reason",
            "last_error",
            "email_thread_id",
            "source_message_id",
            "created_at",
            "updated_at",
        )
        extra_kwargs = {
            "source": {"required": False, "help_text": "Where the lead came from; `manual` when left out."},
            "customer_phone": {"help_text": "Any Danish way of writing it; stored as E.164 (+4520112233)."},
            "estimated_hours": {
                "min_value": Decimal("0.01"),
                "help_text": "Work hours; when given the price is hours × the hourly rate, "
                "otherwise both are estimated from the service and the area.",
            },
            "estimated_price": {"help_text": "Incl. moms, computed from the hours; never set directly."},
            "customer": {"help_text": "The customer the lead was linked to (found or created by email, else phone)."},
        }


class LeadUpdateSerializer(LeadSerializer):
    """The lead as it may be changed; `status` may be sent only with the current value."""

    status = serializers.ChoiceField(
        choices=Lead.Status.choices,
        required=False,
        help_text="Only the current status is accepted; change it with POST /api/leads/{id}/status/.",
    )

    class Meta(LeadSerializer.Meta):
        read_only_fields = tuple(field for field in LeadSerializer.Meta.read_only_fields if field != "status")


class LeadStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Lead.Status.choices,
        help_text="new → contacted | booked; contacted → booked; booked → completed | contacted; "
        "completed → invoiced; invoiced is final.",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Written on the timeline entry instead of the default."
    )


class LeadFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Lead.Status.choices)
    source = filters.ChoiceFilter(choices=Lead.Source.choices)
    priority = filters.ChoiceFilter(choices=Lead.Priority.choices)
    service_type = filters.ModelChoiceFilter(
        queryset=ServiceType.objects.all(), to_field_name="code", help_text="A service code, e.g. `fast`."
    )
    customer = filters.UUIDFilter(help_text="Only the leads of this customer.")
    needs_follow_up = filters.BooleanFilter(help_text="Only leads where automation stopped and a person must act.")
    created_after = CreatedBoundFilter(
        upper=False, help_text="Created on or after this ISO date or date-time (a date means from its start)."
    )
    created_before = CreatedBoundFilter(
        upper=True, help_text="Created on or before this ISO date or date-time (a date means to its end)."
    )

    class Meta:
        model = Lead
        fields = [
            "status",
            "source",
            "priority",
            "service_type",
            "customer",
            "needs_follow_up",
            "created_after",
            "created_before",
        ]


LEAD_CONFLICT = conflict("The lead has bookings or invoices.")


@extend_schema_view(
    list=extend_schema(
        summary="List leads",
        description="Newest first unless `ordering` says otherwise. `search` looks in name, email and phone "
        "(any case, any part).",
        responses={200: LeadSerializer(many=True), 400: field_errors(), **AUTH_ERRORS},
    ),
    retrieve=extend_schema(summary="One lead", responses={200: LeadSerializer, 404: not_found(), **AUTH_ERRORS}),
    create=extend_schema(
        summary="Create a lead",
        description="Prices the lead, finds or creates its customer (by email, else phone) and writes "
        '"Nyt lead oprettet" on its timeline.',
        responses={201: LeadSerializer, 400: field_errors(), **AUTH_ERRORS},
    ),
    update=extend_schema(
        summary="Change a lead",
        description="Re-prices the lead when the service, area or hours change. The status changes only "
        "through POST /api/leads/{id}/status/.",
        request=LeadUpdateSerializer,
        responses={200: LeadSerializer, 400: field_errors(), 404: not_found(), **AUTH_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a lead",
        description="As PUT, with only the fields sent.",
        request=LeadUpdateSerializer,
        responses={200: LeadSerializer, 400: field_errors(), 404: not_found(), **AUTH_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a lead",
        description="Deletes the lead with its timeline; refused (409) when it has bookings or invoices.",
        responses={204: None, 404: not_found(), 409: LEAD_CONFLICT, **AUTH_ERRORS},
    ),
)
class LeadViewSet(ModelViewSet):
    """Inquiries and where they stand on the way to an invoice."""

    serializer_class = LeadSerializer
    lookup_value_regex = UUID_PATTERN
    filter_backends = [filters.DjangoFilterBackend, LeadSearchFilter, LeadOrderingFilter]
    filterset_class = LeadFilter
    search_fields = ["customer_name", "customer_email", "customer_phone"]
    ordering_fields = ["created_at", "updated_at", "estimated_price", "customer_name", "status", "priority"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Lead]:
        return Lead.objects.select_related("service_type").annotate(
            status_rank=rank("status", Lead.Status.values),
            priority_rank=rank("priority", Lead.Priority.values),
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return LeadUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer: LeadSerializer) -> None:
        data = dict(serializer.validated_data)
        data.setdefault("source", Lead.Source.MANUAL)
        serializer.instance = lead_create(**data)

    def perform_update(self, serializer: LeadSerializer) -> None:
        serializer.instance = lead_update(lead=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance: Lead) -> None:
        try:
            lead_delete(lead=instance)
        except LeadInUseError as exc:
            raise Conflict(exc.messages[0]) from exc

    @extend_schema(
        summary="Move a lead along its journey",
        description='Writes "Status opdateret til …" on the timeline. A move that is not allowed is a 400 on '
        "`status` naming the allowed ones.",
        request=LeadStatusSerializer,
        responses={200: LeadSerializer, 400: field_errors(), 404: not_found(), **AUTH_ERRORS},
        examples=[OpenApiExample("Contacted", value={"status": "contacted"}, request_only=True)],
    )
    @action(detail=True, methods=["post"], url_path="status", serializer_class=LeadStatusSerializer, filter_backends=[])
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        serializer = LeadStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = lead_set_status(lead=lead, **serializer.validated_data)
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The timeline of a lead",
        description="Newest first.",
        responses={200: ActivitySerializer(many=True), 404: not_found(), **AUTH_ERRORS},
    )
    @action(detail=True, methods=["get"], serializer_class=ActivitySerializer, filter_backends=[])
    def activities(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        page = self.paginate_queryset(lead.activities.order_by("-created_at", "-id"))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)


def rank(field: str, values: list[str]) -> Case:
    """The position of the field's value in `values`, for sorting choices in their natural order."""
    return Case(*(When(**{field: value}, then=Value(i)) for i, value in enumerate(values)), output_field=IntegerField())


router = SimpleRouter()
router.register("leads", LeadViewSet, basename="lead")
router.register("activities", ActivityViewSet, basename="activity")
router.register("services", ServiceTypeViewSet, basename="service-type")

urlpatterns = router.urls
