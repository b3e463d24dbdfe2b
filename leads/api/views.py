"""Views of the leads API: leads with their status action and timeline, the timeline, and the service catalogue."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ModelViewSet, ReadOnlyModelViewSet

from leads.api.filters import ActivityFilter, LeadFilter, LeadOrderingFilter, LeadSearchFilter
from leads.api.serializers import (
    ActivitySerializer,
    LeadSerializer,
    LeadStatusSerializer,
    LeadUpdateSerializer,
    ServiceTypeSerializer,
)
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
from renos.api.filters import AskedFilterBackend, StableOrderingFilter
from renos.api.permissions import IsSuperuserOrReadOnly
from renos.api.routers import UUID_PATTERN
from renos.api.rows import RowFormat, RowsListMixin
from renos.api.schema import AUTH_ERRORS, conflict, field_errors, not_found


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


# ---------------------------------------------------------------------------------------------------------
# Service catalogue
# ---------------------------------------------------------------------------------------------------------


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
class LeadViewSet(RowsListMixin, ModelViewSet):
    """Inquiries and where they stand on the way to an invoice."""

    serializer_class = LeadSerializer
    row_format = RowFormat(LeadSerializer)
    lookup_value_regex = UUID_PATTERN
    filter_backends = [AskedFilterBackend, LeadSearchFilter, LeadOrderingFilter]
    filterset_class = LeadFilter
    search_fields = ["customer_name", "customer_email", "customer_phone"]
    ordering_fields = ["created_at", "updated_at", "estimated_price", "customer_name", "status", "priority"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Lead]:
        return Lead.objects.select_related("service_type")

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
