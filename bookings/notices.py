"""Telling the customer about a booking: the confirmation email, and the SMS that confirm, remind, move or cancel.

Each message is recorded on the booking before it is sent, so a retried task never sends it twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from bookings.texts import booking_context, booking_sms
from customers.phones import is_mobile
from leads.models import Activity
from leads.services import activity_create, lead_flag_follow_up
from messaging.models import EmailMessage, EmailTemplate, SmsMessage
from messaging.outbound import EmailDraft, SendOutcomeUnknown, email_send_once, message_id_for
from messaging.rendering import email_template_active, email_template_render
from messaging.services import conversation_create
from messaging.sms import sms_deliver

# kind: (SMS template, message type, the Booking field that remembers it was sent, or None when it may repeat)
SMS_KINDS = {
    "confirmation": ("confirmation", SmsMessage.Type.CONFIRMATION, "confirmation_sms"),
    "reminder": ("reminder", SmsMessage.Type.REMINDER, "reminder_sms"),
    "rescheduled": ("rescheduled", SmsMessage.Type.BOOKING_CHANGE, None),
    "cancelled": ("cancelled", SmsMessage.Type.BOOKING_CHANGE, None),
}
# Reminders go out in the daytime (Copenhagen): the hourly sweep at 00:05 must not text tomorrow's customers at night.
REMINDER_HOURS = (time(9), time(20))
ACTIVITY_TITLES = {
    "confirmation": "Bekræftelse sendt på SMS",
    "reminder": "Påmindelse sendt på SMS",
    "rescheduled": "Kunden er informeret om den nye tid",
    "cancelled": "Kunden er informeret om aflysningen",
}


def booking_confirm_by_email(*, booking: Booking) -> EmailMessage | None:
    """The booking_confirmation email, once per booking (none without an email address)."""
    if not booking.customer_email or booking.confirmation_email_id:
        return None
    lead = booking.lead
    rendered = email_template_render(
        template=email_template_active(template_type=EmailTemplate.Type.BOOKING_CONFIRMATION),
        context={**booking_context(booking), "start": booking_context(booking)["start_long"]},
    )
    conversation = lead.conversations.order_by("created_at").first() or conversation_create(
        customer=booking.customer, lead=lead, subject=rendered.subject
    )
    draft = EmailDraft(
        to=booking.customer_email,
        subject=rendered.subject,
        body=rendered.body,
        message_id=message_id_for("booking-confirmation", booking.pk),
    )
    try:
        record = email_send_once(conversation=conversation, draft=draft)
    except SendOutcomeUnknown:
        lead_flag_follow_up(lead=lead, reason="Det er uvist, om bookingbekræftelsen blev sendt. Tjek udbakken.")
        return None
    if record is not None:
        Booking.objects.filter(pk=booking.pk).update(confirmation_email=record)
        activity_create(
            lead=lead,
            booking=booking,
            type=Activity.Type.EMAIL,
            title="Bekræftelse sendt på e-mail",
            description=record.subject,
            status=Activity.Status.SUCCESS,
        )
    return record


def booking_send_sms(*, booking: Booking, kind: str) -> SmsMessage | None:
    """Send one of the booking's SMS (SMS_KINDS); the confirmation and reminder go out once per booking."""
    template, message_type, field = SMS_KINDS[kind]
    if not is_mobile(booking.customer_phone):
        return None
    record = _claim_sms(booking=booking, field=field, body=booking_sms(booking, template), message_type=message_type)
    if record is None:
        return None
    sms_deliver(record=record)
    activity_create(
        lead=booking.lead,
        booking=booking,
        type=Activity.Type.SMS,
        title=ACTIVITY_TITLES[kind],
        description=record.message_content[:500],
        status=Activity.Status.SUCCESS,
    )
    return record


def bookings_needing_reminder(*, now: datetime | None = None) -> list:
    """Ids of scheduled bookings tomorrow (Copenhagen) whose reminder has not gone out; none outside REMINDER_HOURS."""
    local = timezone.localtime(now)
    if not REMINDER_HOURS[0] <= local.time() < REMINDER_HOURS[1]:
        return []
    tomorrow = local.date() + timedelta(days=1)
    zone = timezone.get_current_timezone()
    start = datetime.combine(tomorrow, time.min, tzinfo=zone)
    return list(
        Booking.objects.filter(
            status=Booking.Status.SCHEDULED,
            reminder_sms__isnull=True,
            booking_date__gte=start,
            booking_date__lt=start + timedelta(days=1),
        ).values_list("pk", flat=True)
    )


def _claim_sms(*, booking: Booking, field: str | None, body: str, message_type: str) -> SmsMessage | None:
    with transaction.atomic():
        # Lock the booking: two workers sending its confirmation or reminder must not both send it.
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        existing = getattr(locked, field) if field else None
        if existing is not None and existing.status != SmsMessage.Status.FAILED:
            return None
        record = SmsMessage.objects.create(
            lead=locked.lead, phone_number=locked.customer_phone, message_content=body, message_type=message_type
        )
        if field:
            setattr(locked, field, record)
            locked.save(update_fields=[field, "updated_at"])
        return record
