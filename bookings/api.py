"""REST API of bookings: read and filter, and the staff's changes as POST actions that call a service.

Booking a lead, moving and cancelling start the follow-up tasks of renos/pipeline.py once the change is committed:
the calendar follows, and the customer is told (renos.pipeline.after_booking_change).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from bookings.availability import free_slots
from bookings.models import Booking
from bookings.services import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    booking_start,
    lead_job_duration,
)
from integrations.calendar import CalendarError
from invoicing.services import booking_complete_and_invoice
from leads.models import Lead, ServiceType
from renos.api.actions import ServiceActionsMixin
from renos.api.filters import DocumentedSearchFilter, MirroredTiesOrderingFilter
from renos.api.routers import UUID_PATTERN
from renos.api.schema import AUTH_ERRORS, DETAIL, field_errors, not_found
from renos.pipeline import CANCELLED, CREATED, RESCHEDULED, after_booking_change, after_invoice_issued

logger = logging.getLogger(__name__)

MAX_FREE_SLOTS = 10


class CalendarUnavailable(exceptions.APIException):
    """503: the calendar could not be read, so no time can be checked (we never book a time nobody checked)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Kalenderen kan ikke læses lige nu, så tiden kan ikke tjekkes. Prøv igen om lidt."
    default_code = "calendar_unavailable"

    @classmethod
    def from_error(cls, error: CalendarError) -> CalendarUnavailable:
        return cls(f"{cls.default_detail} ({error})")


CALENDAR_UNAVAILABLE = OpenApiResponse(
    DETAIL, description="The calendar (Google Calendar) cannot be read right now, so no time can be checked."
)


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
            "actual_hours",
            "google_calendar_event_id",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BookingCreateSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.all(), help_text="The lead to book.")
    start = serializers.DateTimeField(
        help_text="ISO 8601 with the offset, e.g. `2026-11-24T08:00:00+01:00` (without one: Copenhagen time). "
        "Must be free and within working hours; the length follows the lead's estimate."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", help_text="For the cleaners.")


class BookingRescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField(
        help_text="The new start, ISO 8601 with the offset (without one: Copenhagen time); free and within working "
        "hours."
    )


class BookingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="Why; shown on the timeline."
    )


class BookingCompleteSerializer(serializers.Serializer):
    actual_hours = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text="The work hours actually spent, all cleaners together (what the customer pays for); more than 0.",
    )

    def validate_actual_hours(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError("Angiv de faktiske arbejdstimer (mere end 0).")
        return value


class FreeSlotsQuerySerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Lead.objects.all(), help_text="The lead whose job needs a time (its estimate sets the length)."
    )
    count = serializers.IntegerField(
        required=False, default=3, min_value=1, max_value=MAX_FREE_SLOTS, help_text="How many slots (1 to 10)."
    )


class FreeSlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class FreeSlotsSerializer(serializers.Serializer):
    lead = serializers.UUIDField()
    duration_hours = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Hours on site.")
    cleaners = serializers.IntegerField()
    slots = FreeSlotSerializer(many=True, help_text="Soonest first; empty when nothing is free within the horizon.")


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
class BookingViewSet(ServiceActionsMixin, viewsets.ReadOnlyModelViewSet):
    """Bookings in the calendar; staff book, move, cancel, start and complete them through POST actions (never by
    PUT, PATCH or DELETE, which would skip the timeline, the calendar and the customer)."""

    output_serializer = BookingSerializer
    queryset = Booking.objects.select_related("service_type")
    serializer_class = BookingSerializer
    lookup_value_regex = UUID_PATTERN
    filterset_class = BookingFilter
    filter_backends = [filters.DjangoFilterBackend, DocumentedSearchFilter, MirroredTiesOrderingFilter]
    search_fields = ["customer_name", "customer_email", "customer_phone", "address"]
    ordering_fields = ["booking_date", "created_at", "total_amount"]
    ordering = ["booking_date", "id"]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, CalendarError):
            logger.warning("the calendar could not be read: %s", exc)
            exc = CalendarUnavailable.from_error(exc)
        return super().handle_exception(exc)

    @extend_schema(
        summary="Book a lead",
        description="Books the lead into `start` with the same checks as a customer's SMS reply: the time must be "
        "free (our bookings and the calendar, with the buffer) and within working hours, and the lead needs an "
        'estimate. Writes "Booket af kontoret" on the timeline, then puts the job in the calendar and sends the '
        "confirmation.",
        request=BookingCreateSerializer,
        responses={
            201: BookingSerializer,
            400: field_errors("Not free, outside working hours, in the past, or a lead without an estimate."),
            503: CALENDAR_UNAVAILABLE,
            **AUTH_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Tuesday morning",
                value={"lead": "8f14e45f-ceea-467f-a0e6-6c0e3a7b1c2d", "start": "2026-11-24T08:00:00+01:00"},
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = BookingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            booking = booking_create(**serializer.validated_data)
            after_booking_change(booking=booking, change=CREATED)
        return Response(self._out(booking), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a booking",
        description="Moves a scheduled booking to `start` (free and within working hours; its own old time does not "
        "count as busy). Moves the calendar event and texts the customer the new time.",
        request=BookingRescheduleSerializer,
        responses={
            200: BookingSerializer,
            400: field_errors("Not free, outside working hours, or the booking is no longer scheduled."),
            404: not_found(),
            503: CALENDAR_UNAVAILABLE,
            **AUTH_ERRORS,
        },
    )
    @action(detail=True, methods=["post"], serializer_class=BookingRescheduleSerializer, filter_backends=[])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = self._valid(BookingRescheduleSerializer, request)
        with transaction.atomic():
            booking = booking_reschedule(booking=booking, start=data["start"])
            after_booking_change(booking=booking, change=RESCHEDULED)
        return Response(self._out(booking))

    @extend_schema(
        summary="Cancel a booking",
        description="Cancels a booking that is not completed: the time is free again, the calendar event is deleted "
        "and the customer gets an SMS. A booked lead goes back to contacted.",
        request=BookingCancelSerializer,
        responses={
            200: BookingSerializer,
            400: field_errors("The booking is already cancelled or completed."),
            404: not_found(),
            **AUTH_ERRORS,
        },
    )
    @action(detail=True, methods=["post"], serializer_class=BookingCancelSerializer, filter_backends=[])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = self._valid(BookingCancelSerializer, request)
        with transaction.atomic():
            booking = booking_cancel(booking=booking, reason=data["reason"])
            after_booking_change(booking=booking, change=CANCELLED)
        return Response(self._out(booking))

    @extend_schema(
        summary="Mark a booking as in progress",
        description="The cleaners have started a scheduled job.",
        request=None,
        responses={
            200: BookingSerializer,
            400: field_errors("The booking is not scheduled."),
            404: not_found(),
            **AUTH_ERRORS,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def start(self, request: Request, pk: str | None = None) -> Response:
        booking = booking_start(booking=self.get_object())
        return Response(self._out(booking))

    @extend_schema(
        summary="Mark a booking as completed",
        description="Records the actual work hours of a scheduled or started job and, in the same transaction, makes "
        "its invoice: one line for the service (the hours at the booking's hourly rate incl. moms). The invoice is "
        "issued at once (the lead becomes completed, then invoiced) unless RENOS_ISSUE_INVOICES_AT_ONCE is off, "
        "when a draft waits for staff (`POST /api/invoices/{id}/issue/`). Find it with `GET /api/invoices/?lead=`.",
        request=BookingCompleteSerializer,
        responses={
            200: BookingSerializer,
            400: field_errors("No hours, or the booking is already cancelled or completed."),
            404: not_found(),
            **AUTH_ERRORS,
        },
        examples=[OpenApiExample("Three and a half hours", value={"actual_hours": "3.50"}, request_only=True)],
    )
    @action(detail=True, methods=["post"], serializer_class=BookingCompleteSerializer, filter_backends=[])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        booking = self.get_object()
        data = self._valid(BookingCompleteSerializer, request)
        with transaction.atomic():
            invoice = booking_complete_and_invoice(booking=booking, actual_hours=data["actual_hours"])
            after_invoice_issued(invoice=invoice)
        return Response(self._out(booking))

    @extend_schema(
        summary="Free slots for a lead's job",
        description="The next free start times for the lead's job (its length follows the estimate and the "
        "cleaners), spread over days and times of day as in the SMS offer: within working hours, from the next "
        "working day, within the booking horizon, clear of our bookings and the calendar.",
        parameters=[FreeSlotsQuerySerializer],
        responses={
            200: FreeSlotsSerializer,
            400: field_errors("No such lead, a count outside 1 to 10, or a lead without an estimate."),
            503: CALENDAR_UNAVAILABLE,
            **AUTH_ERRORS,
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="free-slots",
        url_name="free-slots",
        serializer_class=FreeSlotsSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def free_slots_of_lead(self, request: Request) -> Response:
        params = FreeSlotsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        lead: Lead = params.validated_data["lead"]
        duration = lead_job_duration(lead)
        starts = free_slots(duration=duration, count=params.validated_data["count"])
        body = {
            "lead": lead.pk,
            "duration_hours": Decimal(duration.total_seconds() / 3600).quantize(Decimal("0.01")),
            "cleaners": lead.cleaners,
            "slots": [{"start": start, "end": start + duration} for start in starts],
        }
        return Response(FreeSlotsSerializer(body).data)


router = SimpleRouter()
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = router.urls
