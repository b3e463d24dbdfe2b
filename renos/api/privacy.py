"""Personal data over the API: `GET /api/customers/{id}/export/` (staff) and `POST /api/customers/{id}/erase/`
(superusers only, with `{"confirm": true}`)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from renos.api.permissions import IsActiveStaff
from renos.api.schema import AUTH_ERRORS, field_errors, not_found
from renos.privacy import INVOICES_KEPT, customer_erase, customer_personal_data_export

NOT_FOUND = not_found("No customer with this id.")


class IsActiveSuperuser(IsActiveStaff):
    message = "Kun administratorer kan slette persondata."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and request.user.is_superuser


class EraseSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="Must be `true`: the erase cannot be undone.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Why (e.g. the customer asked on 3 March); the customer's own details are blanked out of it.",
    )

    def validate_confirm(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError('Bekræft sletningen med "confirm": true.')
        return value


class ErasedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    anonymised_at = serializers.DateTimeField()
    detail = serializers.CharField()


class CustomerExportView(APIView):
    permission_classes = [IsActiveStaff]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        tags=["customers"],
        operation_id="customers_export_personal_data",
        summary="Export a customer's personal data",
        description="Everything about the customer as a JSON attachment: the customer with tags, leads with their "
        "activities and slot offers, conversations with every email, SMS, bookings, invoices with lines and the audit "
        "trail. Times ISO 8601, money as strings.",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The export (`Content-Disposition: attachment`)."),
            404: NOT_FOUND,
            **AUTH_ERRORS,
        },
    )
    def get(self, request: Request, pk: str) -> Response:
        customer = get_object_or_404(Customer, pk=pk)
        data = customer_personal_data_export(customer=customer)
        filename = f"persondata-{customer.pk}.json"
        return Response(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class CustomerEraseView(APIView):
    permission_classes = [IsActiveSuperuser]

    @extend_schema(
        tags=["customers"],
        operation_id="customers_erase_personal_data",
        summary="Erase a customer's personal data",
        description="Anonymises the customer and everything about it (leads, emails, SMS, bookings, timeline, audit "
        "trail). Invoices are kept unchanged: " + INVOICES_KEPT + " Refused (400) while the customer has a booking "
        "that is not done yet. Erasing again changes nothing more. Superusers only.",
        request=EraseSerializer,
        responses={200: ErasedSerializer, 400: field_errors(), 404: NOT_FOUND, **AUTH_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        customer = get_object_or_404(Customer, pk=pk)
        serializer = EraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = customer_erase(
            customer=customer, actor=request.user, reason=serializer.validated_data.get("reason", "")
        )
        detail = "Persondata er slettet. Fakturaerne er bevaret, som bogføringsloven kræver."
        return Response({"id": str(customer.pk), "anonymised_at": customer.anonymised_at, "detail": detail})


urlpatterns = [
    path("customers/<uuid:pk>/export/", CustomerExportView.as_view(), name="customer-export"),
    path("customers/<uuid:pk>/erase/", CustomerEraseView.as_view(), name="customer-erase"),
]
