"""Every write to slot offers and bookings: offering slots, booking a reply, staff booking, moving, cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from bookings.availability import free_slots, is_free, job_duration
from bookings.models import Booking, SlotOffer
from bookings.replies import read_choice
from bookings.texts import short_datetime
from customers.services import customer_update_stats
from leads.models import Activity, Lead
from leads.services import activity_create, lead_flag_follow_up, lead_set_status, money
from messaging.models import SmsMessage

# Any number, the same in every process: the PostgreSQL advisory lock that makes "is it free? book it" one step.
CALENDAR_LOCK_ID = 7_263_410_955


class NoSlotsError(ValidationError):
    """There is no free slot within the horizon for this job."""


@dataclass(frozen=True)
class ReplyResult:
    """What a customer's SMS reply led to: booked, clarify (ask again), new_offer (expired or taken), or ignored."""

    outcome: str
    lead: Lead | None = None
    booking: Booking | None = None
    offer: SlotOffer | None = None


def lead_job_duration(lead: Lead) -> timedelta:
    if lead.estimated_hours is None:
        raise ValidationError("Opgavens omfang kendes ikke, så der kan ikke findes ledige tider.", code="no_estimate")
    return job_duration(work_hours=lead.estimated_hours, cleaners=lead.cleaners)


@transaction.atomic
def slot_offer_create(*, lead: Lead) -> SlotOffer:
    """Find three free slots for the lead's job and keep them as an open offer (any older open offer expires).

    Raises CalendarError when the calendar cannot be read (never offer a slot that was not checked) and
    NoSlotsError when nothing is free within the horizon.
    """
    duration = lead_job_duration(lead)
    slots = free_slots(duration=duration)
    if not slots:
        raise NoSlotsError("Der er ingen ledige tider inden for de næste uger.", code="no_slots")
    SlotOffer.objects.filter(lead=lead, status=SlotOffer.Status.OPEN).update(status=SlotOffer.Status.EXPIRED)
    return SlotOffer.objects.create(
        lead=lead,
        slots=[slot.isoformat() for slot in slots],
        duration_hours=Decimal(duration.total_seconds() / 3600).quantize(Decimal("0.01")),
        cleaners=lead.cleaners,
        expires_at=timezone.now() + timedelta(hours=settings.RENOS_OFFER_VALID_HOURS),
    )


def slot_offer_claim_sms(*, offer: SlotOffer, body: str) -> SmsMessage | None:
    """The SMS record for this offer, created before the send; None when it was sent already (or is being sent)."""
    with transaction.atomic():
        # Lock the offer: two workers texting the same offer must not both send it.
        locked = SlotOffer.objects.select_for_update(of=("self",)).select_related("sms", "lead").get(pk=offer.pk)
        if locked.sms is not None and locked.sms.status != SmsMessage.Status.FAILED:
            return None
        if locked.sms is None:
            locked.sms = SmsMessage.objects.create(
                lead=locked.lead,
                phone_number=locked.lead.customer_phone,
                message_content=body,
                message_type=SmsMessage.Type.BOOKING_OPTIONS,
            )
            locked.save(update_fields=["sms", "updated_at"])
        else:
            SmsMessage.objects.filter(pk=locked.sms.pk).update(status=SmsMessage.Status.PENDING, error_code="")
            locked.sms.status = SmsMessage.Status.PENDING
        return locked.sms


