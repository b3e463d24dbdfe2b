"""REST API of customers: list, find-or-create, read with their leads and conversations, update, soft delete."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, filters, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from customers.models import Customer
from customers.services import (
    DuplicateCustomerError,
    customer_create,
    customer_delete,
    customer_get_by_email,
    customer_link_lead,
    customer_query,
    customer_update,
    customer_update_stats,
)
from leads.models import Lead
from messaging.models import Conversation
from messaging.services import conversation_list_for_customer
from renos.api.filters import StableOrderingFilter
from renos.api.routers import UUID_PATTERN
from renos.api.schema import field_errors, not_found

INCLUDES = ("leads", "conversations")

BAD_REQUEST = field_errors()
NOT_FOUND = not_found("No customer with this id.")


class MultipleValueField(forms.Field):
    """A query parameter that may repeat (`?tag=vip&tag=erhverv`): a list of non-empty strings."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(item).strip() for item in values if str(item).strip()]


@extend_schema_field(OpenApiTypes.STR)
class RepeatableFilter(django_filters.MultipleChoiceFilter):
    """A free-text filter that may repeat; documented as an exploded array of strings."""

    field_class = MultipleValueField


class CustomerFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices)
    tag = RepeatableFilter(method="filter_tags")
    email = django_filters.CharFilter(method="filter_email", help_text="Exact email, in any case.")

    class Meta:
        model = Customer
        fields = ["status", "tag", "email"]

    def filter_tags(self, queryset: QuerySet[Customer], name: str, value: list[str]) -> QuerySet[Customer]:
        if not value:
            return queryset
        return queryset.filter(pk__in=customer_query(tags=value).values("pk"))

    def filter_email(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        return queryset.with_email(value)


class TagListField(serializers.ListField):
    """Tags as a sorted list of names; read from the prefetched tags, so a list costs one query for all rows."""

    child = serializers.CharField(max_length=100)

    def to_representation(self, data: Any) -> list[str]:
        return sorted(tag.name for tag in data.all())


class CustomerSerializer(serializers.ModelSerializer):
    tags = TagListField(required=False, help_text="Tag names; on update the list replaces the customer's tags.")

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "address",
            "company_name",
            "notes",
            "status",
            "tags",
            "total_leads",
            "total_bookings",
            "total_revenue",
            "last_contact_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "total_leads",
            "total_bookings",
            "total_revenue",
            "last_contact_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            # Any Danish or international format is accepted; it is stored and returned in E.164.
            "phone": {"max_length": 50, "help_text": "Any format in; returned in E.164, e.g. +4520112233."},
            "email": {"help_text": "Unique regardless of case; stored in lower case."},
        }


class CustomerCreateSerializer(CustomerSerializer):
    """A new customer is always active."""

    class Meta(CustomerSerializer.Meta):
        read_only_fields = [*CustomerSerializer.Meta.read_only_fields, "status"]


class CustomerLeadSerializer(serializers.ModelSerializer):
    service_type = serializers.CharField(source="service_type_id", read_only=True, allow_null=True)

    class Meta:
        model = Lead
        fields = ["id", "status", "source", "service_type", "estimated_price", "created_at"]
        read_only_fields = fields


class CustomerConversationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        fields = ["id", "subject", "channel", "status", "updated_at"]
        read_only_fields = fields


class CustomerDetailSerializer(CustomerSerializer):
    """The customer, plus its leads and/or conversations when asked for with `?include=`."""

    # Not read-only only so the schema marks them optional: this serializer is never used for input.
    leads = CustomerLeadSerializer(many=True, required=False, help_text="Only with `?include=leads`; newest first.")
    conversations = CustomerConversationSummarySerializer(
        many=True, required=False, help_text="Only with `?include=conversations`; latest activity first."
    )

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "leads", "conversations"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        include = self.context.get("include")
        if include is not None:
            for name in INCLUDES:
                if name not in include:
                    self.fields.pop(name)


class CustomerConversationSerializer(serializers.ModelSerializer):
    message_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "lead",
            "subject",
            "channel",
            "status",
            "message_count",
            "created_at",
            "updated_at",
            "closed_at",
        ]
        read_only_fields = fields


class CustomerConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    id = serializers.UUIDField(help_text="The customer who already has this email.")


class LinkLeadSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.all(), pk_field=serializers.UUIDField())


