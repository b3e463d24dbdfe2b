"""Customers: the people and companies Rendetalje works for."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from customers.phones import phone_to_e164


class TaggedCustomer(TaggedItemBase):
    """A tag on a customer (a direct foreign key, so tag filters stay index lookups)."""

    content_object = models.ForeignKey("Customer", on_delete=models.CASCADE, related_name="tagged_items")

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")


class CustomerQuerySet(models.QuerySet):
    def active(self) -> CustomerQuerySet:
        return self.filter(status=Customer.Status.ACTIVE)

    def with_email(self, email: str) -> CustomerQuerySet:
        return self.filter(email__iexact=email.strip())


class Customer(models.Model):
    """A customer, found by email (unique regardless of case) or by phone."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        BLOCKED = "blocked", _("Blocked")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=255)
    # NULL, not "", for "no email": the unique index on lower(email) must let many customers have none.
    email = models.EmailField(_("email"), max_length=255, null=True, blank=True)  # noqa: DJ001
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("Stored in E.164, e.g. +4520112233."))
    address = models.TextField(_("address"), blank=True)
    company_name = models.CharField(_("company"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    tags = TaggableManager(_("tags"), through=TaggedCustomer, blank=True)

    total_leads = models.PositiveIntegerField(_("leads"), default=0)
    total_bookings = models.PositiveIntegerField(_("bookings"), default=0)
    total_revenue = models.DecimalField(_("revenue"), max_digits=12, decimal_places=2, default=0)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    billy_contact_id = models.CharField(
        _("Billy contact id"), max_length=100, blank=True, help_text=_("The customer in Billy, once invoiced there.")
    )
    anonymised_at = models.DateTimeField(
        _("personal data erased"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the personal data was erased (on request or after the retention period)."),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        permissions = [("erase_personal_data", _("Can erase a customer's personal data"))]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="customer_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "inactive", "blocked"]), name="customer_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="customer_status_idx"),
            models.Index(fields=["phone"], name="customer_phone_idx"),
            models.Index(fields=["-total_revenue"], name="customer_revenue_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or str(self.id)

    def clean(self) -> None:
        if self.email:
            self.email = self.email.strip().lower()
        else:
            self.email = None
        try:
            self.phone = phone_to_e164(self.phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from exc
