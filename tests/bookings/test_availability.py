"""Slot finding: working hours, the buffer, Danish holidays, summer time, spreading, and busy time from our bookings
and from Google Calendar (faked at its HTTP edge)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import groupby
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.availability import (
    WorkingHours,
    busy_from_bookings,
    find_slots,
    free_slots,
    is_free,
    job_duration,
    public_holidays,
)
from bookings.models import Booking
from integrations.calendar import CalendarError, GoogleCalendar, event_id_for
from tests.factories import BookingFactory
from tests.integrations import gmail_error as google_error
from tests.integrations import gmail_http as google_http
from tests.integrations import gmail_ok as google_ok
from tests.integrations import request_json, request_path_and_query

CPH = ZoneInfo("Europe/Copenhagen")
HOURS = WorkingHours()  # the defaults: Monday-Friday 08:00-17:00, 60 minutes buffer, 14 days, the next working day
CALENDAR_ID = "kalender@rendetalje.dk"
MONDAY = datetime(2026, 9, 7, 10, 0, tzinfo=CPH)  # an ordinary week: no holidays, no change of the clocks


def at(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    """A local (Copenhagen) time."""
    return datetime(year, month, day, hour, minute, tzinfo=CPH)


def shown(slots: list[datetime]) -> list[str]:
    """Slots as the customer reads them: local weekday, date and time."""
    return [f"{slot.astimezone(CPH):%a %d.%m %H:%M}" for slot in slots]


def every_free(*, duration: timedelta, now: datetime, busy=(), hours: WorkingHours = HOURS) -> list[datetime]:
    return find_slots(duration=duration, busy=busy, now=now, count=10_000, hours=hours)


def by_day(slots: list[datetime]) -> dict[str, list[str]]:
    local = [slot.astimezone(CPH) for slot in slots]
    return {day: [f"{s:%H:%M}" for s in group] for day, group in groupby(local, key=lambda s: f"{s:%a %d.%m}")}


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


# --- working hours and notice ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        at(2026, 9, 11, 15, 0),  # Friday afternoon
        at(2026, 9, 11, 7, 0),  # Friday before opening: not the same day either
        at(2026, 9, 12, 10, 0),  # Saturday
        at(2026, 9, 13, 23, 30),  # Sunday night
    ],
)
def test_a_request_late_in_the_week_is_offered_monday_at_the_earliest(now):
    slots = find_slots(duration=hours(3), busy=[], now=now, hours=HOURS)

    assert shown(slots) == ["Mon 14.09 08:00", "Tue 15.09 12:00", "Wed 16.09 08:00"]
    assert all(slot.tzinfo is UTC for slot in slots)


def test_a_monday_request_is_offered_tuesday_at_the_earliest_and_never_today():
    slots = find_slots(duration=hours(1), busy=[], now=at(2026, 9, 7, 0, 5), hours=HOURS)

    assert shown(slots)[0] == "Tue 08.09 08:00"


def test_slots_start_on_the_full_or_half_hour_and_a_job_ends_by_closing():
    days = by_day(every_free(duration=hours(4), now=MONDAY))

    assert list(days) == [
        "Tue 08.09", "Wed 09.09", "Thu 10.09", "Fri 11.09",
        "Mon 14.09", "Tue 15.09", "Wed 16.09", "Thu 17.09", "Fri 18.09",
    ]  # fmt: skip
    expected = ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00"]
    assert all(times == expected for times in days.values())  # a 4-hour job never starts after 13:00


def test_a_job_of_a_whole_day_starts_at_opening_only():
    days = by_day(every_free(duration=hours(9), now=MONDAY))

    assert set(map(tuple, days.values())) == {("08:00",)}
    assert every_free(duration=hours(9.5), now=MONDAY) == []


def test_an_opening_time_between_half_hours_starts_at_the_next_half_hour():
    late_opening = WorkingHours(start=time(8, 15))

    days = by_day(every_free(duration=hours(1), now=MONDAY, hours=late_opening))

    assert days["Tue 08.09"][:2] == ["08:30", "09:00"]


def test_other_working_days_from_settings(settings):
    settings.RENOS_WORK_DAYS = "1,2,3,4,5"  # Tuesday to Saturday, as a string from the environment
    settings.RENOS_WORK_START = time(9, 0)
    settings.RENOS_WORK_END = "15:00"
    settings.RENOS_BOOKING_BUFFER_MINUTES = 30
    settings.RENOS_BOOKING_HORIZON_DAYS = 7
    settings.RENOS_BOOKING_MIN_NOTICE_DAYS = 2
    settings.RENOS_CLOSED_DAYS = "none"

    configured = WorkingHours.from_settings()
    days = by_day(every_free(duration=hours(2), now=at(2026, 9, 11, 10), hours=configured))  # a Friday

    assert configured.buffer == timedelta(minutes=30)
    # Two working days of notice: Saturday, then Tuesday is the earliest; a week ahead ends Friday at 10:00.
    assert list(days) == ["Tue 15.09", "Wed 16.09", "Thu 17.09"]
    assert days["Tue 15.09"][0] == "09:00"
    assert days["Tue 15.09"][-1] == "13:00"


# --- the buffer --------------------------------------------------------------------------------------------------


BOOKED_TUESDAY = [(at(2026, 9, 8, 10, 0), at(2026, 9, 8, 12, 0))]


def test_the_buffer_keeps_an_hour_free_before_and_after_a_booking():
    one_hour = by_day(every_free(duration=hours(1), now=MONDAY, busy=BOOKED_TUESDAY))["Tue 08.09"]
    two_hours = by_day(every_free(duration=hours(2), now=MONDAY, busy=BOOKED_TUESDAY))["Tue 08.09"]

    # Before: a 1-hour job at 08:00 ends at 09:00, an hour before the booking; 08:30 would end too close.
    # After: the booking ends at 12:00, so the next job starts at 13:00 at the earliest.
    assert one_hour == ["08:00", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00"]
    # A 2-hour job cannot finish by 09:00 after an 08:00 start, so nothing fits before the booking.
    assert two_hours == ["13:00", "13:30", "14:00", "14:30", "15:00"]


def test_without_a_buffer_jobs_may_touch_a_booking():
    no_buffer = WorkingHours(buffer=timedelta(0))

    two_hours = by_day(every_free(duration=hours(2), now=MONDAY, busy=BOOKED_TUESDAY, hours=no_buffer))["Tue 08.09"]

    assert two_hours[:3] == ["08:00", "12:00", "12:30"]


def test_a_long_busy_period_is_not_hidden_by_shorter_ones_that_start_later():
    busy = [
        (at(2026, 9, 9, 12), at(2026, 9, 9, 13)),
        (at(2026, 9, 8, 6), at(2026, 9, 9, 20)),  # Tuesday morning until Wednesday evening
        (at(2026, 9, 8, 9), at(2026, 9, 8, 10)),
    ]

    days = by_day(every_free(duration=hours(1), now=MONDAY, busy=busy))

    assert "Tue 08.09" not in days
    assert "Wed 09.09" not in days
    assert days["Thu 10.09"][0] == "08:00"


# --- holidays ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first"),
    [
        # Skærtorsdag 25.03, langfredag 26.03, 2. påskedag 29.03.2027.
        (at(2027, 3, 24, 10), "Tue 30.03 08:00"),
        # Juleaften 24.12 (closed by our setting), juledag 25.12.
        (at(2026, 12, 23, 10), "Mon 28.12 08:00"),
        # Grundlovsdag, Friday 05.06.2026 (closed by our setting).
        (at(2026, 6, 4, 10), "Mon 08.06 08:00"),
        # Kristi himmelfartsdag, Thursday 14.05.2026.
        (at(2026, 5, 13, 10), "Fri 15.05 08:00"),
    ],
)
def test_no_slots_on_holidays(now, first):
    assert shown(find_slots(duration=hours(3), busy=[], now=now, hours=HOURS))[0] == first


def test_easter_2027_has_no_slots_from_skaertorsdag_to_2_paaskedag():
    days = by_day(every_free(duration=hours(3), now=at(2027, 3, 22, 10)))

    assert list(days)[:3] == ["Tue 23.03", "Wed 24.03", "Tue 30.03"]


def test_christmas_and_new_year_have_no_slots():
    days = by_day(every_free(duration=hours(3), now=at(2026, 12, 22, 10)))

    # 24., 25. and 31. December and 1. January are closed; the horizon ends Tuesday 5 January at 10:00.
    assert list(days) == ["Wed 23.12", "Mon 28.12", "Tue 29.12", "Wed 30.12", "Mon 04.01"]


def test_juleaften_nytaarsaften_and_grundlovsdag_are_closed_by_our_setting_not_by_law():
    for day in (date(2026, 12, 24), date(2026, 12, 31), date(2026, 6, 5)):
        assert day not in public_holidays(day.year)
        assert not HOURS.is_working_day(day)
        assert WorkingHours(closed_days=frozenset()).is_working_day(day)
    assert date(2026, 12, 25) in public_holidays(2026)
    assert date(2027, 3, 29) in public_holidays(2027)


# --- summer time -------------------------------------------------------------------------------------------------


def test_slots_are_in_local_time_across_the_change_to_summer_time():
    # The clocks go forward on Sunday 29 March 2026.
    slots = every_free(duration=hours(3), now=at(2026, 3, 25, 12))
    days = by_day(slots)

    assert list(days)[:4] == ["Thu 26.03", "Fri 27.03", "Mon 30.03", "Tue 31.03"]
    assert all(times[0] == "08:00" and times[-1] == "14:00" for times in list(days.values())[:4])
    firsts = {f"{s.astimezone(CPH):%d.%m}": s for s in slots if s.astimezone(CPH).time() == time(8)}
    assert firsts["27.03"] == datetime(2026, 3, 27, 7, 0, tzinfo=UTC)  # CET, UTC+1
    assert firsts["30.03"] == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)  # CEST, UTC+2


def test_slots_are_in_local_time_across_the_change_to_winter_time():
    # The clocks go back on Sunday 25 October 2026.
    slots = every_free(duration=hours(3), now=at(2026, 10, 21, 12))
    days = by_day(slots)

    assert list(days)[:4] == ["Thu 22.10", "Fri 23.10", "Mon 26.10", "Tue 27.10"]
    assert all(times[0] == "08:00" and times[-1] == "14:00" for times in list(days.values())[:4])
    firsts = {f"{s.astimezone(CPH):%d.%m}": s for s in slots if s.astimezone(CPH).time() == time(8)}
    assert firsts["23.10"] == datetime(2026, 10, 23, 6, 0, tzinfo=UTC)
    assert firsts["26.10"] == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


def test_a_friday_request_before_the_clocks_change_gets_monday_0800_summer_time():
    slots = find_slots(duration=hours(3), busy=[], now=at(2026, 3, 27, 14), hours=HOURS)

    assert slots[0] == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert shown(slots)[0] == "Mon 30.03 08:00"


def test_busy_time_in_utc_blocks_the_right_local_hours_after_the_change():
    busy = [(datetime(2026, 3, 30, 6, 0, tzinfo=UTC), datetime(2026, 3, 30, 8, 0, tzinfo=UTC))]  # 08-10 local

    monday = by_day(every_free(duration=hours(1), now=at(2026, 3, 27, 14), busy=busy))["Mon 30.03"]

    assert monday[0] == "11:00"


# --- spreading, horizon, nothing free ----------------------------------------------------------------------------


def test_three_offers_on_three_days_mixing_mornings_and_afternoons():
    slots = find_slots(duration=hours(3), busy=[], now=MONDAY, hours=HOURS)

    assert shown(slots) == ["Tue 08.09 08:00", "Wed 09.09 12:00", "Thu 10.09 08:00"]


def test_when_the_first_free_time_is_an_afternoon_the_next_is_a_morning():
    busy = [(at(2026, 9, 8, 7), at(2026, 9, 8, 11))]

    slots = find_slots(duration=hours(1), busy=busy, now=MONDAY, hours=HOURS)

    assert shown(slots) == ["Tue 08.09 12:00", "Wed 09.09 08:00", "Thu 10.09 08:00"]


def test_a_job_too_long_for_an_afternoon_start_is_offered_on_three_mornings():
    slots = find_slots(duration=hours(8.5), busy=[], now=MONDAY, hours=HOURS)

    assert shown(slots) == ["Tue 08.09 08:00", "Wed 09.09 08:00", "Thu 10.09 08:00"]


def test_with_one_free_day_all_three_offers_are_that_day_morning_and_afternoon():
    busy = [(at(2026, 9, 9, 0), at(2026, 10, 1, 0))]

    slots = find_slots(duration=hours(1), busy=busy, now=MONDAY, hours=HOURS)

    assert shown(slots) == ["Tue 08.09 08:00", "Tue 08.09 08:30", "Tue 08.09 12:00"]


def test_no_slot_beyond_the_horizon():
    assert shown(every_free(duration=hours(1), now=MONDAY))[-1] == "Mon 21.09 09:00"  # ends as 14 days are up
    assert shown(every_free(duration=hours(1), now=MONDAY, hours=WorkingHours(horizon=timedelta(days=3))))[-1] == (
        "Thu 10.09 09:00"
    )


def test_fewer_offers_when_fewer_slots_are_free_and_none_when_none_are():
    almost_full = [(MONDAY, at(2026, 9, 8, 7)), (at(2026, 9, 8, 10, 30), MONDAY + timedelta(days=30))]

    assert shown(find_slots(duration=hours(1), busy=almost_full, now=MONDAY, hours=HOURS)) == [
        "Tue 08.09 08:00",
        "Tue 08.09 08:30",
    ]
    assert find_slots(duration=hours(1), busy=[(MONDAY, MONDAY + timedelta(days=30))], now=MONDAY, hours=HOURS) == []


def test_times_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        find_slots(duration=hours(1), busy=[], now=datetime(2026, 9, 7, 10, 0), hours=HOURS)  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        find_slots(duration=hours(1), busy=[(datetime(2026, 9, 8, 8), MONDAY)], now=MONDAY, hours=HOURS)  # noqa: DTZ001


# --- time on site ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("work_hours", "cleaners", "on_site"),
    [("3", 1, 3), ("3.5", 1, 3.5), ("4.2", 1, 4.5), ("7", 2, 3.5), ("5", 2, 2.5), ("9", 2, 4.5), ("6.2", 2, 3.5)],
)
def test_time_on_site_is_the_work_shared_by_the_cleaners_rounded_up_to_the_half_hour(work_hours, cleaners, on_site):
    assert job_duration(work_hours=Decimal(work_hours), cleaners=cleaners) == hours(on_site)


def test_time_on_site_needs_a_cleaner_and_some_work():
    with pytest.raises(ValueError):
        job_duration(work_hours=Decimal("3"), cleaners=0)
    with pytest.raises(ValueError):
        job_duration(work_hours=Decimal("0"), cleaners=1)


# --- with the database and the calendar --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def default_booking_settings(settings, tmp_path):
    settings.RENOS_WORK_DAYS = (0, 1, 2, 3, 4)
    settings.RENOS_WORK_START = time(8)
    settings.RENOS_WORK_END = time(17)
    settings.RENOS_BOOKING_BUFFER_MINUTES = 60
    settings.RENOS_BOOKING_HORIZON_DAYS = 14
    settings.RENOS_BOOKING_MIN_NOTICE_DAYS = 1
    settings.RENOS_CLOSED_DAYS = ((6, 5), (12, 24), (12, 31))
    settings.CALENDAR_BACKEND = "integrations.calendar.LocalCalendar"
    settings.VAR_DIR = tmp_path


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY, tick=False):
        yield MONDAY


@pytest.fixture
def google_calendar(settings, monkeypatch):
    """Use the real Google adapter on a faked HTTP edge: call with the answers Google gives, get the fake back."""

    def use(*answers):
        http = google_http(*answers)
        settings.CALENDAR_BACKEND = "integrations.calendar.GoogleCalendar"
        monkeypatch.setattr(
            GoogleCalendar, "from_settings", classmethod(lambda cls: cls(calendar_id=CALENDAR_ID, http=http))
        )
        return http

    return use


def freebusy(*busy: tuple[datetime, datetime]):
    periods = [{"start": start.isoformat(), "end": end.isoformat()} for start, end in busy]
    return google_ok({"kind": "calendar#freeBusy", "calendars": {CALENDAR_ID: {"busy": periods}}})


def booking(start: datetime, duration: str = "3", **fields) -> Booking:
    return BookingFactory(booking_date=start, duration_hours=Decimal(duration), **fields)


@pytest.mark.django_db
def test_busy_from_bookings_is_our_non_cancelled_bookings_in_the_window(django_assert_num_queries):
    window_start, window_end = at(2026, 9, 8, 0), at(2026, 9, 10, 0)
    booking(at(2026, 9, 8, 8), "3")
    booking(at(2026, 9, 7, 20), "6")  # started before the window, ends inside it
    booking(at(2026, 9, 1, 8), "200")  # a long one from last week, still running
    booking(at(2026, 9, 9, 8), "2", status=Booking.Status.CANCELLED)
    booking(at(2026, 9, 7, 8), "3")  # over before the window
    booking(at(2026, 9, 10, 8), "3")  # after it
    moved = booking(at(2026, 9, 9, 13), "2")

    with django_assert_num_queries(1):
        busy = busy_from_bookings(start=window_start, end=window_end, exclude_booking=moved)

    assert sorted(busy) == [
        (at(2026, 9, 1, 8), at(2026, 9, 9, 16)),
        (at(2026, 9, 7, 20), at(2026, 9, 8, 2)),
        (at(2026, 9, 8, 8), at(2026, 9, 8, 11)),
    ]
    assert all(start.tzinfo is UTC for start, _ in busy)


@pytest.mark.django_db
def test_free_slots_go_around_our_bookings(frozen):
    booking(at(2026, 9, 8, 8), "3")  # Tuesday 08-11
    booking(at(2026, 9, 9, 8), "8", status=Booking.Status.CANCELLED)

    assert shown(free_slots(duration=hours(3))) == ["Tue 08.09 12:00", "Wed 09.09 08:00", "Thu 10.09 08:00"]


@pytest.mark.django_db
def test_free_slots_for_moving_a_booking_do_not_count_the_booking_itself(frozen):
    tuesday = booking(at(2026, 9, 8, 8), "3")

    assert shown(free_slots(duration=hours(3), exclude_booking=tuesday))[0] == "Tue 08.09 08:00"


@pytest.mark.django_db
def test_free_slots_go_around_busy_time_in_google_calendar(frozen, google_calendar):
    http = google_calendar(freebusy((at(2026, 9, 8, 8), at(2026, 9, 8, 17))))  # all Tuesday
    booking(at(2026, 9, 9, 8), "3")  # and ours on Wednesday 08-11

    slots = free_slots(duration=hours(3))

    assert shown(slots) == ["Wed 09.09 12:00", "Thu 10.09 08:00", "Fri 11.09 08:00"]
    assert request_path_and_query(http, 0)[0] == "/calendar/v3/freeBusy"
    assert request_json(http, 0) == {
        "timeMin": "2026-09-07T07:00:00Z",  # now (08:00 UTC) less the buffer
        "timeMax": "2026-09-21T09:00:00Z",  # the horizon and the buffer
        "timeZone": "Europe/Copenhagen",
        "items": [{"id": CALENDAR_ID}],
    }


@pytest.mark.django_db
def test_when_google_calendar_fails_no_slot_is_offered(frozen, google_calendar):
    google_calendar(google_error(500, "backendError", "Backend Error"))

    with pytest.raises(CalendarError) as raised:
        free_slots(duration=hours(3))

    assert raised.value.permanent is False


@pytest.mark.django_db
def test_a_calendar_google_may_not_read_is_a_permanent_error(frozen, google_calendar):
    google_calendar(
        google_ok({"calendars": {CALENDAR_ID: {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}}})
    )

    with pytest.raises(CalendarError) as raised:
        free_slots(duration=hours(3))

    assert raised.value.permanent is True


# --- is_free -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "duration", "free"),
    [
        (at(2026, 9, 8, 13, 0), 2, True),  # an hour after Tuesday's booking
        (at(2026, 9, 8, 12, 30), 1, False),  # within the buffer after it
        (at(2026, 9, 8, 8, 0), 1, True),  # ends an hour before it
        (at(2026, 9, 8, 8, 30), 1, False),  # within the buffer before it
        (at(2026, 9, 9, 8, 15), 1, True),  # staff may book between half hours
        (at(2026, 9, 7, 14, 0), 2, True),  # later today: notice is for offers, not for staff
        (at(2026, 9, 7, 9, 0), 1, False),  # in the past
        (at(2026, 9, 12, 10, 0), 1, False),  # Saturday
        (at(2026, 9, 9, 7, 30), 1, False),  # before opening
        (at(2026, 9, 9, 14, 0), 4, False),  # ends after closing
        (at(2026, 9, 9, 13, 0), 4, True),  # ends at closing
        (at(2026, 12, 24, 10, 0), 2, False),  # juleaften
        (at(2027, 3, 25, 10, 0), 2, False),  # skærtorsdag
        (at(2026, 10, 5, 8, 0), 3, True),  # beyond the horizon of offers
    ],
)
def test_is_free(frozen, start, duration, free):
    booking(at(2026, 9, 8, 10), "2")  # Tuesday 10-12

    assert is_free(start=start, duration=hours(duration)) is free


@pytest.mark.django_db
def test_is_free_for_moving_a_booking_half_an_hour_ignores_the_booking_itself(frozen):
    tuesday = booking(at(2026, 9, 8, 10), "2")

    assert is_free(start=at(2026, 9, 8, 10, 30), duration=hours(2)) is False
    assert is_free(start=at(2026, 9, 8, 10, 30), duration=hours(2), exclude_booking=tuesday) is True


@pytest.mark.django_db
def test_is_free_asks_google_calendar_about_the_job_and_its_buffer(frozen, google_calendar):
    http = google_calendar(freebusy((at(2026, 9, 8, 15, 30), at(2026, 9, 8, 16, 0))))

    assert is_free(start=at(2026, 9, 8, 12), duration=hours(3)) is False  # ends 15:00, the buffer reaches 16:00
    assert request_json(http, 0)["timeMin"] == "2026-09-08T09:00:00Z"
    assert request_json(http, 0)["timeMax"] == "2026-09-08T14:00:00Z"


@pytest.mark.django_db
def test_is_free_for_moving_a_booking_leaves_its_own_google_event_out(frozen, google_calendar):
    tuesday = booking(at(2026, 9, 8, 10), "2")
    own_event = {
        "id": event_id_for(tuesday.pk),
        "start": {"dateTime": at(2026, 9, 8, 10).isoformat()},
        "end": {"dateTime": at(2026, 9, 8, 12).isoformat()},
    }
    http = google_calendar(google_ok({"items": [own_event]}), google_ok({"items": [own_event]}))

    assert is_free(start=at(2026, 9, 8, 11), duration=hours(2), exclude_booking=tuesday) is True
    assert unquote(request_path_and_query(http, 0)[0]) == f"/calendar/v3/calendars/{CALENDAR_ID}/events"
    # Another booking at that time is blocked by the same event.
    other = booking(at(2026, 9, 21, 8), "1")
    assert is_free(start=at(2026, 9, 8, 11), duration=hours(2), exclude_booking=other) is False


@pytest.mark.django_db
def test_is_free_does_not_swallow_a_calendar_error(frozen, google_calendar):
    google_calendar(google_error(503, "backendError"))

    with pytest.raises(CalendarError):
        is_free(start=at(2026, 9, 8, 13), duration=hours(2))


def test_is_free_needs_no_calendar_for_a_time_outside_working_hours(frozen, google_calendar):
    http = google_calendar()

    assert is_free(start=at(2026, 9, 12, 10), duration=hours(1)) is False
    assert http.request_sequence == []
