"""REST API of bookings: read and filter (the state changes come later, as POST actions that call a service)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from bookings.models import Booking
from leads.models import ServiceType
from renos.api.filters import DocumentedSearchFilter, MirroredTiesOrderingFilter
from renos.api.routers import UUID_PATTERN
from renos.api.schema import field_errors, not_found


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of `day` in Europe/Copenhagen (the project's time zone), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def end_of_local_day(day: date) -> datetime:
    """The first moment after `day` in Europe/Copenhagen: filter with `< end_of_local_day(day)`."""
    if day == date.max:  # the day after does not exist in Python
        return datetime.max.replace(tzinfo=timezone.get_default_timezone())
    return start_of_local_day(day + timedelta(days=1))


class BookingSerializer(serializers.ModelSerializer):
    service_type = serializers.CharField(source="service_type_id", read_only=True, help_text="The service's code.")
    service_name = serializers.CharField(source="service_type.name", read_only=True)
    booking_time = serializers.CharField(read_only=True, help_text="Local start time (Europe/Copenhagen), HH:MM.")
    ends_at = serializers.DateTimeField(read_only=True, help_text="Start plus the hours on site.")

    class Meta:
        model = Booking
        fields = [
            "id",
            "lead",
            "customer",
            "slot_offer",
            "customer_name",
            "customer_email",
            "customer_phone",
            "service_type",
            "service_name",
            "address",
            "city",
            "booking_date",
            "booking_time",
            "ends_at",
            "duration_hours",
            "cleaners",
            "hourly_rate",
            "total_amount",
            "status",
            "google_calendar_event_id",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BookingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Booking.Status.choices)
    lead = filters.UUIDFilter(field_name="lead")
    customer = filters.UUIDFilter(field_name="customer")
    service_type = filters.ModelChoiceFilter(
        field_name="service_type",
        to_field_name="code",
        queryset=ServiceType.objects.all(),
        help_text="The service's code, e.g. `fast`.",
    )
    date_from = filters.DateFilter(
        method="filter_date_from", help_text="Bookings starting on or after this day (Europe/Copenhagen)."
    )
    date_to = filters.DateFilter(
        method="filter_date_to", help_text="Bookings starting on or before this day (Europe/Copenhagen)."
    )

    class Meta:
        model = Booking
        fields = ["status", "lead", "customer", "service_type", "date_from", "date_to"]

    def filter_date_from(self, queryset: QuerySet[Booking], name: str, value: date) -> QuerySet[Booking]:
        return queryset.filter(booking_date__gte=start_of_local_day(value))

    def filter_date_to(self, queryset: QuerySet[Booking], name: str, value: date) -> QuerySet[Booking]:
        return queryset.filter(booking_date__lt=end_of_local_day(value))


@extend_schema_view(
    list=extend_schema(
        description="Bookings, soonest first by default; filter, search and sort with the query parameters.",
        responses={
            200: BookingSerializer(many=True),
            400: field_errors("An unknown choice or a malformed value in a filter."),
            404: not_found("A page past the last one."),
        },
    ),
    retrieve=extend_schema(
        description="One booking.",
        responses={200: BookingSerializer, 404: not_found("No booking with this id.")},
    ),
)
class BookingViewSet(viewsets.ReadOnlyModelViewSet):
    """Bookings in the calendar (read-only for now: confirming and cancelling come later)."""

    queryset = Booking.objects.select_related("service_type")
    serializer_class = BookingSerializer
    lookup_value_regex = UUID_PATTERN
    filterset_class = BookingFilter
    filter_backends = [filters.DjangoFilterBackend, DocumentedSearchFilter, MirroredTiesOrderingFilter]
    search_fields = ["customer_name", "customer_email", "customer_phone", "address"]
    ordering_fields = ["booking_date", "created_at", "total_amount"]
    ordering = ["booking_date", "id"]


router = SimpleRouter()
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = router.urls
