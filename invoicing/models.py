"""Invoices for finished jobs."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import current_hourly_rate


def local_today() -> date:
    """Today in Europe/Copenhagen (the project's time zone), whatever time zone is active."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


class InvoiceQuerySet(models.QuerySet):
    """Invoices by where they stand with the customer."""

    @staticmethod
    def overdue_condition(today: date | None = None) -> models.Q:
        """Overdue on `today` (default: today in Copenhagen): marked overdue by the sweep, or sent and past its due
        date before the sweep has run. A Q, so an aggregate can filter on it too."""
        today = today or local_today()
        return models.Q(status=Invoice.Status.OVERDUE) | models.Q(status=Invoice.Status.SENT, due_date__lt=today)

    def overdue(self, today: date | None = None) -> InvoiceQuerySet:
        return self.filter(self.overdue_condition(today))

    def not_overdue(self, today: date | None = None) -> InvoiceQuerySet:
        return self.exclude(self.overdue_condition(today))


class Invoice(models.Model):
    """An invoice; prices include 25% moms, and a draft has no number until it is issued."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("booking"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    invoice_number = models.CharField(_("invoice number"), max_length=50, null=True, blank=True, unique=True)
    customer_name = models.CharField(_("customer name"), max_length=255)
    customer_email = models.EmailField(_("customer email"), max_length=255, blank=True)
    customer_address = models.TextField(_("customer address"))
    service_description = models.TextField(_("service"))
    hours_worked = models.DecimalField(_("hours worked"), max_digits=5, decimal_places=2)
    hourly_rate = models.DecimalField(
        _("hourly rate incl. VAT"), max_digits=8, decimal_places=2, default=current_hourly_rate
    )
    subtotal = models.DecimalField(_("subtotal excl. VAT"), max_digits=10, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=10, decimal_places=2)
    total_amount = models.DecimalField(_("total incl. VAT"), max_digits=10, decimal_places=2)
    status = models.CharField(_("status"), max_length=50, choices=Status.choices, default=Status.DRAFT)
    billy_invoice_id = models.CharField(_("Billy invoice id"), max_length=255, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    sent_date = models.DateTimeField(_("sent"), null=True, blank=True)
    paid_date = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "sent", "paid", "overdue"]), name="invoice_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(invoice_number__isnull=False),
                name="invoice_number_when_issued",
            ),
            models.CheckConstraint(
                condition=models.Q(total_amount=models.F("subtotal") + models.F("vat_amount")),
                name="invoice_total_is_subtotal_plus_vat",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="idx_invoices_status"),
            models.Index(fields=["billy_invoice_id"], name="idx_invoices_billy_id"),
            models.Index(fields=["due_date"], name="idx_invoices_due_date"),
        ]

    def __str__(self) -> str:
        return self.invoice_number or _("Draft for %(name)s") % {"name": self.customer_name}
