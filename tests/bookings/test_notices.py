"""What the customer is told about a booking: the confirmation email and SMS, and the reminder the day before.

Each goes out once per booking, in Danish with real dates; SMS are read from the local log (what was actually sent).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from bookings.models import Booking
from bookings.notices import booking_confirm_by_email, booking_send_sms, bookings_needing_reminder
from integrations.sms import SmsError
from leads.models import Activity, Lead
from messaging.models import EmailMessage, SmsMessage
from renos import pipeline
from tests.factories import BookingFactory, CustomerFactory, LeadFactory
from tests.messaging.test_sms import sms_log

CPH = ZoneInfo("Europe/Copenhagen")
WEDNESDAY_12 = datetime(2026, 12, 2, 12, 0, tzinfo=CPH)
PHONE = "+4520112233"

CONFIRMATION = (
    "Hej Mette! Vi har booket fast rengøring onsdag 2. dec. kl. 12:00 på Søvej 12, 8240 Risskov. "
    "Du får en bekræftelse på mail. Skal tiden flyttes, så ring på 22 65 02 26.\n\nMvh Rendetalje"
)
REMINDER = (
    "Hej Mette! Vi minder om, at vi kommer i morgen, onsdag 2. dec. kl. 12:00, til fast rengøring på "
    "Søvej 12, 8240 Risskov. Skal tiden flyttes, så ring på 22 65 02 26.\n\nMvh Rendetalje"
)


@pytest.fixture(autouse=True)
def local_sms(settings, tmp_path):
    settings.SMS_BACKEND = "integrations.sms.LocalSms"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"
    return settings.SMS_LOG_FILE


def booked(*, at: datetime = WEDNESDAY_12, email: str = "mette.j@example.dk", **fields) -> Booking:
    lead = LeadFactory(
        customer=CustomerFactory(name="Mette Jørgensen", phone=PHONE), customer_email=email, status=Lead.Status.BOOKED
    )
    return BookingFactory(lead=lead, booking_date=at, **fields)


# --- confirmation -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_confirmation_sms_names_the_time_and_the_address_and_goes_out_once(local_sms):
    booking = booked()

    first = booking_send_sms(booking=booking, kind="confirmation")
    second = booking_send_sms(booking=Booking.objects.get(pk=booking.pk), kind="confirmation")

    assert sms_log(local_sms) == [(PHONE, CONFIRMATION)]
    assert second is None
    assert (first.message_type, first.status) == (SmsMessage.Type.CONFIRMATION, SmsMessage.Status.SENT)
    booking.refresh_from_db()
    assert booking.confirmation_sms == first
    assert booking.lead.activities.get(title="Bekræftelse sendt på SMS").booking == booking


@pytest.mark.django_db
def test_a_customer_without_an_email_address_is_asked_for_one(local_sms):
    booking_send_sms(booking=booked(email=""), kind="confirmation")

    ((_, text),) = sms_log(local_sms)
    assert "Send os gerne din mailadresse, så får du en bekræftelse på mail." in text


@pytest.mark.django_db
def test_a_confirmation_that_failed_to_send_is_sent_when_the_task_retries(local_sms, settings, tmp_path):
    booking = booked()
    settings.SMS_LOG_FILE = tmp_path  # a folder: the local sender cannot write, as when Twilio is down

    with pytest.raises(SmsError, match="Cannot write"):
        booking_send_sms(booking=booking, kind="confirmation")
    settings.SMS_LOG_FILE = local_sms
    retried = booking_send_sms(booking=Booking.objects.get(pk=booking.pk), kind="confirmation")

    assert sms_log(local_sms) == [(PHONE, CONFIRMATION)]
    booking.refresh_from_db()
    assert booking.confirmation_sms == retried
    assert list(SmsMessage.objects.order_by("created_at").values_list("status", flat=True)) == ["failed", "sent"]


@pytest.mark.django_db
def test_the_confirmation_email_gives_the_time_address_and_price_and_goes_out_once():
    booking = booked()

    record = booking_confirm_by_email(booking=booking)
    again = booking_confirm_by_email(booking=Booking.objects.get(pk=booking.pk))

    assert again is None
    (email,) = mail.outbox
    assert email.to == ["mette.j@example.dk"]
    assert email.subject == "Din rengøring er booket onsdag 2. december kl. 12:00"
    assert "Vi har reserveret onsdag 2. december kl. 12:00 til fast rengøring." in email.body
    assert "Adresse: Søvej 12, 8240 Risskov" in email.body
    assert "Forventet tid: cirka 3,5 arbejdstimer\n" in email.body
    assert "Prisoverslag: 1.221,50 kr. inkl. moms" in email.body
    assert "22 65 02 26" in email.body
    booking.refresh_from_db()
    assert booking.confirmation_email == record
    assert record.status == EmailMessage.Status.SENT
    assert booking.lead.activities.get(title="Bekræftelse sendt på e-mail").status == Activity.Status.SUCCESS


@pytest.mark.django_db
def test_a_two_cleaner_job_is_confirmed_with_both_cleaners_and_the_time_on_site():
    booking = booked(duration_hours=Decimal("4.5"), cleaners=2, total_amount=Decimal("2966.50"))
    Lead.objects.filter(pk=booking.lead_id).update(estimated_hours=Decimal("8.5"), estimated_price=Decimal("2966.50"))
    booking.refresh_from_db()

    booking_confirm_by_email(booking=booking)

    (email,) = mail.outbox
    assert (
        "Forventet tid: cirka 8,5 arbejdstimer, 2 rengøringsassistenter, cirka 4,5 timer på adressen\n"
        "Prisoverslag: 2.966,50 kr. inkl. moms"
    ) in email.body


@pytest.mark.django_db
def test_no_confirmation_email_without_an_email_address():
    booking = booked(email="")

    assert booking_confirm_by_email(booking=booking) is None
    assert mail.outbox == []


# --- reminder ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reminder_says_tomorrow_with_the_time_and_the_address(local_sms):
    booking = booked()

    record = booking_send_sms(booking=booking, kind="reminder")

    assert sms_log(local_sms) == [(PHONE, REMINDER)]
    booking.refresh_from_db()
    assert booking.reminder_sms == record and record.message_type == SmsMessage.Type.REMINDER
    assert booking.lead.activities.filter(title="Påmindelse sendt på SMS").exists()


@pytest.mark.django_db
def test_reminders_are_due_for_tomorrows_scheduled_bookings_that_have_none():
    tomorrow = booked()
    early_tomorrow = booked(at=datetime(2026, 12, 2, 0, 30, tzinfo=CPH))
    booked(at=datetime(2026, 12, 1, 23, 30, tzinfo=CPH))  # today
    booked(at=datetime(2026, 12, 3, 0, 0, tzinfo=CPH))  # the day after tomorrow
    booked(status=Booking.Status.CANCELLED)
    reminded = booked()
    booking_send_sms(booking=reminded, kind="reminder")

    due = bookings_needing_reminder(now=datetime(2026, 12, 1, 9, 5, tzinfo=CPH))

    assert set(due) == {tomorrow.pk, early_tomorrow.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("hour", [0, 3, 8, 20, 23])
def test_no_reminder_goes_out_at_night(hour):
    booked()

    assert bookings_needing_reminder(now=datetime(2026, 12, 1, hour, 5, tzinfo=CPH)) == []


@pytest.mark.django_db
def test_the_hourly_sweep_sends_each_reminder_once(local_sms, celery_eager):
    booking = booked()

    with time_machine.travel(datetime(2026, 12, 1, 9, 5, tzinfo=CPH), tick=False):
        first = pipeline.send_booking_reminders()
    with time_machine.travel(datetime(2026, 12, 1, 10, 5, tzinfo=CPH), tick=False):
        second = pipeline.send_booking_reminders()

    assert (first, second) == (1, 0)
    assert sms_log(local_sms) == [(PHONE, REMINDER)]
    booking.refresh_from_db()
    assert booking.reminder_sms.status == SmsMessage.Status.SENT


@pytest.mark.django_db
def test_a_reminder_task_run_twice_texts_the_customer_once(local_sms):
    booking = booked()

    results = [pipeline.send_booking_reminder(booking_id=str(booking.pk)) for _ in range(2)]

    assert results == ["sent", "skipped"]
    assert sms_log(local_sms) == [(PHONE, REMINDER)]