class CustomerConflict(exceptions.APIException):
    """409: another customer already has this email; the body names that customer's id."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "duplicate"

    def __init__(self, existing: Customer) -> None:
        super().__init__(
            {
                "detail": f"Der findes allerede en kunde med e-mailen {existing.email}.",
                "id": str(existing.pk),
            }
        )


CONFLICT = OpenApiResponse(CustomerConflictSerializer, description="Another customer already has this email.")


@extend_schema(tags=["customers"])
class CustomerViewSet(viewsets.ModelViewSet):
    """Customers. Create is find-or-create: an email that is already known is a 409 naming that customer."""

    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    lookup_value_regex = UUID_PATTERN
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StableOrderingFilter]
    filterset_class = CustomerFilter
    search_fields = ["name", "email", "phone", "company_name"]
    ordering_fields = ["name", "created_at", "total_revenue", "last_contact_at"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Customer]:
        queryset = Customer.objects.all()
        if self.action != "conversations":
            queryset = queryset.prefetch_related("tags")
        include = getattr(self, "include", ())
        if "leads" in include:
            queryset = queryset.prefetch_related(
                Prefetch("leads", queryset=Lead.objects.order_by("-created_at", "-id"))
            )
        if "conversations" in include:
            queryset = queryset.prefetch_related(
                Prefetch("conversations", queryset=Conversation.objects.order_by("-updated_at", "-id"))
            )
        return queryset

    def parse_include(self, request: Request) -> tuple[str, ...]:
        values = [part.strip() for raw in request.query_params.getlist("include") for part in raw.split(",")]
        values = [value for value in values if value]
        unknown = sorted(set(values) - set(INCLUDES))
        if unknown:
            raise exceptions.ValidationError(
                {"include": [f"Ukendt værdi: {', '.join(unknown)}. Tilladt: {', '.join(INCLUDES)}."]}
            )
        return tuple(name for name in INCLUDES if name in values)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "tag",
                OpenApiTypes.STR,
                many=True,
                explode=True,
                style="form",
                description="Repeat for several tags (`?tag=vip&tag=erhverv`): customers carrying every one of them, "
                "in any case.",
            )
        ],
        responses={200: CustomerSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "include",
                OpenApiTypes.STR,
                description="Comma-separated: `leads`, `conversations` or both (`leads,conversations`).",
            )
        ],
        responses={200: CustomerDetailSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.include = self.parse_include(request)
        customer = self.get_object()
        serializer = CustomerDetailSerializer(
            customer, context={**self.get_serializer_context(), "include": self.include}
        )
        return Response(serializer.data)

    @extend_schema(
        request=CustomerCreateSerializer, responses={201: CustomerSerializer, 400: BAD_REQUEST, 409: CONFLICT}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CustomerCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            customer = customer_create(**serializer.validated_data)
        except DuplicateCustomerError as exc:
            raise CustomerConflict(exc.existing) from exc
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CustomerSerializer, 400: BAD_REQUEST, 404: NOT_FOUND, 409: CONFLICT})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={200: CustomerSerializer, 400: BAD_REQUEST, 404: NOT_FOUND, 409: CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer: CustomerSerializer) -> None:
        customer = serializer.instance
        data = serializer.validated_data
        try:
            serializer.instance = customer_update(customer=customer, data=data)
        except DuplicateCustomerError as exc:
            raise CustomerConflict(exc.existing) from exc
        except ValidationError as exc:
            # customer_update reports a taken email as a field error; answer it like create does, with a 409.
            taken = data.get("email") and hasattr(exc, "error_dict") and "email" in exc.error_dict
            existing = customer_get_by_email(email=data["email"]) if taken else None
            if existing is not None and existing.pk != customer.pk:
                raise CustomerConflict(existing) from exc
            raise

    @extend_schema(
        responses={
            204: OpenApiResponse(description="The customer is now inactive; it keeps its history."),
            404: NOT_FOUND,
        }
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance: Customer) -> None:
        customer_delete(customer=instance)

    @extend_schema(
        operation_id="customers_conversations_list",
        responses={200: CustomerConversationSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=CustomerConversationSerializer)
    def conversations(self, request: Request, pk: str | None = None) -> Response:
        """The customer's conversations, latest activity first, with their message counts."""
        customer = self.get_object()
        page = self.paginate_queryset(conversation_list_for_customer(customer=customer))
        return self.get_paginated_response(CustomerConversationSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: CustomerSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="recompute-stats", filter_backends=[])
    def recompute_stats(self, request: Request, pk: str | None = None) -> Response:
        """Recount leads, bookings, revenue (paid invoices) and the last contact."""
        customer = customer_update_stats(customer=self.get_object())
        return Response(CustomerSerializer(customer).data)

    @extend_schema(request=LinkLeadSerializer, responses={200: CustomerSerializer, 400: BAD_REQUEST, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="link-lead", filter_backends=[])
    def link_lead(self, request: Request, pk: str | None = None) -> Response:
        """Attach a lead to this customer; the stats of this and any previous customer are recounted."""
        customer = self.get_object()
        serializer = LinkLeadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = customer_link_lead(customer=customer, lead=serializer.validated_data["lead"])
        return Response(CustomerSerializer(customer).data)


router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = router.urls
