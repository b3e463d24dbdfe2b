"""Slot offers and bookings made from an SMS reply: the exact slots offered, what a reply books, and the races.

Time is frozen on Monday 30 November 2026 at 09:00 in Copenhagen: a 3.5-hour job can start on Tuesday 1 December at
08:00 at the earliest (the next working day), and the three slots are spread over days and times of day.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from bookings.models import Booking, SlotOffer
from bookings.services import booking_from_reply, slot_offer_create
from integrations.calendar import CalendarError, LocalCalendar
from leads.models import Activity, Lead
from messaging.models import Direction, SmsMessage
from tests.factories import BookingFactory, CustomerFactory, LeadFactory, SmsMessageFactory

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=CPH)  # a Monday
TUESDAY_8 = datetime(2026, 12, 1, 8, 0, tzinfo=CPH)
WEDNESDAY_12 = datetime(2026, 12, 2, 12, 0, tzinfo=CPH)
THURSDAY_8 = datetime(2026, 12, 3, 8, 0, tzinfo=CPH)
PHONE = "+4520112233"


class UnreadableCalendar(LocalCalendar):
    """A calendar whose busy time cannot be read (Google down, access revoked)."""

    def busy(self, *, start, end, exclude_event_id=None):
        raise CalendarError("Google Calendar reading busy time failed: HTTP 503", permanent=False)


@pytest.fixture(autouse=True)
def local_adapters(settings, tmp_path):
    settings.SMS_BACKEND = "integrations.sms.LocalSms"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"
    settings.CALENDAR_BACKEND = "integrations.calendar.LocalCalendar"
    settings.VAR_DIR = tmp_path


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_lead(**fields) -> Lead:
    customer = CustomerFactory(name="Mette Jørgensen", phone=PHONE, email="mette.j@example.dk")
    return LeadFactory(customer=customer, **fields)


def reply(lead: Lead | None, text: str, *, phone: str = PHONE) -> SmsMessage:
    """An SMS from the customer as the webhook stores it."""
    return SmsMessageFactory(
        lead=lead,
        direction=Direction.INBOUND,
        phone_number=phone,
        message_content=text,
        message_type=SmsMessage.Type.REPLY,
        status=SmsMessage.Status.RECEIVED,
    )


# --- the offer ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_offer_keeps_the_exact_slots_it_found_and_expires_in_48_hours(clock):
    lead = make_lead()

    offer = slot_offer_create(lead=lead)

    assert offer.slot_datetimes == [TUESDAY_8, WEDNESDAY_12, THURSDAY_8]
    assert offer.slots == ["2026-12-01T07:00:00+00:00", "2026-12-02T11:00:00+00:00", "2026-12-03T07:00:00+00:00"]
    assert offer.status == SlotOffer.Status.OPEN
    assert offer.expires_at == NOW + timedelta(hours=48)
    assert (offer.duration_hours, offer.cleaners) == (Decimal("3.50"), 1)


@pytest.mark.django_db
def test_a_big_job_is_offered_for_two_cleaners_and_the_time_they_spend_on_site(clock):
    lead = make_lead(estimated_hours=Decimal("8.5"), estimated_price=Decimal("2966.50"))

    offer = slot_offer_create(lead=lead)

    assert (offer.duration_hours, offer.cleaners) == (Decimal("4.50"), 2)


@pytest.mark.django_db
def test_a_new_offer_closes_the_open_one_so_only_one_set_of_slots_counts(clock):
    lead = make_lead()
    first = slot_offer_create(lead=lead)

    second = slot_offer_create(lead=lead)

    first.refresh_from_db()
    assert first.status == SlotOffer.Status.EXPIRED
    assert list(lead.slot_offers.filter(status=SlotOffer.Status.OPEN)) == [second]


@pytest.mark.django_db
def test_nothing_is_offered_when_the_calendar_cannot_be_read(clock, settings):
    settings.CALENDAR_BACKEND = "tests.bookings.test_services.UnreadableCalendar"
    lead = make_lead()

    with pytest.raises(CalendarError):
        slot_offer_create(lead=lead)

    assert not SlotOffer.objects.exists()


# --- booking a reply ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_books_the_slot_that_was_offered_even_when_the_free_slots_have_changed_since(clock):
    lead = make_lead(status=Lead.Status.CONTACTED)
    offer = slot_offer_create(lead=lead)
    # Tuesday morning is taken after the offer went out: computed again, "2" would now mean another time.
    BookingFactory(booking_date=TUESDAY_8, duration_hours=Decimal("3"))

    result = booking_from_reply(sms=reply(lead, "2"))

    assert result.outcome == "booked"
    booking = Booking.objects.get(lead=lead)
    assert booking.booking_date == WEDNESDAY_12
    assert booking.booking_time == "12:00"
    assert (booking.duration_hours, booking.cleaners) == (Decimal("3.50"), 1)
    assert (booking.hourly_rate, booking.total_amount) == (Decimal("349.00"), Decimal("1221.50"))
    assert (booking.address, booking.city, booking.service_type.code) == ("Søvej 12", "Risskov", "fast")
    assert (booking.customer, booking.customer_name, booking.customer_phone) == (
        lead.customer,
        "Mette Jørgensen",
        PHONE,
    )
    assert booking.slot_offer == offer
    offer.refresh_from_db()
    assert (offer.status, offer.accepted_index) == (SlotOffer.Status.ACCEPTED, 2)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.BOOKED
    booked = lead.activities.get(title="Booket via SMS")
    assert booked.booking == booking
    assert booked.description == "Kunden valgte tid 2: onsdag 2. dec. kl. 12:00"
    assert booked.status == Activity.Status.SUCCESS
    assert lead.customer.bookings.count() == 1
    lead.customer.refresh_from_db()
    assert lead.customer.total_bookings == 1


@pytest.mark.django_db
def test_a_two_cleaner_job_is_booked_at_the_price_the_customer_was_quoted(clock):
    # 8.5 work hours shared by two cleaners: 4.5 hours on site (rounded up), but still 8.5 hours of work to pay for.
    lead = make_lead(estimated_hours=Decimal("8.5"), estimated_price=Decimal("2966.50"))
    slot_offer_create(lead=lead)

    booking = booking_from_reply(sms=reply(lead, "1")).booking

    assert (booking.duration_hours, booking.cleaners) == (Decimal("4.50"), 2)
    assert booking.total_amount == lead.estimated_price == Decimal("2966.50")


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Hej, hvad koster det?", "4", "0", "1 eller 2", "ikke 2", ""])
def test_a_reply_that_picks_no_offered_slot_books_nothing_and_is_noted(clock, text):
    lead = make_lead()
    offer = slot_offer_create(lead=lead)

    result = booking_from_reply(sms=reply(lead, text))

    assert (result.outcome, result.offer) == ("clarify", offer)
    assert not Booking.objects.exists()
    offer.refresh_from_db()
    assert offer.status == SlotOffer.Status.OPEN  # the customer can still answer 1, 2 or 3
    noted = lead.activities.get(title="Uklart svar på SMS")
    assert (noted.status, noted.description) == (Activity.Status.WARNING, text)


@pytest.mark.django_db
def test_a_reply_after_the_offer_expired_books_nothing_and_asks_for_new_slots(clock):
    lead = make_lead()
    offer = slot_offer_create(lead=lead)
    clock.shift(timedelta(hours=48, minutes=1))

    result = booking_from_reply(sms=reply(lead, "3"))

    assert result.outcome == "new_offer"
    assert not Booking.objects.exists()
    offer.refresh_from_db()
    assert offer.status == SlotOffer.Status.EXPIRED
    assert lead.activities.filter(title="Svar på et udløbet tilbud: nye tider sendes").exists()


@pytest.mark.django_db
def test_a_slot_taken_since_the_offer_is_not_booked_twice(clock):
    lead = make_lead()
    offer = slot_offer_create(lead=lead)
    other = BookingFactory(booking_date=WEDNESDAY_12 + timedelta(hours=1), duration_hours=Decimal("2"))

    result = booking_from_reply(sms=reply(lead, "2"))

    assert result.outcome == "new_offer"
    assert list(Booking.objects.all()) == [other]
    offer.refresh_from_db()
    assert offer.status == SlotOffer.Status.EXPIRED
    assert lead.activities.filter(title="Den valgte tid er optaget: nye tider sendes").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Tak, vi ses!", "Super 👍", "3"])
def test_a_message_after_the_booking_neither_books_again_nor_asks_to_choose(clock, text):
    lead = make_lead()
    slot_offer_create(lead=lead)
    booked = booking_from_reply(sms=reply(lead, "2")).booking

    result = booking_from_reply(sms=reply(lead, text))

    # "clarify" would text a booked customer "Svar venligst med 1, 2 eller 3".
    assert (result.outcome, result.booking) == ("already_booked", booked)
    assert list(Booking.objects.all()) == [booked]
    assert lead.activities.filter(title="SMS modtaget efter booking").count() == 1


@pytest.mark.django_db
def test_a_reply_never_picks_from_slots_sent_after_it_arrived(clock):
    lead = make_lead()
    first = slot_offer_create(lead=lead)
    early = reply(lead, "2")  # on its way while the offer expires and new slots go out
    first.status = SlotOffer.Status.EXPIRED
    first.save()
    clock.shift(timedelta(minutes=1))
    slot_offer_create(lead=lead)

    result = booking_from_reply(sms=early)

    assert result.outcome == "ignored"
    assert not Booking.objects.exists()
    assert lead.activities.filter(title="SMS modtaget uden åbent tilbud").exists()


@pytest.mark.django_db
def test_a_reply_without_an_open_offer_is_noted_and_books_nothing(clock):
    lead = make_lead()

    result = booking_from_reply(sms=reply(lead, "2"))

    assert result.outcome == "ignored"
    assert not Booking.objects.exists()
    assert lead.activities.get(title="SMS modtaget uden åbent tilbud").status == Activity.Status.WARNING


@pytest.mark.django_db
def test_a_reply_from_an_unknown_number_books_nothing(clock):
    slot_offer_create(lead=make_lead())

    result = booking_from_reply(sms=reply(None, "2", phone="+4560606060"))

    assert (result.outcome, result.lead) == ("unknown_number", None)
    assert not Booking.objects.exists()


# --- races ------------------------------------------------------------------------------------------------------------


def run_together(*calls):
    """Run each call in its own thread and database connection, released at the same moment; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test looks at what each thread ended with
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("texts", [("2", "3"), ("2", "Nr. 2 tak")], ids=["two-choices", "the-same-choice-twice"])
def test_two_replies_racing_on_one_offer_make_one_booking(seeded_catalogue, clock, texts):
    lead = make_lead()
    offer = slot_offer_create(lead=lead)
    replies = [reply(lead, text) for text in texts]

    results = run_together(*(lambda sms=sms: booking_from_reply(sms=sms) for sms in replies))

    assert sorted(result.outcome for result in results) == ["already_booked", "booked"]
    booking = Booking.objects.get()
    offer.refresh_from_db()
    assert offer.status == SlotOffer.Status.ACCEPTED
    assert booking.booking_date == offer.slot_datetimes[offer.accepted_index - 1]
    assert lead.activities.filter(title="Booket via SMS").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_customers_racing_for_the_same_time_make_one_booking(seeded_catalogue, clock):
    first, second = make_lead(), LeadFactory()
    offers = [slot_offer_create(lead=first), slot_offer_create(lead=second)]
    assert offers[0].slots == offers[1].slots  # both were offered Tuesday 08:00
    replies = [reply(first, "1"), reply(second, "1", phone=second.customer_phone)]

    results = run_together(*(lambda sms=sms: booking_from_reply(sms=sms) for sms in replies))

    assert sorted(result.outcome for result in results) == ["booked", "new_offer"]
    assert Booking.objects.get().booking_date == TUESDAY_8
