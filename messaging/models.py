"""Conversations and every email and SMS in and out, plus the email templates."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Conversation(models.Model):
    """A thread of messages with a customer, usually one Gmail thread."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat")
        PHONE = "phone", _("Phone")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    gmail_thread_id = models.CharField(_("Gmail thread id"), max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=["email", "chat", "phone", "sms"]), name="conversation_channel_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "closed", "archived"]), name="conversation_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.subject or str(self.id)


class EmailMessage(models.Model):
    """One email in a conversation, in or out, with its Gmail ids."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, verbose_name=_("conversation"), on_delete=models.CASCADE, related_name="messages"
    )
    gmail_message_id = models.CharField(_("Gmail message id"), max_length=255, null=True, blank=True, unique=True)
    gmail_thread_id = models.CharField(_("Gmail thread id"), max_length=255, blank=True, db_index=True)
    rfc822_message_id = models.CharField(
        _("Message-ID header"), max_length=255, blank=True, db_index=True, help_text=_("Replies refer to it.")
    )
    from_address = models.CharField(_("from"), max_length=255)
    to_address = models.CharField(_("to"), max_length=255)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"))
    body_preview = models.CharField(_("preview"), max_length=255, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT)
    is_ai_generated = models.BooleanField(_("written by AI"), default=False)
    ai_model = models.CharField(_("AI model"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=["inbound", "outbound"]), name="emailmessage_direction_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "sent", "failed", "bounced"]), name="emailmessage_status_valid"
            ),
            # The same email is recorded once each way: an inbound one read by two workers at the same time, an
            # outbound one claimed by two workers about to send it.
            models.UniqueConstraint(
                fields=["direction", "rfc822_message_id"],
                condition=~models.Q(rfc822_message_id=""),
                name="emailmessage_once_per_direction",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "sent_at"], name="emailmessage_conv_sent_idx")]

    def __str__(self) -> str:
        return self.subject or self.body_preview or str(self.id)


class SmsMessage(models.Model):
    """One SMS in or out, with its Twilio id and delivery status."""

    class Type(models.TextChoices):
        BOOKING_OPTIONS = "booking_options", _("Booking options")
        CONFIRMATION = "confirmation", _("Confirmation")
        REMINDER = "reminder", _("Reminder")
        REPLY = "reply", _("Reply from customer")
        CLARIFICATION = "clarification", _("Question back to the customer")
        BOOKING_CHANGE = "booking_change", _("Booking moved or cancelled")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        UNDELIVERED = "undelivered", _("Undelivered")
        RECEIVED = "received", _("Received")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sms_messages",
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND)
    phone_number = models.CharField(_("phone"), max_length=50)
    message_content = models.TextField(_("text"))
    message_type = models.CharField(_("type"), max_length=50, choices=Type.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    twilio_message_id = models.CharField(_("Twilio id"), max_length=255, null=True, blank=True, unique=True)
    error_code = models.CharField(_("error code"), max_length=20, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    message_type__in=[
                        "booking_options",
                        "confirmation",
                        "reminder",
                        "reply",
                        "clarification",
                        "booking_change",
                    ]
                ),
                name="smsmessage_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "delivered", "failed", "undelivered", "received"]),
                name="smsmessage_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=["inbound", "outbound"]), name="smsmessage_direction_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["lead"], name="idx_sms_lead_id"),
            models.Index(fields=["status"], name="idx_sms_status"),
            models.Index(fields=["phone_number"], name="idx_sms_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.phone_number}: {self.message_content[:40]}"


class EmailTemplate(models.Model):
    """An email text staff can edit, in Django template syntax."""

    class Type(models.TextChoices):
        LEAD_RESPONSE = "lead_response", _("Lead response")
        BOOKING_CONFIRMATION = "booking_confirmation", _("Booking confirmation")
        INVOICE_REMINDER = "invoice_reminder", _("Invoice reminder")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=255)
    subject = models.CharField(_("subject"), max_length=500)
    content = models.TextField(_("content"))
    template_type = models.CharField(_("type"), max_length=50, choices=Type.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["template_type", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(template_type__in=["lead_response", "booking_confirmation", "invoice_reminder"]),
                name="emailtemplate_type_valid",
            ),
            models.UniqueConstraint(
                fields=["template_type"], condition=models.Q(is_active=True), name="emailtemplate_one_active_per_type"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MailboxState(models.Model):
    """Where reading the inbox got to: the provider's cursor (Gmail historyId) and the last poll."""

    name = models.CharField(_("mailbox"), max_length=100, unique=True)
    cursor = models.CharField(_("cursor"), max_length=100, blank=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return self.name


class SkippedEmail(models.Model):
    """An inbound email that made no new lead, kept with the reason so staff can see it and take it as a lead."""

    class Reason(models.TextChoices):
        NOT_A_LEAD = "not_a_lead", _("Not a lead")
        DUPLICATE = "duplicate", _("Same customer has an open lead")
        UNREADABLE = "unreadable", _("Could not be read")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider_id = models.CharField(_("provider id"), max_length=255, blank=True)
    message_id = models.CharField(_("Message-ID header"), max_length=255, null=True, blank=True, unique=True)
    thread_id = models.CharField(_("thread id"), max_length=255, blank=True)
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.TextField(_("detail"), blank=True)
    raw = models.BinaryField(_("raw message"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    related_lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("related lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="skipped_emails",
        help_text=_("The open lead it was added to, or the lead staff made from it."),
    )
    resolved_at = models.DateTimeField(_("taken as a lead"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("skipped email")
        verbose_name_plural = _("skipped emails")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason__in=["not_a_lead", "duplicate", "unreadable"]),
                name="skippedemail_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id or str(self.id)
