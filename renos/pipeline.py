"""The lead-to-invoice journey as Celery tasks, in the order things happen.

Each task takes ids, calls one service and declares its retry policy. Any task can run twice without doing
anything twice: the services record each side effect before or as it happens and skip what already happened.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task, shared_task
from celery.utils.serialization import UnpickleableExceptionWrapper
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from bookings.models import Booking, SlotOffer
from bookings.notices import booking_confirm_by_email, booking_send_sms, bookings_needing_reminder
from bookings.services import (
    booking_calendar_synced,
    booking_from_reply,
    slot_offer_claim_sms,
    slot_offer_create,
    slot_offer_sent,
    slot_offer_settle_interrupted,
)
from bookings.texts import calendar_event, clarification_sms, offer_sms
from customers.phones import is_mobile
from integrations.billy import BillyError
from integrations.calendar import CalendarError, get_calendar
from integrations.inbox import InboxError, get_inbox
from integrations.mail import MailError
from integrations.sms import SmsError
from invoicing.billy_sync import (
    invoice_record_sync_error,
    invoice_sync_payment,
    invoice_sync_to_billy,
    invoices_to_check_for_payment,
)
from invoicing.models import Invoice, local_today
from invoicing.services import (
    invoice_record_reminder_error,
    invoice_send_reminder,
    invoices_mark_overdue,
    invoices_needing_reminder,
)
from leads.models import Lead
from leads.services import lead_flag_follow_up, lead_record_error
from messaging.ingest import IngestResult, Outcome, inbox_poll
from messaging.lead_response import lead_response_send, lead_response_settle_interrupted
from messaging.models import SmsMessage
from messaging.sms import SmsNotRecordedYet, sms_apply_delivery_report, sms_deliver, sms_send

logger = logging.getLogger(__name__)

RETRY = {"retry_backoff": 5, "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 6}


def error_text(exc: BaseException) -> str:
    """The plain message of a task's failure, for staff: Celery hands an exception it cannot pickle to on_failure
    wrapped, and the wrapper reads as the exception's repr."""
    if isinstance(exc, UnpickleableExceptionWrapper):
        return " ".join(str(arg) for arg in exc.exc_args or ()) or exc.exc_cls_name
    return str(exc) or type(exc).__name__


class LeadStepTask(Task):
    """A step of a lead's journey: when its retries are used up, the lead is flagged with the error in the admin."""

    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        lead = _lead_of_step(kwargs)
        if lead is not None:
            lead_record_error(lead=lead, step=self.name.rsplit(".", 1)[-1], error=error_text(exc))


@contextmanager
def flag_permanent_failure(*, lead: Lead | None, step: str) -> Iterator[None]:
    """An outside service refused for good (a bad number, a rejected address): no retry can help, so the lead is
    flagged with the error at once instead of after every retry."""
    try:
        yield
    except (SmsError, MailError, CalendarError) as exc:
        if not exc.permanent or lead is None:
            raise
        lead_record_error(lead=lead, step=step, error=str(exc))


def _lead_of_step(kwargs: dict) -> Lead | None:
    """The lead a task works for, from the id it was given (lead, booking or SMS)."""
    if lead_id := kwargs.get("lead_id"):
        return Lead.objects.filter(pk=lead_id).first()
    if booking_id := kwargs.get("booking_id"):
        return Lead.objects.filter(bookings__pk=booking_id).first()
    if sms_id := kwargs.get("sms_id"):
        return Lead.objects.filter(sms_messages__pk=sms_id).first()
    return None


# 1. An email arrives ---------------------------------------------------------------------------------------


@shared_task(autoretry_for=(InboxError,), **RETRY)
def poll_inbox() -> dict[str, int | str]:
    """Every minute (and at once on a Gmail push): ingest what is new and start the answer for each new lead."""
    try:
        result = inbox_poll(inbox=get_inbox())
    except InboxError as exc:
        if exc.permanent:
            # Bad credentials or configuration: retrying cannot help; the next poll tries again after a fix.
            logger.error("the inbox could not be read: %s", exc)
            return {"error": str(exc)}
        raise
    for ingested in result.results:
        after_ingest(ingested)
    tally = Counter(ingested.outcome for ingested in result.results)
    counts: dict[str, int | str] = {
        outcome: tally[outcome] for outcome in (Outcome.LEAD, Outcome.REPLY, Outcome.DUPLICATE, Outcome.SKIPPED)
    }
    counts["failed"] = result.failed
    return counts