def slot_offer_settle_interrupted(*, lead: Lead) -> str | None:
    """After a worker was lost running offer_slots: settle the open offer whose SMS it had started.

    Returns "sent" when Twilio's answer was kept (the offer is marked sent if it was not yet), "unknown" when it was
    not (the lead goes to a person: Twilio may have sent it, so sending again could text the customer twice), and
    None when no SMS was started.
    """
    offer = (
        SlotOffer.objects.filter(lead=lead, status=SlotOffer.Status.OPEN, sms__isnull=False)
        .exclude(sms__status=SmsMessage.Status.FAILED)
        .select_related("sms")
        .first()
    )
    if offer is None:
        return None
    if offer.sms.twilio_message_id:
        if not lead.activities.filter(metadata__slot_offer=str(offer.pk)).exists():
            slot_offer_sent(offer=offer)
        return "sent"
    lead_flag_follow_up(
        lead=lead,
        reason="SMS'en med ledige tider blev påbegyndt, men det er uvist, om den blev sendt. Tjek Twilio, "
        "før kunden får tider igen.",
    )
    return "unknown"


def slot_offer_sent(*, offer: SlotOffer) -> None:
    """The offer's SMS went out: the lead shows it and its timeline says which times were offered."""
    lead = offer.lead
    Lead.objects.filter(pk=lead.pk).update(sms_sent=True)
    lead.sms_sent = True
    offered = ", ".join(short_datetime(slot) for slot in offer.slot_datetimes)
    activity_create(
        lead=lead,
        type=Activity.Type.SMS,
        title="SMS med ledige tider sendt",
        description=offered,
        status=Activity.Status.SUCCESS,
        metadata={"slot_offer": str(offer.pk)},
    )


def booking_from_reply(*, sms: SmsMessage) -> ReplyResult:
    """Book the slot a customer chose by SMS, exactly as it was offered."""
    lead = sms.lead
    if lead is None:
        return ReplyResult("unknown_number")
    # Only an offer that existed when the reply arrived: a "2" sent before new slots went out never picks from them.
    offer = lead.slot_offers.filter(
        status__in=[SlotOffer.Status.OPEN, SlotOffer.Status.ACCEPTED], created_at__lte=sms.created_at
    ).first()
    if offer is None:
        _note_reply(lead, sms, "SMS modtaget uden åbent tilbud", Activity.Status.WARNING)
        return ReplyResult("ignored", lead=lead)
    if offer.status == SlotOffer.Status.ACCEPTED:
        # "Tak, vi ses!" after the booking: noted, never answered with "choose 1, 2 or 3".
        return _already_booked(lead, sms, offer)
    choice = read_choice(sms.message_content, options=len(offer.slots))
    if choice is None:
        _note_reply(lead, sms, "Uklart svar på SMS", Activity.Status.WARNING)
        return ReplyResult("clarify", lead=lead, offer=offer)
    with transaction.atomic():
        _lock_calendar()
        # Lock the offer: two replies, or two workers with the same reply, must not book twice.
        offer = SlotOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status == SlotOffer.Status.ACCEPTED:
            return _already_booked(lead, sms, offer)
        if offer.status != SlotOffer.Status.OPEN:
            # A reply just before this one found the offer expired or its slot taken: new slots are on their way.
            _note_reply(lead, sms, "SMS modtaget uden åbent tilbud", Activity.Status.WARNING)
            return ReplyResult("ignored", lead=lead, offer=offer)
        if offer.is_expired:
            offer.status = SlotOffer.Status.EXPIRED
            offer.save(update_fields=["status", "updated_at"])
            _note_reply(lead, sms, "Svar på et udløbet tilbud: nye tider sendes", Activity.Status.WARNING)
            return ReplyResult("new_offer", lead=lead, offer=offer)
        start = offer.slot_datetimes[choice - 1]
        duration = timedelta(hours=float(offer.duration_hours))
        if not is_free(start=start, duration=duration):
            offer.status = SlotOffer.Status.EXPIRED
            offer.save(update_fields=["status", "updated_at"])
            _note_reply(lead, sms, "Den valgte tid er optaget: nye tider sendes", Activity.Status.WARNING)
            return ReplyResult("new_offer", lead=lead, offer=offer)
        booking = _booking_insert(lead=lead, start=start, duration_hours=offer.duration_hours, offer=offer)
        offer.status = SlotOffer.Status.ACCEPTED
        offer.accepted_index = choice
        offer.save(update_fields=["status", "accepted_index", "updated_at"])
        activity_create(
            lead=lead,
            booking=booking,
            type=Activity.Type.BOOKING,
            title="Booket via SMS",
            description=f"Kunden valgte tid {choice}: {short_datetime(start)}",
            status=Activity.Status.SUCCESS,
            metadata={"slot_offer": str(offer.pk), "sms": str(sms.pk)},
        )
    return ReplyResult("booked", lead=lead, booking=booking, offer=offer)


