"""`/api/bookings/` writes: staff book a lead, move, cancel, start and complete bookings, and ask for free slots.

Time is frozen on Monday 23 November 2026, 10:00 in Copenhagen (CET, +01:00): the first time a job may start is
Tuesday 08:00 (one working day's notice), and working hours are 08:00 to 17:00, Monday to Friday.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from bookings.models import Booking
from integrations.calendar import CalendarError, event_id_for
from leads.models import Activity, Lead
from renos import pipeline
from tests.conftest import bearer
from tests.factories import BookingFactory, LeadFactory, UserFactory

URL = "/api/bookings/"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Copenhagen
TUESDAY_8 = "2026-11-24T08:00:00+01:00"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def booking_rules(settings, tmp_path):
    """The default working hours, and the local calendar and SMS adapters writing under tmp_path."""
    settings.RENOS_WORK_DAYS = (0, 1, 2, 3, 4)
    settings.RENOS_WORK_START = time(8)
    settings.RENOS_WORK_END = time(17)
    settings.RENOS_BOOKING_BUFFER_MINUTES = 60
    settings.RENOS_BOOKING_HORIZON_DAYS = 14
    settings.RENOS_BOOKING_MIN_NOTICE_DAYS = 1
    settings.RENOS_CLOSED_DAYS = ((6, 5), (12, 24), (12, 31))
    settings.CALENDAR_BACKEND = "integrations.calendar.LocalCalendar"
    settings.VAR_DIR = tmp_path
    settings.SMS_BACKEND = "integrations.sms.LocalSms"
    settings.SMS_LOG_FILE = tmp_path / "sms.log"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queued(monkeypatch):
    """The follow-up tasks queued with .delay(), in order, as (task name, keyword arguments); none really runs."""
    calls: list[tuple[str, dict]] = []
    for task in (pipeline.sync_calendar, pipeline.confirm_booking, pipeline.notify_booking_change):
        name = task.name.rsplit(".", 1)[-1]
        monkeypatch.setattr(task, "delay", lambda name=name, **kwargs: calls.append((name, kwargs)))
    return calls


def lead_to_book(**fields) -> Lead:
    """A lead of 3.5 work hours: one cleaner, 3.5 hours on site."""
    return LeadFactory(**{"status": Lead.Status.CONTACTED, "estimated_hours": Decimal("3.5"), **fields})


def post(client, url: str, body: dict | None = None):
    return client.post(url, body or {}, format="json")


# --- booking a lead --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_book_a_lead_and_the_calendar_and_confirmation_are_queued_on_commit(
    api_client, queued, django_capture_on_commit_callbacks
):
    lead = lead_to_book()

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(api_client, URL, {"lead": str(lead.id), "start": TUESDAY_8, "notes": "Nøgle under måtten"})
        assert queued == []  # nothing leaves before the booking is committed

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["booking_date"] == TUESDAY_8
    assert body["ends_at"] == "2026-11-24T11:30:00+01:00"
    assert body["status"] == "scheduled"
    assert body["notes"] == "Nøgle under måtten"
    assert body["lead"] == str(lead.id)
    booking = Booking.objects.get(lead=lead)
    assert booking.booking_date == utc(2026, 11, 24, 7, 0)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.BOOKED
    assert booking.activities.filter(title="Booket af kontoret").exists()

    for callback in callbacks:
        callback()
    assert queued == [
        ("sync_calendar", {"booking_id": str(booking.id)}),
        ("confirm_booking", {"booking_id": str(booking.id)}),
    ]


@pytest.mark.django_db
def test_a_time_without_offset_is_copenhagen_time(api_client, queued):
    lead = lead_to_book()

    response = post(api_client, URL, {"lead": str(lead.id), "start": "2026-11-24T09:30:00"})

    assert response.status_code == 201, response.content
    assert Booking.objects.get(lead=lead).booking_date == utc(2026, 11, 24, 8, 30)


@pytest.mark.django_db
def test_a_time_that_is_taken_is_a_400_on_start_and_nothing_is_queued(
    api_client, queued, django_capture_on_commit_callbacks
):
    BookingFactory(booking_date=utc(2026, 11, 24, 8, 0), duration_hours=Decimal("2"))  # 09:00-11:00 local
    lead = lead_to_book()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, URL, {"lead": str(lead.id), "start": TUESDAY_8})

    assert response.status_code == 400
    assert "ikke ledig" in response.json()["start"][0]
    assert not Booking.objects.filter(lead=lead).exists()
    assert queued == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start",
    [
        "2026-11-24T07:30:00+01:00",  # before opening
        "2026-11-24T14:00:00+01:00",  # 3.5 hours would end after 17:00
        "2026-11-28T10:00:00+01:00",  # a Saturday
        "2026-12-24T10:00:00+01:00",  # juleaften, closed
        "2026-11-23T08:00:00+01:00",  # this morning: already past
    ],
)
def test_a_time_outside_working_hours_is_a_400_on_start(api_client, queued, start):
    lead = lead_to_book()

    response = post(api_client, URL, {"lead": str(lead.id), "start": start})

    assert response.status_code == 400
    assert list(response.json()) == ["start"]
    assert not Booking.objects.filter(lead=lead).exists()


@pytest.mark.django_db
def test_a_lead_without_an_estimate_cannot_be_booked(api_client, queued):
    lead = LeadFactory(estimated_hours=None, estimated_price=None)

    response = post(api_client, URL, {"lead": str(lead.id), "start": TUESDAY_8})

    assert response.status_code == 400
    assert "omfang" in response.json()["non_field_errors"][0]
    assert not Booking.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": TUESDAY_8}, "lead"),
        ({"lead": "00000000-0000-4000-8000-000000000000", "start": TUESDAY_8}, "lead"),
        ({"lead": "LEAD", "start": "tirsdag kl. 8"}, "start"),
    ],
)
def test_a_missing_or_unknown_lead_or_a_malformed_start_is_a_400(api_client, body, field):
    lead = lead_to_book()
    body = {key: str(lead.id) if value == "LEAD" else value for key, value in body.items()}

    response = post(api_client, URL, body)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_a_calendar_that_cannot_be_read_is_a_503_and_books_nothing(api_client, queued, settings):
    settings.CALENDAR_BACKEND = "tests.api.test_booking_actions.UnreadableCalendar"
    lead = lead_to_book()

    response = post(api_client, URL, {"lead": str(lead.id), "start": TUESDAY_8})

    assert response.status_code == 503
    assert "Kalenderen kan ikke læses" in response.json()["detail"]
    assert not Booking.objects.exists()
    assert queued == []


class UnreadableCalendar:
    """A calendar backend whose freebusy always fails, as Google does when it is down."""

    @classmethod
    def from_settings(cls) -> UnreadableCalendar:
        return cls()

    def busy(self, **kwargs):
        raise CalendarError("Google Calendar answered 503", permanent=False)


# --- rescheduling, cancelling, starting, completing ---------------------------------------------------------------


@pytest.fixture
def booking() -> Booking:
    """Tuesday 08:00-11:30 in Copenhagen, for a booked lead."""
    lead = lead_to_book(status=Lead.Status.BOOKED)
    return BookingFactory(lead=lead, booking_date=utc(2026, 11, 24, 7, 0), duration_hours=Decimal("3.5"))


@pytest.mark.django_db
def test_reschedule_moves_the_booking_and_queues_the_calendar_and_the_sms(
    api_client, booking, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, f"{URL}{booking.id}/reschedule/", {"start": "2026-11-25T12:30:00+01:00"})

    assert response.status_code == 200, response.content
    assert response.json()["booking_date"] == "2026-11-25T12:30:00+01:00"
    booking.refresh_from_db()
    assert booking.booking_date == utc(2026, 11, 25, 11, 30)
    assert booking.activities.filter(title="Booking flyttet").exists()
    assert queued == [
        ("sync_calendar", {"booking_id": str(booking.id)}),
        ("notify_booking_change", {"booking_id": str(booking.id), "kind": "rescheduled"}),
    ]


@pytest.mark.django_db
def test_a_booking_may_move_into_its_own_old_time(api_client, booking, queued):
    response = post(api_client, f"{URL}{booking.id}/reschedule/", {"start": "2026-11-24T09:00:00+01:00"})

    assert response.status_code == 200, response.content
    assert response.json()["booking_time"] == "09:00"


@pytest.mark.django_db
def test_reschedule_into_another_booking_is_a_400_and_changes_nothing(api_client, booking, queued):
    BookingFactory(booking_date=utc(2026, 11, 25, 7, 0), duration_hours=Decimal("3"))

    response = post(api_client, f"{URL}{booking.id}/reschedule/", {"start": "2026-11-25T09:00:00+01:00"})

    assert response.status_code == 400
    assert "ikke ledig" in response.json()["start"][0]
    booking.refresh_from_db()
    assert booking.booking_date == utc(2026, 11, 24, 7, 0)
    assert queued == []


@pytest.mark.django_db
def test_only_a_scheduled_booking_can_be_moved(api_client, booking):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.COMPLETED)

    response = post(api_client, f"{URL}{booking.id}/reschedule/", {"start": "2026-11-25T09:00:00+01:00"})

    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.django_db
def test_cancel_frees_the_time_tells_the_customer_and_returns_the_lead_to_contacted(
    api_client, booking, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, f"{URL}{booking.id}/cancel/", {"reason": "Kunden er syg"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert booking.activities.get(title="Booking aflyst").description == "Kunden er syg"
    booking.lead.refresh_from_db()
    assert booking.lead.status == Lead.Status.CONTACTED
    assert queued == [
        ("sync_calendar", {"booking_id": str(booking.id)}),
        ("notify_booking_change", {"booking_id": str(booking.id), "kind": "cancelled"}),
    ]
    # The slot is free again for another lead.
    other = lead_to_book()
    assert post(api_client, URL, {"lead": str(other.id), "start": TUESDAY_8}).status_code == 201


@pytest.mark.django_db
def test_cancelling_twice_is_a_400(api_client, booking, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(api_client, f"{URL}{booking.id}/cancel/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api_client, f"{URL}{booking.id}/cancel/")

    assert response.status_code == 400
    assert "afsluttet" in response.json()["status"][0]
    assert len(queued) == 2  # only the first cancel queued anything


@pytest.mark.django_db
def test_start_then_complete_with_the_actual_hours(api_client, booking):
    started = post(api_client, f"{URL}{booking.id}/start/")
    assert started.status_code == 200
    assert started.json()["status"] == "in_progress"
    assert post(api_client, f"{URL}{booking.id}/start/").status_code == 400  # not scheduled any more

    completed = post(api_client, f"{URL}{booking.id}/complete/", {"actual_hours": "4.25"})

    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "completed"
    assert completed.json()["actual_hours"] == "4.25"
    booking.refresh_from_db()
    assert booking.actual_hours == Decimal("4.25")
    assert booking.activities.filter(title="Opgaven er i gang").exists()
    assert booking.activities.get(title="Opgaven er udført").description == "4.25 arbejdstimer"
    booking.lead.refresh_from_db()
    # Completed, then invoiced: the invoice is made and issued in the same transaction (RENOS_ISSUE_INVOICES_AT_ONCE).
    assert booking.lead.status == Lead.Status.INVOICED
    assert booking.invoices.get().total_amount == Decimal("1483.25")  # 4.25 hours at 349.00


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"actual_hours": "0"}, {"actual_hours": "-2"}, {"actual_hours": "mange"}])
def test_completing_needs_hours_above_zero(api_client, booking, body):
    response = post(api_client, f"{URL}{booking.id}/complete/", body)

    assert response.status_code == 400
    assert "actual_hours" in response.json()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED


@pytest.mark.django_db
def test_a_cancelled_booking_cannot_be_completed(api_client, booking):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    response = post(api_client, f"{URL}{booking.id}/complete/", {"actual_hours": "3"})

    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["reschedule", "cancel", "start", "complete"])
def test_an_unknown_booking_is_a_404(api_client, action):
    response = post(api_client, f"{URL}{uuid.uuid4()}/{action}/", {"start": TUESDAY_8, "actual_hours": "3"})

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.django_db
def test_anonymous_callers_get_401_and_non_staff_403(anon_api_client, booking):
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    requests = [
        ("post", URL, {"lead": str(booking.lead_id), "start": TUESDAY_8}),
        *(("post", f"{URL}{booking.id}/{action}/", {}) for action in ("reschedule", "cancel", "start", "complete")),
        ("get", f"{URL}free-slots/?lead={booking.lead_id}", None),
    ]
    for method, url, body in requests:
        assert getattr(anon_api_client, method)(url, body, format="json").status_code == 401, url
        assert getattr(outsider, method)(url, body, format="json").status_code == 403, url
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED


@pytest.mark.django_db
def test_put_patch_and_delete_stay_refused(api_client, booking):
    assert api_client.put(f"{URL}{booking.id}/", {"notes": "x"}, format="json").status_code == 405
    assert api_client.patch(f"{URL}{booking.id}/", {"status": "cancelled"}, format="json").status_code == 405
    assert api_client.delete(f"{URL}{booking.id}/").status_code == 405
    booking.refresh_from_db()
    assert booking.status == Booking.Status.SCHEDULED


# --- free slots -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_free_slots_are_the_next_free_times_for_the_leads_job(api_client):
    BookingFactory(booking_date=utc(2026, 11, 24, 7, 0), duration_hours=Decimal("3.5"))  # Tuesday 08:00-11:30
    lead = lead_to_book()

    response = api_client.get(f"{URL}free-slots/", {"lead": str(lead.id), "count": 5})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lead"] == str(lead.id)
    assert body["duration_hours"] == "3.50"
    assert body["cleaners"] == 1
    assert len(body["slots"]) == 5
    # Tuesday morning is taken (with the hour's buffer), so the first free time is Tuesday 12:30.
    assert body["slots"][0] == {"start": "2026-11-24T12:30:00+01:00", "end": "2026-11-24T16:00:00+01:00"}
    starts = [datetime.fromisoformat(slot["start"]) for slot in body["slots"]]
    assert starts == sorted(starts)
    for slot in body["slots"]:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert (end - start).total_seconds() == 3.5 * 3600
        assert start.weekday() < 5 and time(8) <= start.time() and end.time() <= time(17)


@pytest.mark.django_db
def test_a_big_job_is_shared_by_two_cleaners(api_client):
    lead = LeadFactory(estimated_hours=Decimal("7"))

    body = api_client.get(f"{URL}free-slots/", {"lead": str(lead.id)}).json()

    assert body["cleaners"] == 2
    assert body["duration_hours"] == "3.50"
    assert len(body["slots"]) == 3  # the default count


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"count": 11}, "count"),
        ({"count": 0}, "count"),
        ({"lead": None}, "lead"),
        ({"lead": "00000000-0000-4000-8000-000000000000"}, "lead"),
    ],
)
def test_free_slots_refuse_a_bad_count_or_lead(api_client, params, field):
    lead = lead_to_book()
    query = {"lead": str(lead.id), **params}

    response = api_client.get(f"{URL}free-slots/", {key: value for key, value in query.items() if value is not None})

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_free_slots_for_a_lead_without_an_estimate_is_a_400(api_client):
    lead = LeadFactory(estimated_hours=None, estimated_price=None)

    response = api_client.get(f"{URL}free-slots/", {"lead": str(lead.id)})

    assert response.status_code == 400
    assert "omfang" in response.json()["non_field_errors"][0]


@pytest.mark.django_db
def test_free_slots_when_the_calendar_cannot_be_read_is_a_503(api_client, monkeypatch):
    def unreadable(**kwargs):
        raise CalendarError("Google Calendar answered 503", permanent=False)

    monkeypatch.setattr("bookings.api.free_slots", unreadable)
    lead = lead_to_book()

    response = api_client.get(f"{URL}free-slots/", {"lead": str(lead.id)})

    assert response.status_code == 503
    assert "Kalenderen kan ikke læses" in response.json()["detail"]


# --- the whole way, with the local calendar and SMS ------------------------------------------------------------


@pytest.mark.django_db
def test_book_move_and_cancel_reach_the_calendar_and_the_customer(
    api_client, celery_eager, django_capture_on_commit_callbacks, tmp_path
):
    lead = lead_to_book()

    with django_capture_on_commit_callbacks(execute=True):
        booking_id = post(api_client, URL, {"lead": str(lead.id), "start": TUESDAY_8}).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        post(api_client, f"{URL}{booking_id}/reschedule/", {"start": "2026-11-26T13:00:00+01:00"})
    with django_capture_on_commit_callbacks(execute=True):
        post(api_client, f"{URL}{booking_id}/cancel/", {"reason": "Kunden har aflyst"})

    event = event_id_for(booking_id)
    calendar = [line.split("\t")[1:4] for line in (tmp_path / "calendar.log").read_text().splitlines()]
    assert calendar == [
        ["put", event, "2026-11-24T07:00:00+00:00"],
        ["move", event, "2026-11-26T12:00:00+00:00"],
        ["delete", event],
    ]
    sms = (tmp_path / "sms.log").read_text()
    assert "Vi har booket" in sms
    assert "Vi har flyttet din aftale" in sms and "26. nov" in sms
    assert "er aflyst" in sms
    booking = Booking.objects.get(pk=booking_id)
    assert booking.status == Booking.Status.CANCELLED
    assert booking.calendar_synced_at is not None
    titles = set(booking.activities.values_list("title", flat=True))
    assert {"Kunden er informeret om den nye tid", "Kunden er informeret om aflysningen"} <= titles
    assert Activity.objects.filter(booking=booking, title="Bekræftelse sendt på SMS").exists()