@shared_task(autoretry_for=(InboxError,), **RETRY)
def renew_gmail_watch() -> str:
    """Daily: Gmail push notifications stop after seven days unless the watch is renewed."""
    inbox = get_inbox()
    if not (settings.GMAIL_PUBSUB_TOPIC and hasattr(inbox, "watch")):
        return "not configured"
    try:
        result = inbox.watch(topic=settings.GMAIL_PUBSUB_TOPIC)
    except InboxError as exc:
        if exc.permanent:
            logger.error("renewing the Gmail watch failed for good: %s", exc)
            return "failed"
        raise
    return f"watching until {result['expiration']:%Y-%m-%d %H:%M} UTC"


def after_ingest(result: IngestResult) -> None:
    """What follows a new lead: the answer by email, then the SMS with three slots (straight away without email)."""
    if result.outcome != Outcome.LEAD or result.lead is None or result.lead.needs_follow_up:
        return
    lead_id = str(result.lead.pk)
    if result.lead.customer_email:
        transaction.on_commit(lambda: answer_lead.delay(lead_id=lead_id))
    else:
        transaction.on_commit(lambda: offer_slots.delay(lead_id=lead_id))


# 2. The lead is answered ------------------------------------------------------------------------------------


@shared_task(base=LeadStepTask, bind=True, autoretry_for=(MailError,), **RETRY)
def answer_lead(self, *, lead_id: str) -> str:
    lead = Lead.objects.select_related("customer", "service_type").get(pk=lead_id)
    if (self.request.delivery_info or {}).get("redelivered") and (
        settled := lead_response_settle_interrupted(lead=lead)
    ):
        # The worker running this before was lost inside the send (acks_late hands the task back): keep Gmail's
        # answer, or hand the lead to a person, rather than leave the draft claimed or email the customer twice.
        if settled == "sent":
            transaction.on_commit(lambda: offer_slots.delay(lead_id=lead_id))
        return settled
    try:
        message = lead_response_send(lead=lead)
    except MailError as exc:
        if exc.permanent:
            lead_record_error(lead=lead, step="answer_lead", error=str(exc))
            return "failed"
        raise
    if message is not None:
        transaction.on_commit(lambda: offer_slots.delay(lead_id=lead_id))
    return "sent" if message else "skipped"


# 3. Three free slots by SMS ----------------------------------------------------------------------------------


@shared_task(base=LeadStepTask, bind=True, autoretry_for=(SmsError,), **RETRY)
def offer_slots(self, *, lead_id: str, intro: str = "") -> str:
    """Text the lead three real free slots, once; a lead that cannot get them goes to a person."""
    lead = Lead.objects.select_related("customer", "service_type").get(pk=lead_id)
    if lead.status not in (Lead.Status.NEW, Lead.Status.CONTACTED) or not is_mobile(lead.customer_phone):
        return "skipped"
    if (self.request.delivery_info or {}).get("redelivered") and (settled := slot_offer_settle_interrupted(lead=lead)):
        # The worker running this before was lost (acks_late hands the task back): finish what it started rather
        # than offer new times in a second SMS.
        return settled
    offer = lead.slot_offers.filter(status=SlotOffer.Status.OPEN, sms__isnull=True).first()
    if offer is None and not intro and lead.sms_sent:
        return "skipped"
    if offer is None:
        try:
            offer = slot_offer_create(lead=lead)
        except CalendarError as exc:
            lead_flag_follow_up(lead=lead, reason=f"Kalenderen kunne ikke læses, så der er ikke sendt tider: {exc}")
            return "calendar unavailable"
        except ValidationError as exc:
            lead_flag_follow_up(lead=lead, reason=" ".join(exc.messages))
            return "no slots"
    record = slot_offer_claim_sms(offer=offer, body=offer_sms(lead=lead, slots=offer.slot_datetimes, intro=intro))
    if record is None:
        return "skipped"
    try:
        sms_deliver(record=record)
    except SmsError as exc:
        if exc.permanent:
            lead_record_error(lead=lead, step="offer_slots", error=str(exc))
            return "failed"
        raise
    slot_offer_sent(offer=offer)
    return "sent"