def _already_booked(lead: Lead, sms: SmsMessage, offer: SlotOffer) -> ReplyResult:
    booking = Booking.objects.filter(slot_offer=offer).first()
    _note_reply(lead, sms, "SMS modtaget efter booking", Activity.Status.INFO)
    return ReplyResult("already_booked", lead=lead, booking=booking, offer=offer)


@transaction.atomic
def booking_create(*, lead: Lead, start: datetime, notes: str = "") -> Booking:
    """Staff book a lead into a chosen time; the same checks as a customer's reply (free, within working hours)."""
    _lock_calendar()
    locked = Lead.objects.select_for_update(of=("self",)).select_related("service_type").get(pk=lead.pk)
    duration = lead_job_duration(locked)
    if locked.service_type is None:
        raise ValidationError({"lead": "Leadet har ingen opgavetype, så det kan ikke bookes."})
    if not is_free(start=start, duration=duration):
        raise ValidationError({"start": f"{short_datetime(start)} er ikke ledig."}, code="not_free")
    SlotOffer.objects.filter(lead=locked, status=SlotOffer.Status.OPEN).update(status=SlotOffer.Status.CANCELLED)
    hours = Decimal(duration.total_seconds() / 3600).quantize(Decimal("0.01"))
    booking = _booking_insert(lead=locked, start=start, duration_hours=hours, offer=None, notes=notes)
    activity_create(
        lead=locked,
        booking=booking,
        type=Activity.Type.BOOKING,
        title="Booket af kontoret",
        description=short_datetime(start),
        status=Activity.Status.SUCCESS,
    )
    return booking


@transaction.atomic
def booking_reschedule(*, booking: Booking, start: datetime) -> Booking:
    _lock_calendar()
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != Booking.Status.SCHEDULED:
        raise ValidationError({"status": "Kun planlagte bookinger kan flyttes."}, code="not_scheduled")
    duration = timedelta(hours=float(locked.duration_hours))
    if not is_free(start=start, duration=duration, exclude_booking=locked):
        raise ValidationError({"start": f"{short_datetime(start)} er ikke ledig."}, code="not_free")
    previous = locked.booking_date
    locked.booking_date = start
    locked.calendar_synced_at = None
    locked.save(update_fields=["booking_date", "calendar_synced_at", "updated_at"])
    activity_create(
        lead=locked.lead,
        booking=locked,
        type=Activity.Type.BOOKING,
        title="Booking flyttet",
        description=f"Fra {short_datetime(previous)} til {short_datetime(start)}",
    )
    return locked


@transaction.atomic
def booking_cancel(*, booking: Booking, reason: str = "") -> Booking:
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status in (Booking.Status.CANCELLED, Booking.Status.COMPLETED):
        raise ValidationError({"status": "Bookingen er allerede afsluttet."}, code="closed")
    locked.status = Booking.Status.CANCELLED
    locked.calendar_synced_at = None
    locked.save(update_fields=["status", "calendar_synced_at", "updated_at"])
    activity_create(
        lead=locked.lead,
        booking=locked,
        type=Activity.Type.BOOKING,
        title="Booking aflyst",
        description=reason or short_datetime(locked.booking_date),
        status=Activity.Status.WARNING,
    )
    if locked.lead.status == Lead.Status.BOOKED:
        lead_set_status(lead=locked.lead, status=Lead.Status.CONTACTED, note="Bookingen er aflyst.")
    return locked


