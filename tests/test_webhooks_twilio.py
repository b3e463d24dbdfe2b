"""Twilio's webhooks: a customer's SMS reply (signed by Twilio) books the slot they chose, and delivery callbacks
keep each SMS's status; anything not signed by Twilio is a 403 and changes nothing.

Tasks run eagerly, SMS go to the local log and the calendar is our own. Time is frozen on Monday 30 November 2026,
when a 3.5-hour job is offered Tuesday 08:00, Wednesday 12:00 and Thursday 08:00.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from twilio.request_validator import RequestValidator

from bookings.models import Booking, SlotOffer
from integrations.calendar import event_id_for
from leads.models import Activity, Lead
from messaging.models import Direction, SmsMessage
from messaging.sms import SmsNotRecordedYet
from renos import pipeline
from tests.factories import BookingFactory, CustomerFactory, LeadFactory
from tests.messaging.test_sms import sms_log

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=CPH)
TOKEN = "test-token"
PUBLIC_BASE_URL = "https://renos.example.dk"
SMS_PATH = "/api/webhooks/twilio/sms/"
STATUS_PATH = "/api/webhooks/twilio/status/"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
OUR_NUMBER = "+4578787878"
PHONE = "+4520112233"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response />'
TUESDAY_8 = "tirsdag 1. dec. kl. 08:00"
WEDNESDAY_12 = "onsdag 2. dec. kl. 12:00"
THURSDAY_8 = "torsdag 3. dec. kl. 08:00"
CLARIFICATION = (
    "Hej! Vi kunne desværre ikke se, hvilken tid du ønsker. Svar venligst med 1, 2 eller 3 ud fra tiderne i vores "
    "forrige SMS. Du er også velkommen til at ringe på 22 65 02 26.\n\nMvh Rendetalje"
)


@pytest.fixture(autouse=True)
def local_world(settings, tmp_path):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.SMS_BACKEND = "integrations.sms.LocalSms"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"
    settings.CALENDAR_BACKEND = "integrations.calendar.LocalCalendar"
    settings.VAR_DIR = tmp_path


@pytest.fixture
def log(settings):
    return settings.SMS_LOG_FILE


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def offered(db, clock, celery_eager):
    """A lead who was answered and texted three slots ten minutes ago."""
    customer = CustomerFactory(name="Mette Jørgensen", phone=PHONE, email="mette.j@example.dk")
    lead = LeadFactory(customer=customer, status=Lead.Status.CONTACTED, response_sent=True)
    assert pipeline.offer_slots(lead_id=str(lead.pk)) == "sent"
    clock.shift(timedelta(minutes=10))
    return lead


def inbound(body: str, *, sender: str = PHONE, sid: str | None = None) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS."""
    sid = sid or "SM" + uuid.uuid4().hex
    return {
        "ToCountry": "DK",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": OUR_NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def status_callback(sid: str, status: str, error_code: str = "") -> dict[str, str]:
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, "To": PHONE, "From": OUR_NUMBER}
    if error_code:
        params["ErrorCode"] = error_code
    return params