# 4. The customer answers ---------------------------------------------------------------------------------------


@shared_task(base=LeadStepTask, autoretry_for=(SmsError, CalendarError), **RETRY)
def handle_sms_reply(*, sms_id: str) -> str:
    """Book the chosen slot, ask again when the reply is unclear, or offer new slots when the old ones are gone."""
    sms = SmsMessage.objects.select_related("lead").get(pk=sms_id)
    result = booking_from_reply(sms=sms)
    if result.outcome == "booked":
        booking_id = str(result.booking.pk)
        transaction.on_commit(lambda: sync_calendar.delay(booking_id=booking_id))
        transaction.on_commit(lambda: confirm_booking.delay(booking_id=booking_id))
    elif result.outcome == "clarify":
        with flag_permanent_failure(lead=result.lead, step="handle_sms_reply"):
            sms_send(
                lead=result.lead,
                to=sms.phone_number,
                body=clarification_sms(),
                message_type=SmsMessage.Type.CLARIFICATION,
            )
    elif result.outcome == "new_offer":
        lead_id = str(result.lead.pk)
        intro = "Tiden er desværre ikke længere ledig. Her er nye ledige tider:"
        transaction.on_commit(lambda: offer_slots.delay(lead_id=lead_id, intro=intro))
    return result.outcome


@shared_task(autoretry_for=(SmsNotRecordedYet,), **RETRY)
def apply_delivery_report(*, sid: str, status: str, error_code: str = "") -> str:
    """A delivery callback that arrived before its SMS was stored; applying it twice changes nothing more.

    Twilio can report on an SMS before the send that was given its sid commits. The report is retried with backoff
    until the sid is there; after the last retry it is given up, with an error in the worker's log.
    """
    sms = sms_apply_delivery_report(sid=sid, status=status, error_code=error_code)
    return sms.status if sms else "ignored"


# 5. The booking: calendar, confirmation, reminder -------------------------------------------------------------------

CREATED, RESCHEDULED, CANCELLED = "created", "rescheduled", "cancelled"


def after_booking_change(*, booking: Booking, change: str) -> None:
    """After staff book, move or cancel (once the transaction commits): the calendar event follows the booking,
    and the customer gets the confirmation, or an SMS about the new time or the cancellation."""
    booking_id = str(booking.pk)
    transaction.on_commit(lambda: sync_calendar.delay(booking_id=booking_id))
    if change == CREATED:
        transaction.on_commit(lambda: confirm_booking.delay(booking_id=booking_id))
    else:
        transaction.on_commit(lambda: notify_booking_change.delay(booking_id=booking_id, kind=change))


@shared_task(base=LeadStepTask, autoretry_for=(CalendarError,), **RETRY)
def sync_calendar(*, booking_id: str) -> str:
    """Put the booking in the calendar (or move or remove it); the event id is ours, so a retry finds its event."""
    booking = Booking.objects.select_related("lead", "service_type").get(pk=booking_id)
    calendar = get_calendar()
    event = calendar_event(booking)
    try:
        if booking.status == Booking.Status.CANCELLED:
            calendar.delete_event(event.event_id)
        elif booking.google_calendar_event_id:
            calendar.move_event(event)
        else:
            calendar.put_event(event)
    except CalendarError as exc:
        if exc.permanent:
            lead_record_error(lead=booking.lead, step="sync_calendar", error=str(exc))
            return "failed"
        raise
    booking_calendar_synced(booking=booking, event_id=event.event_id)
    return "synced"


@shared_task(base=LeadStepTask, autoretry_for=(SmsError, MailError), **RETRY)
def confirm_booking(*, booking_id: str) -> str:
    booking = Booking.objects.select_related("lead", "service_type", "customer").get(pk=booking_id)
    with flag_permanent_failure(lead=booking.lead, step="confirm_booking"):
        booking_confirm_by_email(booking=booking)
    with flag_permanent_failure(lead=booking.lead, step="confirm_booking"):
        booking_send_sms(booking=booking, kind="confirmation")
    return "confirmed"