@transaction.atomic
def booking_start(*, booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != Booking.Status.SCHEDULED:
        raise ValidationError({"status": "Kun planlagte bookinger kan sættes i gang."}, code="not_scheduled")
    locked.status = Booking.Status.IN_PROGRESS
    locked.save(update_fields=["status", "updated_at"])
    activity_create(lead=locked.lead, booking=locked, type=Activity.Type.BOOKING, title="Opgaven er i gang")
    return locked


@transaction.atomic
def booking_complete(*, booking: Booking, actual_hours: Decimal) -> Booking:
    """The job is done: the actual work hours are kept (they are what the customer pays for)."""
    if actual_hours is None or Decimal(actual_hours) <= 0:
        raise ValidationError({"actual_hours": "Angiv de faktiske arbejdstimer."}, code="required")
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status not in (Booking.Status.SCHEDULED, Booking.Status.IN_PROGRESS):
        raise ValidationError({"status": "Bookingen er allerede afsluttet."}, code="closed")
    locked.status = Booking.Status.COMPLETED
    locked.actual_hours = Decimal(actual_hours)
    locked.save(update_fields=["status", "actual_hours", "updated_at"])
    activity_create(
        lead=locked.lead,
        booking=locked,
        type=Activity.Type.COMPLETED,
        title="Opgaven er udført",
        description=f"{locked.actual_hours} arbejdstimer",
        status=Activity.Status.SUCCESS,
    )
    if locked.lead.status == Lead.Status.BOOKED:
        lead_set_status(lead=locked.lead, status=Lead.Status.COMPLETED)
    return locked


def booking_calendar_synced(*, booking: Booking, event_id: str) -> None:
    Booking.objects.filter(pk=booking.pk).update(google_calendar_event_id=event_id, calendar_synced_at=timezone.now())


def _booking_insert(
    *, lead: Lead, start: datetime, duration_hours: Decimal, offer: SlotOffer | None, notes: str = ""
) -> Booking:
    cleaners = offer.cleaners if offer else lead.cleaners
    # The customer was quoted the work hours; the time on site is rounded up to the half hour for the calendar, and
    # two cleaners times that is more work than quoted (8.5 hours of work is 4.5 hours on site for two, not 9 hours).
    work_hours = lead.estimated_hours if lead.estimated_hours is not None else duration_hours * cleaners
    booking = Booking.objects.create(
        lead=lead,
        customer=lead.customer,
        slot_offer=offer,
        customer_name=lead.customer_name,
        customer_email=lead.customer_email,
        customer_phone=lead.customer_phone,
        service_type=lead.service_type,
        address=lead.address or "-",
        city=lead.city,
        booking_date=start,
        duration_hours=duration_hours,
        cleaners=cleaners,
        hourly_rate=settings.RENOS_HOURLY_RATE,
        total_amount=money(work_hours * settings.RENOS_HOURLY_RATE),
        notes=notes,
    )
    if lead.status in (Lead.Status.NEW, Lead.Status.CONTACTED):
        lead_set_status(lead=lead, status=Lead.Status.BOOKED, note=short_datetime(start))
    if lead.customer_id:
        customer_update_stats(customer=lead.customer)
    return booking


def _lock_calendar() -> None:
    """Hold the calendar until the transaction ends: two bookings checking the same free time (two customers'
    replies, or a reply and staff) must not both take it. Take it first, before any row lock, so none deadlock.
    SQLite runs one writing transaction at a time already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CALENDAR_LOCK_ID])


def _note_reply(lead: Lead, sms: SmsMessage, title: str, status: str) -> None:
    activity_create(
        lead=lead,
        type=Activity.Type.SMS,
        title=title,
        description=sms.message_content[:500],
        status=status,
        metadata={"sms": str(sms.pk)},
    )
