"""Booking by SMS end to end, through the pipeline's tasks run eagerly: a lead email becomes an answer, an SMS with
three slots, a reply that books, a calendar event, a confirmation and a reminder the day before.

Time is frozen on Monday 30 November 2026 at 09:00 in Copenhagen. Twilio and Google Calendar are faked at their HTTP
edge where their behaviour matters; elsewhere SMS go to the local log and our bookings are the calendar.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from googleapiclient.http import HttpMockSequence

from bookings.models import Booking, SlotOffer
from integrations.calendar import GoogleCalendar, event_id_for
from leads.models import Activity, Lead
from messaging.models import SmsMessage
from renos import pipeline
from tests.conftest import sample_email
from tests.factories import BookingFactory, CustomerFactory, LeadFactory
from tests.integrations import gmail_error as google_error
from tests.integrations import gmail_ok as google_ok
from tests.messaging.test_sms import (
    FakeTwilioHttp,
    TwilioAtItsEdge,
    sms_log,
    twilio_created,
    twilio_refused,
)
from tests.test_webhooks_twilio import SMS_PATH, STATUS_PATH, inbound, post, status_callback

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=CPH)  # a Monday
CALENDAR_ID = "rendetalje.dk_kalender@group.calendar.google.com"
PETER = "+4531456789"  # the sender of the leadmail-flytte-text sample
METTE = "+4520112233"

OFFER_TO_PETER = (
    "Hej Peter!\n\n"
    "Tak for din forespørgsel om flytterengøring. Vi har disse ledige tider:\n\n"
    "1️⃣ tirsdag 1. dec. kl. 08:00\n"
    "2️⃣ onsdag 2. dec. kl. 12:00\n"
    "3️⃣ torsdag 3. dec. kl. 08:00\n\n"
    "Vi regner med 8,5 arbejdstimer (2 rengøringsassistenter, ca. 4,5 timer på adressen). "
    "Overslag: 2.966,50 kr. inkl. moms. Du betaler kun for den tid, vi bruger, og vi ringer, "
    "før vi går mere end en time over.\n\n"
    "Svar med 1, 2 eller 3 for at booke.\n\n"
    "Mvh Rendetalje\n"
    "22 65 02 26"
)
OFFER_TO_METTE = (
    "Hej Mette!\n\n"
    "Tak for din forespørgsel om fast rengøring. Vi har disse ledige tider:\n\n"
    "1️⃣ tirsdag 1. dec. kl. 08:00\n"
    "2️⃣ onsdag 2. dec. kl. 12:00\n"
    "3️⃣ torsdag 3. dec. kl. 08:00\n\n"
    "Vi regner med 3,5 arbejdstimer. Overslag: 1.221,50 kr. inkl. moms. Du betaler kun for den tid, vi bruger, "
    "og vi ringer, før vi går mere end en time over.\n\n"
    "Svar med 1, 2 eller 3 for at booke.\n\n"
    "Mvh Rendetalje\n"
    "22 65 02 26"
)


@pytest.fixture(autouse=True)
def local_world(settings, tmp_path):
    settings.TWILIO_AUTH_TOKEN = "test-token"
    settings.PUBLIC_BASE_URL = "https://renos.example.dk"
    settings.SMS_BACKEND = "integrations.sms.LocalSms"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"
    settings.CALENDAR_BACKEND = "integrations.calendar.LocalCalendar"
    settings.VAR_DIR = tmp_path
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings.INBOX_BACKEND = "integrations.inbox.LocalFolderInbox"
    settings.INBOX_LOCAL_DIR = inbox
    settings.INBOX_LOCAL_GRACE_SECONDS = 0


@pytest.fixture
def log(settings):
    return settings.SMS_LOG_FILE


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def mette(**fields) -> Lead:
    customer = CustomerFactory(name="Mette Jørgensen", phone=METTE, email="mette.j@example.dk")
    return LeadFactory(**{"customer": customer, "status": Lead.Status.CONTACTED, "response_sent": True, **fields})


# --- the whole journey ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_email_becomes_a_booking_by_sms_with_confirmation_and_reminder(
    client, clock, log, settings, celery_eager, django_capture_on_commit_callbacks
):
    (settings.INBOX_LOCAL_DIR / "lead.eml").write_bytes(sample_email("leadmail-flytte-text"))

    # Monday 09:00: the email is read, answered by email, and the lead gets three slots by SMS.
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.poll_inbox()

    lead = Lead.objects.get()
    assert (lead.status, lead.response_sent, lead.sms_sent) == (Lead.Status.CONTACTED, True, True)
    (answer,) = mail.outbox
    assert answer.to == ["psorensen@example.com"]
    assert "Om lidt får du en SMS med tre ledige tider." in answer.body
    assert sms_log(log) == [(PETER, OFFER_TO_PETER)]
    offer = SlotOffer.objects.get(lead=lead)
    assert offer.status == SlotOffer.Status.OPEN
    assert (offer.sms.status, offer.sms.message_type) == (SmsMessage.Status.SENT, SmsMessage.Type.BOOKING_OPTIONS)
    offered = lead.activities.get(title="SMS med ledige tider sendt")
    assert offered.description == "tirsdag 1. dec. kl. 08:00, onsdag 2. dec. kl. 12:00, torsdag 3. dec. kl. 08:00"

    # Half an hour later Peter answers "2".
    clock.shift(timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, SMS_PATH, inbound("Nr. 2 tak", sender=PETER))

    assert response.status_code == 200
    booking = Booking.objects.get()
    assert booking.booking_date == datetime(2026, 12, 2, 12, 0, tzinfo=CPH)
    assert (booking.duration_hours, booking.cleaners) == (Decimal("4.50"), 2)
    assert booking.total_amount == Decimal("2966.50")  # what the SMS quoted, not 2 × 4.5 hours
    assert (booking.address, booking.city, booking.service_type.code) == ("Nørregade 4, 3. th", "Aarhus C", "flytte")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.BOOKED
    assert booking.google_calendar_event_id == event_id_for(booking.pk)
    (event,) = (settings.VAR_DIR / "calendar.log").read_text(encoding="utf-8").splitlines()
    assert event.split("\t")[1:] == [
        "put",
        event_id_for(booking.pk),
        "2026-12-02T11:00:00+00:00",
        "2026-12-02T15:30:00+00:00",
        "Flytterengøring - Peter Sørensen",
    ]
    confirmation_email = mail.outbox[1]
    assert confirmation_email.subject == "Din rengøring er booket onsdag 2. december kl. 12:00"
    assert (
        "Adresse: Nørregade 4, 3. th, 8000 Aarhus C\n"
        "Forventet tid: cirka 8,5 arbejdstimer, 2 rengøringsassistenter, cirka 4,5 timer på adressen\n"
        "Prisoverslag: 2.966,50 kr. inkl. moms"
    ) in confirmation_email.body
    assert sms_log(log)[1:] == [
        (
            PETER,
            "Hej Peter! Vi har booket flytterengøring onsdag 2. dec. kl. 12:00 på Nørregade 4, 3. th, 8000 Aarhus C. "
            "Du får en bekræftelse på mail. Skal tiden flyttes, så ring på 22 65 02 26.\n\nMvh Rendetalje",
        )
    ]

    # Tuesday: the hourly sweep reminds him once, in the morning.
    clock.move_to(datetime(2026, 12, 1, 0, 5, tzinfo=CPH))
    assert pipeline.send_booking_reminders() == 0
    for hour in (9, 10):
        clock.move_to(datetime(2026, 12, 1, hour, 5, tzinfo=CPH))
        pipeline.send_booking_reminders()

    assert sms_log(log)[2:] == [
        (
            PETER,
            "Hej Peter! Vi minder om, at vi kommer i morgen, onsdag 2. dec. kl. 12:00, til flytterengøring på "
            "Nørregade 4, 3. th, 8000 Aarhus C. Skal tiden flyttes, så ring på 22 65 02 26.\n\nMvh Rendetalje",
        )
    ]
    timeline = list(lead.activities.order_by("created_at", "title").values_list("title", flat=True))
    for step in (
        "Nyt lead oprettet",
        "SMS med ledige tider sendt",
        "Booket via SMS",
        "Status opdateret til Booket",
        "Bekræftelse sendt på e-mail",
        "Bekræftelse sendt på SMS",
        "Påmindelse sendt på SMS",
    ):
        assert step in timeline
    assert not lead.needs_follow_up


# --- offering slots -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_without_email_is_texted_the_slots_straight_away(clock, log, celery_eager):
    lead = mette(customer_email="", response_sent=False, status=Lead.Status.NEW)

    assert pipeline.offer_slots.delay(lead_id=str(lead.pk)).get() == "sent"

    assert sms_log(log) == [(METTE, OFFER_TO_METTE)]


@pytest.mark.django_db
def test_the_offer_goes_through_twilio_with_the_status_callback_and_keeps_the_sid(client, clock, settings):
    settings.SMS_BACKEND = "tests.messaging.test_sms.TwilioAtItsEdge"
    sid = "SM" + "c" * 32
    TwilioAtItsEdge.http = FakeTwilioHttp(twilio_created(sid, "queued"))
    lead = mette()
    try:
        assert pipeline.offer_slots(lead_id=str(lead.pk)) == "sent"
    finally:
        http, TwilioAtItsEdge.http = TwilioAtItsEdge.http, None

    (request,) = http.requests
    assert request["data"] == {
        "To": METTE,
        "Body": OFFER_TO_METTE,
        "From": "+4578787878",
        "StatusCallback": "https://renos.example.dk/api/webhooks/twilio/status/",
    }
    sms = SlotOffer.objects.get(lead=lead).sms
    assert (sms.twilio_message_id, sms.status) == (sid, SmsMessage.Status.PENDING)
    lead.refresh_from_db()
    assert lead.sms_sent

    post(client, STATUS_PATH, status_callback(sid, "delivered"))

    sms.refresh_from_db()
    assert sms.status == SmsMessage.Status.DELIVERED


@pytest.mark.django_db
def test_twilio_down_for_a_moment_still_texts_the_customer_once(clock, settings, celery_eager):
    settings.SMS_BACKEND = "tests.messaging.test_sms.TwilioAtItsEdge"
    TwilioAtItsEdge.http = FakeTwilioHttp(twilio_refused(503, 20500, "Service Unavailable"), twilio_created("SM1"))
    lead = mette()
    try:
        pipeline.offer_slots.delay(lead_id=str(lead.pk))
    finally:
        http, TwilioAtItsEdge.http = TwilioAtItsEdge.http, None

    assert len(http.requests) == 2 and http.answers == []
    lead.refresh_from_db()
    assert lead.sms_sent and not lead.needs_follow_up
    offer = lead.slot_offers.get(status=SlotOffer.Status.OPEN)
    assert offer.sms.twilio_message_id == "SM1"
    assert offer.slot_datetimes[1] == datetime(2026, 12, 2, 12, 0, tzinfo=CPH)


@pytest.mark.django_db
def test_a_number_twilio_refuses_sends_the_lead_to_a_person(clock, settings, celery_eager):
    settings.SMS_BACKEND = "tests.messaging.test_sms.TwilioAtItsEdge"
    TwilioAtItsEdge.http = FakeTwilioHttp(twilio_refused(400, 21614, "'To' number is not a valid mobile number"))
    lead = mette()
    try:
        pipeline.offer_slots.delay(lead_id=str(lead.pk))
    finally:
        http, TwilioAtItsEdge.http = TwilioAtItsEdge.http, None

    assert len(http.requests) == 1  # a permanent error is not retried
    lead.refresh_from_db()
    assert lead.needs_follow_up and not lead.sms_sent
    assert "offer_slots" in lead.last_error and "21614" in lead.last_error
    sms = SmsMessage.objects.get(lead=lead)
    assert (sms.status, sms.error_code) == (SmsMessage.Status.FAILED, "21614")


@pytest.mark.django_db
def test_offering_slots_twice_texts_the_customer_once(clock, log):
    lead = mette()

    results = [pipeline.offer_slots(lead_id=str(lead.pk)) for _ in range(2)]

    assert results == ["sent", "skipped"]
    assert sms_log(log) == [(METTE, OFFER_TO_METTE)]
    assert lead.slot_offers.count() == 1


class GoogleAtItsEdge:
    """A CALENDAR_BACKEND for tests: the real GoogleCalendar, talking to the fake transport in `http`."""

    http = None

    @classmethod
    def from_settings(cls) -> GoogleCalendar:
        return GoogleCalendar(calendar_id=CALENDAR_ID, http=cls.http)


@pytest.fixture
def google(settings):
    settings.CALENDAR_BACKEND = "tests.bookings.test_flow.GoogleAtItsEdge"
    yield GoogleAtItsEdge
    GoogleAtItsEdge.http = None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer",
    [
        google_error(503, "backendError", "Backend Error"),
        google_error(403, "forbidden", "The caller does not have permission"),
        google_ok({"calendars": {CALENDAR_ID: {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}}}),
    ],
    ids=["google-down", "access-revoked", "calendar-not-found"],
)
def test_when_the_calendar_cannot_be_read_nothing_is_offered_and_a_person_follows_up(clock, log, google, answer):
    google.http = HttpMockSequence([answer])
    lead = mette()

    assert pipeline.offer_slots(lead_id=str(lead.pk)) == "calendar unavailable"

    assert sms_log(log) == []
    assert not SlotOffer.objects.exists()
    lead.refresh_from_db()
    assert lead.needs_follow_up and not lead.sms_sent
    assert lead.follow_up_reason.startswith("Kalenderen kunne ikke læses, så der er ikke sendt tider")
    flagged = lead.activities.get(title="Kræver manuel opfølgning")
    assert flagged.status == Activity.Status.WARNING


@pytest.mark.django_db
def test_a_lead_without_an_estimate_is_not_offered_slots_but_sent_to_a_person(clock, log):
    lead = mette(estimated_hours=None, estimated_price=None, service_type=None)

    assert pipeline.offer_slots(lead_id=str(lead.pk)) == "no slots"

    assert sms_log(log) == []
    lead.refresh_from_db()
    assert lead.needs_follow_up and "omfang" in lead.follow_up_reason


@pytest.mark.django_db
def test_a_lead_that_is_already_booked_is_not_offered_slots(clock, log):
    lead = mette(status=Lead.Status.BOOKED)

    assert pipeline.offer_slots(lead_id=str(lead.pk)) == "skipped"
    assert sms_log(log) == []


# --- the calendar event -----------------------------------------------------------------------------------------------


class LosesTheFirstAnswer:
    """Google's HTTP edge where the first request times out after Google acted on it; later requests get `answers`."""

    def __init__(self, *answers) -> None:
        self.later = HttpMockSequence(list(answers))
        self.requests: list[tuple[str, str, dict | None]] = []

    def request(self, uri, method="GET", body=None, headers=None, redirections=1, connection_type=None):
        self.requests.append((method, unquote(urlsplit(uri).path), json.loads(body) if body else None))
        if len(self.requests) == 1:
            raise TimeoutError("timed out")
        return self.later.request(uri, method, body, headers, redirections, connection_type)


