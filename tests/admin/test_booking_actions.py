"""Booking a lead from the admin, and moving, cancelling, starting and completing a booking from its page.

Time is frozen on Monday 23 November 2026, 10:00 in Copenhagen (CET): the first free time is Tuesday 08:00.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission

from bookings.models import Booking
from integrations.calendar import CalendarError
from leads.models import Lead
from renos import pipeline
from tests.admin.helpers import admin_url, messages_of
from tests.factories import BookingFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Copenhagen


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def booking_rules(settings, tmp_path):
    settings.RENOS_WORK_DAYS = (0, 1, 2, 3, 4)
    settings.RENOS_WORK_START = time(8)
    settings.RENOS_WORK_END = time(17)
    settings.RENOS_BOOKING_BUFFER_MINUTES = 60
    settings.RENOS_BOOKING_HORIZON_DAYS = 14
    settings.RENOS_BOOKING_MIN_NOTICE_DAYS = 1
    settings.RENOS_CLOSED_DAYS = ((6, 5), (12, 24), (12, 31))
    settings.CALENDAR_BACKEND = "integrations.calendar.LocalCalendar"
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queued(monkeypatch):
    """The follow-up tasks queued with .delay(), as (task name, keyword arguments); none really runs."""
    calls: list[tuple[str, dict]] = []
    for task in (pipeline.sync_calendar, pipeline.confirm_booking, pipeline.notify_booking_change):
        name = task.name.rsplit(".", 1)[-1]
        monkeypatch.setattr(task, "delay", lambda name=name, **kwargs: calls.append((name, kwargs)))
    return calls


@pytest.fixture
def lead() -> Lead:
    """3.5 work hours: one cleaner, 3.5 hours on site."""
    return LeadFactory(customer_name="Hanne Holm", status=Lead.Status.CONTACTED, estimated_hours=Decimal("3.5"))


@pytest.fixture
def booking() -> Booking:
    """Tuesday 08:00-11:30 in Copenhagen, for a booked lead."""
    lead = LeadFactory(customer_name="Jens Berg", status=Lead.Status.BOOKED, estimated_hours=Decimal("3.5"))
    return BookingFactory(lead=lead, booking_date=utc(2026, 11, 24, 7, 0), duration_hours=Decimal("3.5"))


def book_url(lead: Lead) -> str:
    return admin_url(Booking, "book", lead.pk)


# --- booking a lead ---------------------------------------------------------------------------------------------


def test_the_lead_page_has_a_book_button(admin_client_logged_in, lead):
    response = admin_client_logged_in.get(admin_url(lead, "change", lead.pk))

    assert response.status_code == 200
    assert f'href="{book_url(lead)}"' in response.text


def test_the_book_page_offers_the_next_free_slots_as_buttons(admin_client_logged_in, lead):
    response = admin_client_logged_in.get(book_url(lead))

    assert response.status_code == 200
    slots = response.context["slots"]
    assert len(slots) == 6
    assert slots[0] == ("2026-11-24T07:00:00+00:00", "Tue 24.11.2026 08:00–11:30")
    assert 'name="slot" value="2026-11-24T07:00:00+00:00"' in response.text
    assert "Tue 24.11.2026 08:00–11:30" in response.text
    assert 'name="start"' in response.text and 'type="datetime-local"' in response.text


def test_pressing_a_slot_books_it_and_queues_the_calendar_and_confirmation(
    admin_client_logged_in, lead, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(
            book_url(lead), {"slot": "2026-11-24T07:00:00+00:00", "start": "", "notes": "Hund i huset"}
        )

    booking = Booking.objects.get(lead=lead)
    assert response.status_code == 302
    assert response.url == admin_url(booking, "change", booking.pk)
    assert booking.booking_date == utc(2026, 11, 24, 7, 0)
    assert booking.notes == "Hund i huset"
    assert booking.activities.filter(title="Booket af kontoret").exists()
    assert messages_of(response)[0][0] == "success"
    assert queued == [
        ("sync_calendar", {"booking_id": str(booking.pk)}),
        ("confirm_booking", {"booking_id": str(booking.pk)}),
    ]


def test_another_time_is_typed_in_copenhagen_time(admin_client_logged_in, lead, queued):
    response = admin_client_logged_in.post(book_url(lead), {"start": "2026-11-25T13:00", "notes": ""})

    assert response.status_code == 302
    assert Booking.objects.get(lead=lead).booking_date == utc(2026, 11, 25, 12, 0)


def test_a_taken_time_is_a_form_error_and_books_nothing(
    admin_client_logged_in, lead, booking, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(book_url(lead), {"start": "2026-11-24T09:00"})

    assert response.status_code == 200
    assert "er ikke ledig" in response.text
    assert not Booking.objects.filter(lead=lead).exists()
    assert queued == []
    # The page offers fresh slots around the booking that is in the way.
    assert response.context["slots"][0][0] == "2026-11-24T11:30:00+00:00"


def test_neither_a_slot_nor_a_time_is_a_form_error(admin_client_logged_in, lead):
    response = admin_client_logged_in.post(book_url(lead), {"start": "", "notes": ""})

    assert response.status_code == 200
    assert "Choose one of the free times or enter another time." in response.text
    assert not Booking.objects.exists()


@pytest.mark.parametrize("slot", ["i morgen", "2026-11-24T08:00:00", "0001-01-01T00:00:00+14:00"])
def test_a_slot_that_is_not_an_aware_time_is_a_form_error(admin_client_logged_in, lead, slot):
    response = admin_client_logged_in.post(book_url(lead), {"slot": slot})

    assert response.status_code == 200
    assert f"Not a time: {slot}." in response.context["form"].non_field_errors()
    assert not Booking.objects.exists()


def test_a_lead_without_an_estimate_says_why_instead_of_failing(admin_client_logged_in):
    lead = LeadFactory(estimated_hours=None, estimated_price=None)

    page = admin_client_logged_in.get(book_url(lead))
    posted = admin_client_logged_in.post(book_url(lead), {"start": "2026-11-24T08:00"})

    assert page.status_code == 200
    assert page.context["slots"] == []
    assert "Opgavens omfang kendes ikke" in page.text
    assert posted.status_code == 200
    assert "Opgavens omfang kendes ikke" in posted.text
    assert not Booking.objects.exists()


def test_a_calendar_that_cannot_be_read_is_shown_and_any_time_can_still_be_tried(
    admin_client_logged_in, lead, monkeypatch
):
    def unreadable(**kwargs):
        raise CalendarError("Google Calendar answered 503", permanent=False)

    monkeypatch.setattr("bookings.admin.views.free_slots", unreadable)

    response = admin_client_logged_in.get(book_url(lead))

    assert response.status_code == 200
    assert "The calendar cannot be read right now" in response.text
    assert "Google Calendar answered 503" in response.text
    assert 'name="start"' in response.text


def test_an_unknown_lead_is_a_404(admin_client_logged_in):
    assert admin_client_logged_in.get(admin_url(Booking, "book", uuid.uuid4())).status_code == 404


def test_the_book_page_warns_about_an_existing_booking(admin_client_logged_in, booking):
    response = admin_client_logged_in.get(book_url(booking.lead))

    assert "This lead already has a booking" in response.text
    assert admin_url(booking, "change", booking.pk) in response.text


# --- the booking's page ------------------------------------------------------------------------------------------


def test_a_scheduled_booking_offers_its_changes_and_its_time_and_status_are_read_only(admin_client_logged_in, booking):
    response = admin_client_logged_in.get(admin_url(booking, "change", booking.pk))

    assert response.status_code == 200
    for action in ("reschedule", "cancel", "start", "complete"):
        assert f'href="{admin_url(booking, action, booking.pk)}"' in response.text
    fields = response.context["adminform"].form.fields
    assert "status" not in fields and "booking_date" not in fields and "actual_hours" not in fields


def test_a_completed_booking_offers_no_changes(admin_client_logged_in, booking):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.COMPLETED)

    response = admin_client_logged_in.get(admin_url(booking, "change", booking.pk))

    assert response.context["booking_actions"] == []
    assert admin_url(booking, "cancel", booking.pk) not in response.text


def test_reschedule_moves_the_booking_and_queues_the_calendar_and_the_sms(
    admin_client_logged_in, booking, queued, django_capture_on_commit_callbacks
):
    url = admin_url(booking, "reschedule", booking.pk)
    page = admin_client_logged_in.get(url)
    assert page.status_code == 200
    assert page.context["slots"]  # its own old time does not block the free slots

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(url, {"start": "2026-11-26T12:00"})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.booking_date == utc(2026, 11, 26, 11, 0)
    assert booking.activities.filter(title="Booking flyttet").exists()
    assert queued == [
        ("sync_calendar", {"booking_id": str(booking.pk)}),
        ("notify_booking_change", {"booking_id": str(booking.pk), "kind": "rescheduled"}),
    ]


def test_reschedule_into_another_booking_is_a_form_error(admin_client_logged_in, booking, queued):
    BookingFactory(booking_date=utc(2026, 11, 26, 7, 0), duration_hours=Decimal("3"))

    response = admin_client_logged_in.post(admin_url(booking, "reschedule", booking.pk), {"start": "2026-11-26T09:00"})

    assert response.status_code == 200
    assert "er ikke ledig" in response.text
    booking.refresh_from_db()
    assert booking.booking_date == utc(2026, 11, 24, 7, 0)
    assert queued == []


def test_cancel_asks_first_then_cancels_with_the_reason(
    admin_client_logged_in, booking, queued, django_capture_on_commit_callbacks
):
    url = admin_url(booking, "cancel", booking.pk)
    page = admin_client_logged_in.get(url)
    assert page.status_code == 200
    assert "Yes, cancel the booking" in page.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED  # opening the page changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(url, {"reason": "Kunden er flyttet"})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.activities.get(title="Booking aflyst").description == "Kunden er flyttet"
    assert queued == [
        ("sync_calendar", {"booking_id": str(booking.pk)}),
        ("notify_booking_change", {"booking_id": str(booking.pk), "kind": "cancelled"}),
    ]


def test_start_marks_the_booking_in_progress(admin_client_logged_in, booking, queued):
    response = admin_client_logged_in.post(admin_url(booking, "start", booking.pk))

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.IN_PROGRESS
    assert booking.activities.filter(title="Opgaven er i gang").exists()
    assert queued == []


def test_starting_a_cancelled_booking_is_an_error_on_the_page_not_a_500(admin_client_logged_in, booking):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    response = admin_client_logged_in.post(admin_url(booking, "start", booking.pk))

    assert response.status_code == 200
    assert "Kun planlagte bookinger kan sættes i gang." in response.text


def test_complete_suggests_the_quoted_hours_and_records_the_actual_ones(admin_client_logged_in, booking):
    # 8.5 hours of work quoted: two cleaners, 4.5 hours on site (rounded up), but still 8.5 hours to pay for.
    Lead.objects.filter(pk=booking.lead_id).update(estimated_hours=Decimal("8.5"))
    Booking.objects.filter(pk=booking.pk).update(duration_hours=Decimal("4.5"), cleaners=2)
    url = admin_url(booking, "complete", booking.pk)
    assert admin_client_logged_in.get(url).context["form"]["actual_hours"].value() == Decimal("8.5")

    response = admin_client_logged_in.post(url, {"actual_hours": "4.5"})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    assert booking.actual_hours == Decimal("4.5")
    booking.lead.refresh_from_db()
    # Completed, then invoiced: the invoice is made and issued at once (RENOS_ISSUE_INVOICES_AT_ONCE).
    assert booking.lead.status == Lead.Status.INVOICED
    assert booking.invoices.get().hours_worked == Decimal("4.5")


def test_complete_without_hours_is_a_form_error(admin_client_logged_in, booking):
    response = admin_client_logged_in.post(admin_url(booking, "complete", booking.pk), {"actual_hours": "0"})

    assert response.status_code == 200
    assert response.context["form"].errors["actual_hours"]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED


def test_an_unknown_booking_is_a_404(admin_client_logged_in):
    assert admin_client_logged_in.get(admin_url(Booking, "cancel", uuid.uuid4())).status_code == 404


def test_staff_who_may_only_view_bookings_cannot_change_or_book_them(client, booking, lead):
    viewer = UserFactory(username="praktikant", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client.force_login(viewer)

    assert client.post(admin_url(booking, "cancel", booking.pk)).status_code == 403
    assert client.post(book_url(lead), {"start": "2026-11-25T13:00"}).status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED
    assert not Booking.objects.filter(lead=lead).exists()
