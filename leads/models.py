"""Leads, the service catalogue and the activity timeline."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def current_hourly_rate() -> Decimal:
    """The hourly rate incl. moms from settings, read when a row is made (never frozen into a migration)."""
    return settings.RENOS_HOURLY_RATE


class ServiceType(models.Model):
    """A service Rendetalje sells, with what it takes to estimate it and its Billy product."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    m2_per_hour = models.DecimalField(
        _("m² per work hour"), max_digits=6, decimal_places=1, help_text=_("How many m² one work hour covers.")
    )
    default_hours = models.DecimalField(
        _("default work hours"), max_digits=5, decimal_places=1, help_text=_("The estimate when no area is known.")
    )
    billy_product_id = models.CharField(_("Billy product id"), max_length=100, blank=True)
    billy_product_number = models.CharField(_("Billy product number"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(m2_per_hour__gt=0), name="servicetype_m2_per_hour_positive"),
            models.CheckConstraint(condition=models.Q(default_hours__gt=0), name="servicetype_default_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def estimate_hours(self, area_m2: int | None) -> Decimal:
        """Work hours: max(2, m² ÷ m² per hour), rounded up to the half hour; the default without an area."""
        if not area_m2:
            return self.default_hours
        raw = Decimal(area_m2) / self.m2_per_hour
        half_hours = math.ceil(raw * 2)
        return max(Decimal(2), Decimal(half_hours) / 2)


class LeadQuerySet(models.QuerySet):
    def open(self) -> LeadQuerySet:
        """Leads not yet finished with: nothing completed or invoiced."""
        return self.filter(status__in=Lead.OPEN_STATUSES)


class Lead(models.Model):
    """An inquiry as it was received, and where it stands on the way to an invoice."""

    class Source(models.TextChoices):
        LEADPOINT = "leadpoint", _("Leadpoint.dk")
        LEADMAIL = "leadmail", _("Leadmail.no (Rengøring.nu)")
        BOOKING_FORM = "booking_form", _("Own booking form")
        MANUAL = "manual", _("Manual")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        BOOKED = "booked", _("Booked")
        COMPLETED = "completed", _("Completed")
        INVOICED = "invoiced", _("Invoiced")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.BOOKED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    customer_name = models.CharField(_("name"), max_length=255, blank=True)
    customer_email = models.EmailField(_("email"), max_length=255, blank=True)
    customer_phone = models.CharField(_("phone"), max_length=50, blank=True)
    company_name = models.CharField(_("company"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=50, choices=Source.choices)
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("service"),
        to_field="code",
        db_column="service_type",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    area_m2 = models.PositiveIntegerField(_("area (m²)"), null=True, blank=True)
    preferred_date = models.DateField(_("preferred date"), null=True, blank=True)
    estimated_hours = models.DecimalField(
        _("estimated work hours"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    estimated_price = models.DecimalField(
        _("estimated price incl. VAT"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=50, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, default=Priority.MEDIUM)
    notes = models.TextField(_("notes"), blank=True)
    ai_analysis = models.JSONField(_("AI analysis"), default=dict, blank=True)
    email_content = models.TextField(_("email content"), blank=True)
    response_sent = models.BooleanField(_("response sent"), default=False)
    sms_sent = models.BooleanField(_("SMS sent"), default=False)
    needs_follow_up = models.BooleanField(
        _("needs follow-up"), default=False, help_text=_("Automation stopped here: a person has to take over.")
    )
    follow_up_reason = models.TextField(_("follow-up reason"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    email_thread_id = models.CharField(_("email thread id"), max_length=255, blank=True, db_index=True)
    source_message_id = models.CharField(
        _("source message id"),
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The id of the email the lead came from; the same email never makes two leads."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=["leadpoint", "leadmail", "booking_form", "manual"]),
                name="lead_source_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["new", "contacted", "booked", "completed", "invoiced"]),
                name="lead_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=["low", "medium", "high"]), name="lead_priority_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="idx_leads_status"),
            models.Index(fields=["source"], name="idx_leads_source"),
            models.Index(fields=["created_at"], name="idx_leads_created_at"),
            models.Index(fields=["customer_email"], name="idx_leads_customer_email"),
            models.Index(fields=["customer_phone"], name="idx_leads_customer_phone"),
            models.Index(fields=["created_at"], condition=models.Q(needs_follow_up=True), name="idx_leads_follow_up"),
        ]

    def __str__(self) -> str:
        who = self.customer_name or self.customer_email or self.customer_phone or _("unknown")
        return f"{who} ({self.get_source_display()})"

    @property
    def cleaners(self) -> int:
        """Two cleaners share the bigger jobs, so the time on site is halved."""
        if self.estimated_hours and self.estimated_hours > settings.RENOS_TWO_CLEANERS_OVER_HOURS:
            return 2
        return 1

    @property
    def hours_on_site(self) -> Decimal | None:
        """Work hours shared by the cleaners, rounded up to the half hour (what the customer is told)."""
        if self.estimated_hours is None:
            return None
        return Decimal(math.ceil(self.estimated_hours / self.cleaners * 2)) / 2


class Activity(models.Model):
    """One entry in the timeline of a lead, booking or invoice, titled in Danish for staff."""

    class Type(models.TextChoices):
        EMAIL = "email", _("Email")
        BOOKING = "booking", _("Booking")
        INVOICE = "invoice", _("Invoice")
        SMS = "sms", _("SMS")
        COMPLETED = "completed", _("Completed")
        PENDING = "pending", _("Pending")

    class Status(models.TextChoices):
        INFO = "info", _("Info")
        SUCCESS = "success", _("Success")
        WARNING = "warning", _("Warning")
        ERROR = "error", _("Error")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
    )
    invoice = models.ForeignKey(
        "invoicing.Invoice",
        verbose_name=_("invoice"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activities",
    )
    type = models.CharField(_("type"), max_length=50, choices=Type.choices)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INFO)
    customer = models.CharField(_("customer"), max_length=255, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=["email", "booking", "invoice", "sms", "completed", "pending"]),
                name="activity_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["info", "success", "warning", "error"]), name="activity_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["lead"], name="idx_activities_lead_id"),
            models.Index(fields=["type"], name="idx_activities_type"),
            models.Index(fields=["created_at"], name="idx_activities_created_at"),
        ]

    def __str__(self) -> str:
        return self.title