@shared_task(base=LeadStepTask, autoretry_for=(SmsError,), **RETRY)
def notify_booking_change(*, booking_id: str, kind: str) -> str:
    """Tell the customer a booking was moved or cancelled."""
    booking = Booking.objects.select_related("lead", "service_type").get(pk=booking_id)
    with flag_permanent_failure(lead=booking.lead, step="notify_booking_change"):
        booking_send_sms(booking=booking, kind=kind)
    return kind


@shared_task
def send_booking_reminders() -> int:
    """Hourly: queue the reminder SMS for tomorrow's bookings that have none yet."""
    ids = [str(pk) for pk in bookings_needing_reminder()]
    for booking_id in ids:
        send_booking_reminder.delay(booking_id=booking_id)
    return len(ids)


@shared_task(base=LeadStepTask, autoretry_for=(SmsError,), **RETRY)
def send_booking_reminder(*, booking_id: str) -> str:
    booking = Booking.objects.select_related("lead", "service_type").get(pk=booking_id)
    with flag_permanent_failure(lead=booking.lead, step="send_booking_reminder"):
        return "sent" if booking_send_sms(booking=booking, kind="reminder") else "skipped"
    return "failed"


# 6. Invoicing: the invoice is issued, then reminded of while it is overdue ----------------------------------------


def after_invoice_issued(*, invoice: Invoice) -> None:
    """What follows an issued invoice or credit note (a draft: nothing yet), once the transaction commits: Billy."""
    if not invoice.is_issued:
        return
    invoice_id = str(invoice.pk)
    transaction.on_commit(lambda: sync_invoice_to_billy.delay(invoice_id=invoice_id))


@shared_task
def mark_overdue_and_remind() -> int:
    """Every morning: one UPDATE marks every sent invoice past its due date overdue, then one reminder task is
    queued for each overdue invoice whose next reminder is due. Returns how many were queued."""
    today = local_today()
    invoices_mark_overdue(today=today)
    ids = [str(pk) for pk in invoices_needing_reminder(today=today)]
    for invoice_id in ids:
        send_invoice_reminder.delay(invoice_id=invoice_id)
    return len(ids)


@shared_task(autoretry_for=(MailError,), **RETRY)
def send_invoice_reminder(*, invoice_id: str) -> str:
    """Email the next payment reminder for an overdue invoice, at most once (the limits are checked again here)."""
    invoice = Invoice.objects.get(pk=invoice_id)
    try:
        message = invoice_send_reminder(invoice=invoice)
    except MailError as exc:
        if exc.permanent:
            invoice_record_reminder_error(invoice=invoice, error=str(exc))
            return "failed"
        raise
    return "sent" if message else "skipped"


class InvoiceSyncTask(Task):
    """A Billy step: when its retries are used up, the invoice shows the error in the admin."""

    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        invoice = Invoice.objects.filter(pk=kwargs.get("invoice_id")).select_related("lead").first()
        if invoice is not None:
            invoice_record_sync_error(invoice=invoice, error=error_text(exc))


@shared_task(base=InvoiceSyncTask, autoretry_for=(BillyError,), **RETRY)
def sync_invoice_to_billy(*, invoice_id: str) -> str:
    """Create, approve and email the issued invoice in Billy; a retry after a timeout finds what was made."""
    invoice = Invoice.objects.select_related("customer", "lead", "booking__service_type").get(pk=invoice_id)
    try:
        return invoice_sync_to_billy(invoice=invoice)
    except BillyError as exc:
        if exc.permanent:
            invoice_record_sync_error(invoice=invoice, error=str(exc))
            return "failed"
        raise


@shared_task
def sync_billy_payments() -> int:
    """Hourly: ask Billy about every sent or overdue invoice it has; returns how many were checked."""
    ids = [str(pk) for pk in invoices_to_check_for_payment()]
    for invoice_id in ids:
        sync_billy_payment.delay(invoice_id=invoice_id)
    return len(ids)


@shared_task(autoretry_for=(BillyError,), **RETRY)
def sync_billy_payment(*, invoice_id: str) -> str:
    invoice = Invoice.objects.select_related("customer", "lead").get(pk=invoice_id)
    return invoice_sync_payment(invoice=invoice)