def signature(params: dict[str, str], *, url: str, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post(client, path: str, params: dict[str, str], **headers):
    """POST the form as Twilio does, signed for the public URL of `path` unless the headers say otherwise."""
    headers.setdefault("HTTP_X_TWILIO_SIGNATURE", signature(params, url=PUBLIC_BASE_URL + path))
    headers = {name: value for name, value in headers.items() if value is not None}
    return client.post(path, urlencode(params), content_type="application/x-www-form-urlencoded", **headers)


def reply(client, capture, body: str, **fields):
    with capture(execute=True):
        return post(client, SMS_PATH, inbound(body, **fields))


def texts_after_the_offer(log) -> list[tuple[str, str]]:
    sent = sms_log(log)
    assert sent[0][1].startswith("Hej Mette!\n\nTak for din forespørgsel om fast rengøring.")
    return sent[1:]


# --- a reply that books --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_reply_books_the_chosen_slot_puts_it_in_the_calendar_and_confirms_it(
    client, offered, log, settings, django_capture_on_commit_callbacks
):
    response = reply(client, django_capture_on_commit_callbacks, "2")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content == EMPTY_TWIML
    received = SmsMessage.objects.get(direction=Direction.INBOUND)
    assert (received.lead, received.message_content, received.status) == (offered, "2", SmsMessage.Status.RECEIVED)

    booking = Booking.objects.get(lead=offered)
    assert booking.booking_date == datetime(2026, 12, 2, 12, 0, tzinfo=CPH)
    offered.refresh_from_db()
    assert offered.status == Lead.Status.BOOKED
    assert texts_after_the_offer(log) == [
        (
            PHONE,
            f"Hej Mette! Vi har booket fast rengøring {WEDNESDAY_12} på Søvej 12, 8240 Risskov. Du får en "
            "bekræftelse på mail. Skal tiden flyttes, så ring på 22 65 02 26.\n\nMvh Rendetalje",
        )
    ]
    (email,) = mail.outbox
    assert (email.to, email.subject) == (["mette.j@example.dk"], "Din rengøring er booket onsdag 2. december kl. 12:00")
    booking.refresh_from_db()
    assert booking.google_calendar_event_id == event_id_for(booking.pk)
    (event,) = (settings.VAR_DIR / "calendar.log").read_text(encoding="utf-8").splitlines()
    assert event.split("\t")[1:] == [
        "put",
        event_id_for(booking.pk),
        "2026-12-02T11:00:00+00:00",
        "2026-12-02T14:30:00+00:00",
        "Fast rengøring - Mette Jørgensen",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "slot"),
    [
        ("2", WEDNESDAY_12),
        (" 2.", WEDNESDAY_12),
        ("nr 2", WEDNESDAY_12),
        ("Nr. 2 tak", WEDNESDAY_12),
        ("jeg tager 3", THURSDAY_8),
        ("ja tak til 1", TUESDAY_8),
        ("1️⃣", TUESDAY_8),
    ],
)
def test_every_way_of_answering_books_the_slot_the_customer_meant(
    client, offered, log, django_capture_on_commit_callbacks, body, slot
):
    reply(client, django_capture_on_commit_callbacks, body)

    booking = Booking.objects.get(lead=offered)
    assert booking.slot_offer.accepted_index == {TUESDAY_8: 1, WEDNESDAY_12: 2, THURSDAY_8: 3}[slot]
    ((_, confirmation),) = texts_after_the_offer(log)
    assert f"Vi har booket fast rengøring {slot} på Søvej 12" in confirmation


@pytest.mark.django_db
def test_twilio_sending_the_same_sms_twice_books_and_confirms_once(
    client, offered, log, django_capture_on_commit_callbacks
):
    sid = "SM" + "9" * 32

    first = reply(client, django_capture_on_commit_callbacks, "2", sid=sid)
    again = reply(client, django_capture_on_commit_callbacks, "2", sid=sid)

    assert (first.status_code, again.status_code) == (200, 200)
    assert SmsMessage.objects.filter(direction=Direction.INBOUND).count() == 1
    assert Booking.objects.count() == 1
    assert len(texts_after_the_offer(log)) == 1 and len(mail.outbox) == 1


# --- replies that do not book ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["Hvad koster det?", "4", "2 eller 3", "Kan I komme på lørdag?"])
def test_a_reply_that_is_not_1_2_or_3_gets_a_polite_question_and_the_offer_stays_open(
    client, offered, log, django_capture_on_commit_callbacks, body
):
    reply(client, django_capture_on_commit_callbacks, body)

    assert not Booking.objects.exists()
    assert texts_after_the_offer(log) == [(PHONE, CLARIFICATION)]
    assert SmsMessage.objects.get(message_type=SmsMessage.Type.CLARIFICATION).lead == offered
    noted = offered.activities.get(title="Uklart svar på SMS")
    assert (noted.status, noted.description) == (Activity.Status.WARNING, body)

    reply(client, django_capture_on_commit_callbacks, "2")

    assert Booking.objects.get(lead=offered).slot_offer.accepted_index == 2


@pytest.mark.django_db
def test_an_sms_from_a_number_nobody_knows_is_kept_for_staff_and_books_nothing(
    client, offered, log, admin_client_logged_in, django_capture_on_commit_callbacks
):
    response = reply(client, django_capture_on_commit_callbacks, "Hej, jeg vil gerne have tid 2", sender="+4560606060")

    assert response.status_code == 200
    stored = SmsMessage.objects.get(direction=Direction.INBOUND)
    assert (stored.lead, stored.phone_number) == (None, "+4560606060")
    assert not Booking.objects.exists()
    assert texts_after_the_offer(log) == []  # no answer to a stranger
    assert SlotOffer.objects.get(lead=offered).status == SlotOffer.Status.OPEN
    changelist = admin_client_logged_in.get("/admin/messaging/smsmessage/", {"direction__exact": "inbound"})
    assert "+4560606060" in changelist.text and "Hej, jeg vil gerne have tid 2" in changelist.text