@pytest.mark.django_db
def test_the_calendar_event_is_created_once_across_a_timeout_and_the_retry(clock, google, celery_eager):
    lead = mette(estimated_hours=Decimal("8.5"), estimated_price=Decimal("2966.50"))
    booking = BookingFactory(
        lead=lead,
        booking_date=datetime(2026, 12, 2, 12, 0, tzinfo=CPH),
        duration_hours=Decimal("4.5"),
        cleaners=2,
        total_amount=Decimal("2966.50"),
    )
    event_id = event_id_for(booking.pk)
    events = f"/calendar/v3/calendars/{CALENDAR_ID}/events"
    google.http = LosesTheFirstAnswer(
        google_error(409, "duplicate", "The requested identifier already exists."),
        google_ok({"id": event_id, "status": "confirmed"}),
        google_ok({"id": event_id, "status": "confirmed"}),
    )

    pipeline.sync_calendar.delay(booking_id=str(booking.pk))

    assert [(method, path) for method, path, _ in google.http.requests] == [
        ("POST", events),  # timed out, but Google made the event
        ("POST", events),  # the retry: 409, the id is taken by our own event
        ("PUT", f"{events}/{event_id}"),  # so it is updated to what we sent
    ]
    booking.refresh_from_db()
    assert booking.google_calendar_event_id == event_id and booking.calendar_synced_at is not None
    body = google.http.requests[2][2]
    assert body["id"] == event_id
    assert "attendees" not in body  # Google never emails the customer
    assert body["summary"] == "Fast rengøring - Mette Jørgensen"
    assert body["location"] == "Søvej 12, 8240 Risskov"
    assert body["start"] == {"dateTime": "2026-12-02T12:00:00+01:00", "timeZone": "Europe/Copenhagen"}
    assert body["end"] == {"dateTime": "2026-12-02T16:30:00+01:00", "timeZone": "Europe/Copenhagen"}
    assert body["description"] == (
        "Kunde: Mette Jørgensen\n"
        "Telefon: +4520112233\n"
        "E-mail: mette.j@example.dk\n"
        "Adresse: Søvej 12, 8240 Risskov\n"
        "Opgave: Fast rengøring\n"
        "Rengøringsassistenter: 2\n"
        "Tid på adressen: 4,5 timer (8,5 arbejdstimer)\n"
        "Pris (overslag): 2.966,50 kr. inkl. moms"
    )

    # The task again (a duplicate, or staff pressing sync): the event is updated, never made a second time.
    pipeline.sync_calendar.delay(booking_id=str(booking.pk))

    assert [method for method, _, _ in google.http.requests[3:]] == ["PUT"]
