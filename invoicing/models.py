"""Invoices for finished jobs."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import current_hourly_rate


def current_vat_rate() -> Decimal:
    """The VAT rate from settings (0.25), read when an invoice is made (never frozen into a migration)."""
    return settings.RENOS_VAT_RATE


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
    """An invoice or credit note; prices include 25% moms, and a draft has no number until it is issued."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        PAID = "paid", _("Paid")
        OVERDUE = "overdue", _("Overdue")
        CREDITED = "credited", _("Credited")

    # Issued and not (fully) paid: what the customer still owes, and what a reminder is about.
    OPEN_STATUSES = (Status.SENT, Status.OVERDUE)
    # What a credit note may reverse: anything issued that is not reversed already.
    CREDITABLE_STATUSES = (Status.SENT, Status.OVERDUE, Status.PAID)

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
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=4, default=current_vat_rate)
    amount_paid = models.DecimalField(
        _("paid so far"), max_digits=10, decimal_places=2, default=Decimal("0.00"), help_text=_("Incl. VAT.")
    )
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("credits invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        help_text=_("Set on a credit note: the invoice it reverses."),
    )
    # The seller as printed when the invoice was issued (momsbekendtgørelsen § 58): a later move or new name
    # does not change an invoice that was already sent.
    seller_name = models.CharField(_("seller"), max_length=255, blank=True)
    seller_address = models.TextField(_("seller address"), blank=True)
    seller_cvr = models.CharField(_("seller CVR"), max_length=20, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivered on"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    billy_invoice_id = models.CharField(_("Billy invoice id"), max_length=255, blank=True)
    billy_invoice_no = models.CharField(_("Billy invoice number"), max_length=50, blank=True)
    billy_synced_at = models.DateTimeField(_("synced to Billy"), null=True, blank=True)
    billy_sync_error = models.TextField(_("Billy sync error"), blank=True)
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
                condition=models.Q(status__in=["draft", "sent", "paid", "overdue", "credited"]),
                name="invoice_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(invoice_number__isnull=False),
                name="invoice_number_when_issued",
            ),
            models.CheckConstraint(
                condition=models.Q(total_amount=models.F("subtotal") + models.F("vat_amount")),
                name="invoice_total_is_subtotal_plus_vat",
            ),
            # An invoice is reversed once; a second credit note for it would give the money back twice.
            models.UniqueConstraint(fields=["credited_invoice"], name="invoice_credited_once"),
        ]
        indexes = [
            models.Index(fields=["status"], name="idx_invoices_status"),
            models.Index(fields=["billy_invoice_id"], name="idx_invoices_billy_id"),
            models.Index(fields=["due_date"], name="idx_invoices_due_date"),
            # The morning sweep: sent invoices past their due date.
            models.Index(fields=["due_date"], condition=models.Q(status="sent"), name="idx_invoices_sent_due_date"),
        ]

    def __str__(self) -> str:
        return self.invoice_number or _("Draft for %(name)s") % {"name": self.customer_name}

    @property
    def is_credit_note(self) -> bool:
        return self.credited_invoice_id is not None

    @property
    def is_issued(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def balance(self) -> Decimal:
        """What the customer still owes, incl. VAT."""
        return self.total_amount - self.amount_paid

    def billed_lines(self) -> list[InvoiceLine]:
        """The lines; an invoice made before lines existed shows as one line (unsaved) for its whole amount."""
        lines = list(self.lines.all())
        if lines or not self.total_amount:
            return lines
        if self.hours_worked and self.hourly_rate and self.hours_worked * self.hourly_rate == self.total_amount:
            quantity, unit, price = self.hours_worked, "timer", self.hourly_rate
        else:
            quantity, unit, price = Decimal("1"), "stk.", self.total_amount
        return [
            InvoiceLine(
                invoice=self,
                position=1,
                description=self.service_description,
                quantity=quantity,
                unit=unit,
                unit_price=price,
                amount=self.total_amount,
            )
        ]


class InvoiceLine(models.Model):
    """One line of an invoice: what was delivered, how much, at which price incl. moms."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, default="stk.")
    unit_price = models.DecimalField(_("unit price incl. VAT"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(
        _("amount incl. VAT"), max_digits=10, decimal_places=2, help_text=_("Quantity × unit price, rounded to øre.")
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class InvoiceNumberCounter(models.Model):
    """The one row holding the last invoice number issued; locked while issuing, so numbers never repeat or skip."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_number = models.PositiveBigIntegerField(_("last number"))

    class Meta:
        verbose_name = _("invoice number counter")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="invoice_counter_single_row")]

    def __str__(self) -> str:
        return str(self.last_number)