@pytest.mark.django_db
def test_a_reply_to_an_expired_offer_gets_new_slots(client, offered, log, clock, django_capture_on_commit_callbacks):
    clock.shift(timedelta(hours=48))  # Wednesday 2 December, 09:10

    reply(client, django_capture_on_commit_callbacks, "2")

    assert not Booking.objects.exists()
    assert texts_after_the_offer(log) == [
        (
            PHONE,
            "Hej Mette!\n\nTiden er desværre ikke længere ledig. Her er nye ledige tider:\n\n"
            "1️⃣ torsdag 3. dec. kl. 08:00\n2️⃣ fredag 4. dec. kl. 12:00\n3️⃣ mandag 7. dec. kl. 08:00\n\n"
            "Vi regner med 3,5 arbejdstimer. Overslag: 1.221,50 kr. inkl. moms. Du betaler kun for den tid, vi bruger, "
            "og vi ringer, før vi går mere end en time over.\n\nSvar med 1, 2 eller 3 for at booke.\n\n"
            "Mvh Rendetalje\n22 65 02 26",
        )
    ]
    assert list(offered.slot_offers.values_list("status", flat=True)) == ["open", "expired"]

    clock.shift(timedelta(minutes=5))
    reply(client, django_capture_on_commit_callbacks, "1")

    assert Booking.objects.get(lead=offered).booking_date == datetime(2026, 12, 3, 8, 0, tzinfo=CPH)


@pytest.mark.django_db
def test_a_slot_taken_since_the_offer_gets_new_slots_instead_of_a_double_booking(
    client, offered, log, django_capture_on_commit_callbacks
):
    taken = BookingFactory(booking_date=datetime(2026, 12, 2, 12, 0, tzinfo=CPH), duration_hours=Decimal("3.5"))

    reply(client, django_capture_on_commit_callbacks, "2")

    assert list(Booking.objects.all()) == [taken]
    ((_, new_slots),) = texts_after_the_offer(log)
    # Wednesday is full now (the job, with an hour's buffer, cannot fit before or after the other booking).
    assert new_slots.startswith(
        "Hej Mette!\n\nTiden er desværre ikke længere ledig. Her er nye ledige tider:\n\n"
        "1️⃣ tirsdag 1. dec. kl. 08:00\n2️⃣ torsdag 3. dec. kl. 12:00\n3️⃣ fredag 4. dec. kl. 08:00\n\n"
    )
    assert offered.activities.filter(title="Den valgte tid er optaget: nye tider sendes").exists()


# --- signatures --------------------------------------------------------------------------------------------------


def refused_variants() -> list:
    signed_body = inbound("2", sid="SM" + "1" * 32)
    return [
        pytest.param({"HTTP_X_TWILIO_SIGNATURE": None}, id="unsigned"),
        pytest.param(
            {"HTTP_X_TWILIO_SIGNATURE": signature(signed_body, url=PUBLIC_BASE_URL + SMS_PATH, token="wrong")},
            id="forged-with-another-token",
        ),
        pytest.param(
            {"HTTP_X_TWILIO_SIGNATURE": signature(signed_body, url="http://testserver" + SMS_PATH)},
            id="signed-for-another-url",
        ),
        pytest.param({"HTTP_X_TWILIO_SIGNATURE": "bm90IGEgc2lnbmF0dXJl"}, id="garbage"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("headers", refused_variants())
def test_an_sms_not_signed_by_twilio_is_refused_and_nothing_is_stored(
    client, offered, log, django_capture_on_commit_callbacks, headers
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, SMS_PATH, inbound("2", sid="SM" + "1" * 32), **headers)

    assert response.status_code == 403
    assert not SmsMessage.objects.filter(direction=Direction.INBOUND).exists()
    assert not Booking.objects.exists()
    assert texts_after_the_offer(log) == []


@pytest.mark.django_db
def test_a_signed_sms_whose_text_was_changed_on_the_way_is_refused(client, offered, django_capture_on_commit_callbacks):
    params = inbound("3")
    header = signature({**params, "Body": "1"}, url=PUBLIC_BASE_URL + SMS_PATH)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, SMS_PATH, params, HTTP_X_TWILIO_SIGNATURE=header)

    assert response.status_code == 403
    assert not SmsMessage.objects.filter(direction=Direction.INBOUND).exists()


@pytest.mark.django_db
def test_without_an_auth_token_every_webhook_is_refused(client, offered, settings):
    params = inbound("2")
    header = signature(params, url=PUBLIC_BASE_URL + SMS_PATH)
    settings.TWILIO_AUTH_TOKEN = ""

    assert post(client, SMS_PATH, params, HTTP_X_TWILIO_SIGNATURE=header).status_code == 403
    assert not SmsMessage.objects.filter(direction=Direction.INBOUND).exists()


@pytest.mark.django_db
def test_the_webhooks_take_only_post(client):
    assert client.get(SMS_PATH).status_code == 405
    assert client.get(STATUS_PATH).status_code == 405


# --- delivery status -----------------------------------------------------------------------------------------------


def offer_sms(lead: Lead) -> SmsMessage:
    return SmsMessage.objects.get(lead=lead, message_type=SmsMessage.Type.BOOKING_OPTIONS)


@pytest.mark.django_db
def test_delivery_callbacks_keep_the_status_of_the_offer_sms(client, offered):
    sms = offer_sms(offered)

    responses = [post(client, STATUS_PATH, status_callback(sms.twilio_message_id, s)) for s in ("sent", "delivered")]

    assert [response.status_code for response in responses] == [204, 204]
    sms.refresh_from_db()
    assert sms.status == SmsMessage.Status.DELIVERED and sms.delivered_at is not None
    offered.refresh_from_db()
    assert not offered.needs_follow_up


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("twilio_status", "code", "stored"),
    [("failed", "30003", SmsMessage.Status.FAILED), ("undelivered", "30005", SmsMessage.Status.UNDELIVERED)],
)
def test_a_booking_sms_that_did_not_arrive_sends_the_lead_to_a_person(client, offered, twilio_status, code, stored):
    sms = offer_sms(offered)

    response = post(client, STATUS_PATH, status_callback(sms.twilio_message_id, twilio_status, code))

    assert response.status_code == 204
    sms.refresh_from_db()
    assert (sms.status, sms.error_code) == (stored, code)
    offered.refresh_from_db()
    assert offered.needs_follow_up
    assert offered.follow_up_reason == f"SMS til {PHONE} kunne ikke leveres (Twilio-fejl {code})."
    flagged = offered.activities.get(title="Kræver manuel opfølgning")
    assert flagged.status == Activity.Status.WARNING and code in flagged.description


