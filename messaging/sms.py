"""SMS in and out: every message is recorded before it is sent, inbound ones are tied to their lead."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from customers.phones import phone_to_e164
from customers.services import customer_touch
from integrations.sms import OutgoingSms, SmsError, get_sms_sender, public_url
from leads.models import Lead
from leads.services import lead_flag_follow_up
from messaging.models import Direction, SmsMessage

logger = logging.getLogger(__name__)

# Twilio's statuses, in the order a message moves through them; a late callback never moves one back.
TWILIO_STATUS = {
    "accepted": SmsMessage.Status.PENDING,
    "scheduled": SmsMessage.Status.PENDING,
    "queued": SmsMessage.Status.PENDING,
    "sending": SmsMessage.Status.PENDING,
    "sent": SmsMessage.Status.SENT,
    "delivered": SmsMessage.Status.DELIVERED,
    "undelivered": SmsMessage.Status.UNDELIVERED,
    "failed": SmsMessage.Status.FAILED,
}
RANK = {
    SmsMessage.Status.PENDING: 0,
    SmsMessage.Status.SENT: 1,
    SmsMessage.Status.DELIVERED: 2,
    SmsMessage.Status.UNDELIVERED: 2,
    SmsMessage.Status.FAILED: 2,
}


def sms_record_outbound(*, lead: Lead | None, to: str, body: str, message_type: str) -> SmsMessage:
    """The SMS as it is about to be sent (status pending): the record exists before the send happens."""
    return SmsMessage.objects.create(
        lead=lead,
        direction=Direction.OUTBOUND,
        phone_number=to,
        message_content=body,
        message_type=message_type,
        status=SmsMessage.Status.PENDING,
    )


def sms_deliver(*, record: SmsMessage) -> SmsMessage:
    """Send a recorded SMS and keep Twilio's id and status on it; a failure is kept on it too, then raised."""
    callback = public_url(reverse("twilio-status"))
    try:
        sent = get_sms_sender().send(
            OutgoingSms(to=record.phone_number, body=record.message_content, status_callback=callback)
        )
    except SmsError as exc:
        SmsMessage.objects.filter(pk=record.pk).update(status=SmsMessage.Status.FAILED, error_code=exc.code or "")
        record.status, record.error_code = SmsMessage.Status.FAILED, exc.code or ""
        raise
    now = timezone.now()
    record.twilio_message_id = sent.sid
    record.status = TWILIO_STATUS.get(sent.status, SmsMessage.Status.SENT)
    record.sent_at = now
    record.error_code = ""
    record.save(update_fields=["twilio_message_id", "status", "sent_at", "error_code"])
    if record.lead_id and record.lead.customer_id:
        customer_touch(customer=record.lead.customer, when=now)
    return record


def sms_send(*, lead: Lead | None, to: str, body: str, message_type: str) -> SmsMessage:
    """Record and send one SMS."""
    return sms_deliver(record=sms_record_outbound(lead=lead, to=to, body=body, message_type=message_type))


@transaction.atomic
def sms_record_inbound(*, from_number: str, body: str, sid: str) -> tuple[SmsMessage, bool]:
    """Store an SMS from a customer on the lead with that number (the newest open offer wins); (sms, created).

    Twilio retries a webhook it thinks failed: the same sid is stored once.
    """
    if sid and (existing := SmsMessage.objects.filter(twilio_message_id=sid).first()):
        return existing, False
    try:
        number = phone_to_e164(from_number)
    except ValidationError:
        number = from_number  # an unreadable sender is still stored, on no lead
    lead = _lead_for_number(number)
    sms = SmsMessage.objects.create(
        lead=lead,
        direction=Direction.INBOUND,
        phone_number=number,
        message_content=body,
        message_type=SmsMessage.Type.REPLY,
        status=SmsMessage.Status.RECEIVED,
        twilio_message_id=sid or None,
        sent_at=timezone.now(),
    )
    if lead is not None and lead.customer_id:
        customer_touch(customer=lead.customer, when=sms.sent_at)
    return sms, True


def sms_update_status(*, sid: str, status: str, error_code: str = "") -> SmsMessage | None:
    """Apply a Twilio status callback; a callback arriving late never moves a message back."""
    new = TWILIO_STATUS.get(status)
    if new is None:
        return None
    with transaction.atomic():
        # Lock the row: callbacks for one message can arrive at the same time, out of order.
        sms = SmsMessage.objects.select_for_update().filter(twilio_message_id=sid).first()
        if sms is None:
            return None
        if RANK.get(new, 0) < RANK.get(sms.status, 0):
            return sms
        sms.status = new
        fields: list[str] = ["status"]
        if new == SmsMessage.Status.DELIVERED:
            sms.delivered_at = timezone.now()
            fields.append("delivered_at")
        if error_code:
            sms.error_code = error_code
            fields.append("error_code")
        sms.save(update_fields=fields)
    return sms


class SmsNotRecordedYet(Exception):
    """Twilio reported on a sid no SMS carries yet: the send that was given it has not committed."""


def sms_apply_delivery_report(*, sid: str, status: str, error_code: str = "") -> SmsMessage | None:
    """Apply Twilio's delivery callback; an SMS that could not be delivered sends its lead to a person.

    None for a status RenOS does not keep. Raises SmsNotRecordedYet when no SMS has this sid: Twilio can call back
    before the transaction that stored the sid commits, so the caller applies the report again a little later.
    """
    if status not in TWILIO_STATUS:
        return None
    sms = sms_update_status(sid=sid, status=status, error_code=error_code)
    if sms is None:
        raise SmsNotRecordedYet(sid)
    if sms.lead_id and sms.status in (SmsMessage.Status.FAILED, SmsMessage.Status.UNDELIVERED):
        lead_flag_follow_up(
            lead=sms.lead,
            reason=f"SMS til {sms.phone_number} kunne ikke leveres (Twilio-fejl {sms.error_code or 'ukendt'}).",
        )
    return sms


def _lead_for_number(number: str) -> Lead | None:
    """The lead whose open slot offer is newest, else the newest lead with this phone number."""
    if not number:
        return None  # an SMS without a sender is nobody's, not every lead's without a phone number
    leads = Lead.objects.filter(customer_phone=number).select_related("customer")
    # Slot offers belong to bookings, which messaging may not import: the lookup goes by the relation's name.
    with_offer = leads.filter(slot_offers__status="open").order_by("-slot_offers__created_at").first()
    return with_offer or leads.order_by("-created_at").first()
