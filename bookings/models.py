"""Bookings in the calendar and the slot offers sent to leads."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import current_hourly_rate


class SlotOffer(models.Model):
    """The exact slots texted to a lead, so a reply of "2" means the second slot that was offered."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="slot_offers")
    slots = models.JSONField(_("slots"), help_text=_("The offered start times, ISO 8601 in UTC, in the order sent."))
    duration_hours = models.DecimalField(_("hours on site"), max_digits=5, decimal_places=2)
    cleaners = models.PositiveSmallIntegerField(_("cleaners"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    accepted_index = models.PositiveSmallIntegerField(_("chosen slot"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    sms = models.ForeignKey(
        "messaging.SmsMessage",
        verbose_name=_("SMS"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The SMS that carried the offer (recorded before it is sent, so a retry never sends twice)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("slot offer")
        verbose_name_plural = _("slot offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "accepted", "expired", "cancelled"]),
                name="slotoffer_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_index__isnull=True) | models.Q(accepted_index__gte=1),
                name="slotoffer_accepted_index_valid",
            ),
        ]
        indexes = [models.Index(fields=["lead", "status"], name="slotoffer_lead_status_idx")]

    def __str__(self) -> str:
        return f"{self.lead} ({self.get_status_display()})"

    @property
    def slot_datetimes(self) -> list[datetime]:
        return [datetime.fromisoformat(value) for value in self.slots]

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Booking(models.Model):
    """A job in the calendar; its local start time is derived from `booking_date`, never stored twice."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="bookings")
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    slot_offer = models.OneToOneField(
        SlotOffer,
        verbose_name=_("slot offer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking",
    )
    customer_name = models.CharField(_("name"), max_length=255)
    customer_email = models.EmailField(_("email"), max_length=255, blank=True)
    customer_phone = models.CharField(_("phone"), max_length=50, blank=True)
    service_type = models.ForeignKey(
        "leads.ServiceType",
        verbose_name=_("service"),
        to_field="code",
        db_column="service_type",
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    address = models.TextField(_("address"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    booking_date = models.DateTimeField(_("start"))
    duration_hours = models.DecimalField(_("hours on site"), max_digits=5, decimal_places=2)
    cleaners = models.PositiveSmallIntegerField(_("cleaners"), default=1)
    hourly_rate = models.DecimalField(
        _("hourly rate incl. VAT"), max_digits=8, decimal_places=2, default=current_hourly_rate
    )
    total_amount = models.DecimalField(_("total incl. VAT"), max_digits=10, decimal_places=2)
    status = models.CharField(_("status"), max_length=50, choices=Status.choices, default=Status.SCHEDULED)
    google_calendar_event_id = models.CharField(_("Google Calendar event id"), max_length=255, blank=True)
    calendar_synced_at = models.DateTimeField(_("calendar updated"), null=True, blank=True)
    actual_hours = models.DecimalField(_("actual work hours"), max_digits=5, decimal_places=2, null=True, blank=True)
    confirmation_sms = models.ForeignKey(
        "messaging.SmsMessage",
        verbose_name=_("confirmation SMS"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmation_email = models.ForeignKey(
        "messaging.EmailMessage",
        verbose_name=_("confirmation email"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reminder_sms = models.ForeignKey(
        "messaging.SmsMessage",
        verbose_name=_("reminder SMS"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    assigned_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleaners on the job"),
        blank=True,
        related_name="assigned_bookings",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text=_("Cleaners see only the bookings they are on."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        # Office staff see every booking; a cleaner without this permission sees only the jobs they are on.
        permissions = [("view_all_bookings", _("Can see every booking, not only their own"))]
        ordering = ["booking_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["scheduled", "in_progress", "completed", "cancelled"]),
                name="booking_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(duration_hours__gt=0), name="booking_duration_positive"),
        ]
        indexes = [
            models.Index(fields=["lead"], name="idx_bookings_lead_id"),
            models.Index(fields=["status"], name="idx_bookings_status"),
            models.Index(fields=["booking_date"], name="idx_bookings_date"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.booking_date)
        return f"{self.customer_name} {local:%d.%m.%Y %H:%M}"

    @property
    def booking_time(self) -> str:
        """The local start time as HH:MM (Europe/Copenhagen)."""
        return f"{timezone.localtime(self.booking_date):%H:%M}"

    @property
    def ends_at(self) -> datetime:
        return self.booking_date + timedelta(hours=float(self.duration_hours))