@pytest.mark.django_db
def test_a_forged_delivery_callback_is_refused_and_changes_nothing(client, offered):
    sms = offer_sms(offered)
    params = status_callback(sms.twilio_message_id, "failed", "30003")

    response = post(client, STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature(params, url=PUBLIC_BASE_URL))

    assert response.status_code == 403
    sms.refresh_from_db()
    assert sms.status == SmsMessage.Status.SENT
    offered.refresh_from_db()
    assert not offered.needs_follow_up


@pytest.fixture
def scheduled(monkeypatch) -> list[dict]:
    """The delivery reports the webhook leaves for a task to apply later."""
    calls: list[dict] = []
    monkeypatch.setattr(pipeline.apply_delivery_report, "delay", lambda **report: calls.append(report))
    return calls


@pytest.mark.django_db
def test_a_callback_that_overtakes_the_stored_sid_is_applied_once_the_sid_is_there(client, offered, scheduled):
    sms = offer_sms(offered)
    sid = sms.twilio_message_id
    SmsMessage.objects.filter(pk=sms.pk).update(twilio_message_id=None)  # the send has not committed yet

    response = post(client, STATUS_PATH, status_callback(sid, "undelivered", "30005"))

    assert response.status_code == 204
    assert scheduled == [{"sid": sid, "status": "undelivered", "error_code": "30005"}]
    SmsMessage.objects.filter(pk=sms.pk).update(twilio_message_id=sid)  # ... and now it has
    [report] = scheduled

    assert pipeline.apply_delivery_report(**report) == SmsMessage.Status.UNDELIVERED
    assert pipeline.apply_delivery_report(**report) == SmsMessage.Status.UNDELIVERED

    sms.refresh_from_db()
    assert (sms.status, sms.error_code) == (SmsMessage.Status.UNDELIVERED, "30005")
    offered.refresh_from_db()
    assert offered.needs_follow_up
    assert offered.activities.filter(title="Kræver manuel opfølgning").count() == 1, "applied twice, flagged once"


@pytest.mark.django_db
def test_a_report_on_a_sid_still_unknown_is_retried_by_the_task(offered):
    with pytest.raises(SmsNotRecordedYet):
        pipeline.apply_delivery_report(sid="SM" + "9" * 32, status="delivered")

    assert pipeline.apply_delivery_report.max_retries >= 5 and pipeline.apply_delivery_report.retry_backoff


@pytest.mark.django_db
def test_a_status_we_do_not_keep_or_a_callback_without_sid_schedules_nothing(client, offered, scheduled):
    responses = [
        post(client, STATUS_PATH, status_callback("SM" + "9" * 32, "read")),
        post(client, STATUS_PATH, status_callback("", "delivered")),
    ]

    assert [response.status_code for response in responses] == [204, 204]
    assert scheduled == []
