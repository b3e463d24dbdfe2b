"""REST API of messaging: conversations with their emails (read, close), SMS (read), email templates (CRUD, preview)."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from leads.models import Lead
from messaging.models import Conversation, Direction, EmailMessage, EmailTemplate, SmsMessage
from messaging.services import (
    conversation_close,
    email_template_create,
    email_template_delete,
    email_template_preview,
    email_template_update,
)
from renos.api.filters import StableOrderingFilter
from renos.api.routers import UUID_PATTERN
from renos.api.schema import field_errors, not_found

BAD_REQUEST = field_errors()
NOT_FOUND = not_found("Nothing with this id.")


# Conversations and their emails


class EmailMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailMessage
        fields = [
            "id",
            "direction",
            "from_address",
            "to_address",
            "subject",
            "body",
            "status",
            "is_ai_generated",
            "ai_model",
            "gmail_message_id",
            "sent_at",
        ]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True, allow_null=True, default=None)
    message_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "customer",
            "customer_name",
            "lead",
            "subject",
            "channel",
            "status",
            "gmail_thread_id",
            "message_count",
            "created_at",
            "updated_at",
            "closed_at",
        ]
        read_only_fields = fields


class ConversationDetailSerializer(ConversationSerializer):
    messages = EmailMessageSerializer(many=True, read_only=True, help_text="Oldest first, the way a thread is read.")

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages"]
        read_only_fields = fields


class ConversationFilter(django_filters.FilterSet):
    customer = django_filters.UUIDFilter(field_name="customer_id")
    lead = django_filters.UUIDFilter(field_name="lead_id")
    status = django_filters.ChoiceFilter(choices=Conversation.Status.choices)
    channel = django_filters.ChoiceFilter(choices=Conversation.Channel.choices)

    class Meta:
        model = Conversation
        fields = ["customer", "lead", "status", "channel"]


@extend_schema_view(
    list=extend_schema(responses={200: ConversationSerializer(many=True), 400: BAD_REQUEST}),
    retrieve=extend_schema(responses={200: ConversationDetailSerializer, 404: NOT_FOUND}),
)
class ConversationViewSet(viewsets.ReadOnlyModelViewSet):
    """Email threads with customers; the detail holds every message, oldest first."""

    serializer_class = ConversationSerializer
    lookup_value_regex = UUID_PATTERN
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StableOrderingFilter]
    filterset_class = ConversationFilter
    search_fields = ["subject"]
    ordering_fields = ["updated_at", "created_at"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self) -> QuerySet[Conversation]:
        queryset = Conversation.objects.select_related("customer").annotate(message_count=Count("messages"))
        if self.action in ("retrieve", "close"):
            queryset = queryset.prefetch_related(
                Prefetch("messages", queryset=EmailMessage.objects.order_by("sent_at", "id"))
            )
        return queryset

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action in ("retrieve", "close"):
            return ConversationDetailSerializer
        return ConversationSerializer

    @extend_schema(request=None, responses={200: ConversationDetailSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], filter_backends=[])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close the conversation (closing a closed one changes nothing)."""
        conversation = conversation_close(conversation=self.get_object())
        return Response(self.get_serializer(conversation).data)


# SMS


class SmsMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = SmsMessage
        fields = [
            "id",
            "lead",
            "direction",
            "phone_number",
            "message_content",
            "message_type",
            "status",
            "twilio_message_id",
            "error_code",
            "sent_at",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


class SmsMessageFilter(django_filters.FilterSet):
    lead = django_filters.UUIDFilter(field_name="lead_id")
    status = django_filters.ChoiceFilter(choices=SmsMessage.Status.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    message_type = django_filters.ChoiceFilter(choices=SmsMessage.Type.choices)
    phone_number = django_filters.CharFilter(help_text="Exact, in E.164 (e.g. +4520112233).")

    class Meta:
        model = SmsMessage
        fields = ["lead", "status", "direction", "message_type", "phone_number"]


@extend_schema_view(
    list=extend_schema(responses={200: SmsMessageSerializer(many=True), 400: BAD_REQUEST}),
    retrieve=extend_schema(responses={200: SmsMessageSerializer, 404: NOT_FOUND}),
)
class SmsMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """Every SMS in and out, newest first, with its Twilio delivery status."""

    queryset = SmsMessage.objects.all()
    serializer_class = SmsMessageSerializer
    lookup_value_regex = UUID_PATTERN
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StableOrderingFilter]
    filterset_class = SmsMessageFilter
    search_fields = ["phone_number", "message_content"]
    ordering_fields = ["created_at", "sent_at"]
    ordering = ["-created_at", "-id"]


# Email templates


class EmailTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailTemplate
        fields = ["id", "name", "subject", "content", "template_type", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The service checks "one active template per type" and says which template is in the way.
        validators: list = []
        extra_kwargs = {
            "subject": {"help_text": "Django template syntax, e.g. `Tak for din henvendelse - {{ company_name }}`."},
            "content": {"help_text": "Django template syntax with the Danish filters `dkk` and `timer`."},
            "is_active": {
                "help_text": "Only one template of each type may be active: deactivate the current one first."
            },
        }


class EmailTemplatePreviewRequestSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Lead.objects.select_related("service_type"), pk_field=serializers.UUIDField()
    )


class EmailTemplatePreviewSerializer(serializers.Serializer):
    subject = serializers.CharField()
    body = serializers.CharField()


class EmailTemplateFilter(django_filters.FilterSet):
    template_type = django_filters.ChoiceFilter(choices=EmailTemplate.Type.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = EmailTemplate
        fields = ["template_type", "is_active"]


@extend_schema_view(
    list=extend_schema(responses={200: EmailTemplateSerializer(many=True), 400: BAD_REQUEST}),
    retrieve=extend_schema(responses={200: EmailTemplateSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: EmailTemplateSerializer, 400: BAD_REQUEST}),
    update=extend_schema(responses={200: EmailTemplateSerializer, 400: BAD_REQUEST, 404: NOT_FOUND}),
    partial_update=extend_schema(responses={200: EmailTemplateSerializer, 400: BAD_REQUEST, 404: NOT_FOUND}),
    destroy=extend_schema(responses={204: None, 404: NOT_FOUND}),
)
class EmailTemplateViewSet(viewsets.ModelViewSet):
    """The email texts staff edit. A template that does not render, or a second active one of a type, is a 400."""

    queryset = EmailTemplate.objects.all()
    serializer_class = EmailTemplateSerializer
    lookup_value_regex = UUID_PATTERN
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, StableOrderingFilter]
    filterset_class = EmailTemplateFilter
    search_fields = ["name", "subject"]
    ordering_fields = ["name", "template_type", "updated_at"]
    ordering = ["template_type", "name", "id"]

    def perform_create(self, serializer: EmailTemplateSerializer) -> None:
        serializer.instance = email_template_create(**serializer.validated_data)

    def perform_update(self, serializer: EmailTemplateSerializer) -> None:
        serializer.instance = email_template_update(template=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance: EmailTemplate) -> None:
        email_template_delete(template=instance)

    @extend_schema(
        request=EmailTemplatePreviewRequestSerializer,
        responses={200: EmailTemplatePreviewSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        """The subject and body this template gives for a lead; nothing is sent."""
        template = self.get_object()
        serializer = EmailTemplatePreviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rendered = email_template_preview(template=template, lead=serializer.validated_data["lead"])
        return Response(EmailTemplatePreviewSerializer({"subject": rendered.subject, "body": rendered.body}).data)


router = SimpleRouter()
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("sms", SmsMessageViewSet, basename="sms")
router.register("email-templates", EmailTemplateViewSet, basename="email-template")

urlpatterns = router.urls
