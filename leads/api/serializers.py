"""Serializers of the leads API: services, timeline entries, leads and a lead's status change."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from leads.models import Activity, Lead, ServiceType


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
