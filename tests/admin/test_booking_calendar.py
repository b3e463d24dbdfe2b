"""The booking calendar in the admin: the coming two weeks as a week grid, in Copenhagen time.

Time is frozen on Wednesday 25 March 2026, 10:00 UTC. The clocks go forward on Sunday 29 March (CET +01:00 becomes
CEST +02:00), inside the two weeks shown: a job at 08:00 local time is 07:00 UTC before and 06:00 UTC after.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking
from tests.admin.helpers import admin_url, messages_of
from tests.factories import BookingFactory, LeadFactory, service

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 25, 10, 0, tzinfo=UTC)  # Wednesday


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def calendar_url() -> str:
    return admin_url(Booking, "calendar")


def cells(response) -> dict[str, list[Booking]]:
    """The bookings shown per day, by ISO date, for every day cell of the grid."""
    return {
        cell.day.isoformat(): [entry.booking for entry in cell.entries]
        for week in response.context["weeks"]
        for cell in week.days
    }


def times(response) -> dict[str, list[str]]:
    """The time ranges shown per day that has bookings."""
    return {
        cell.day.isoformat(): [entry.times for entry in cell.entries]
        for week in response.context["weeks"]
        for cell in week.days
        if cell.entries
    }


def test_the_booking_list_links_to_the_calendar(admin_client_logged_in, calendar_url):
    response = admin_client_logged_in.get(admin_url(Booking, "changelist"))

    assert f'href="{calendar_url}"' in response.text
    assert ">Calendar<" in response.text


def test_jobs_at_eight_show_at_eight_on_both_sides_of_the_clock_change(admin_client_logged_in, calendar_url):
    before = BookingFactory(booking_date=utc(2026, 3, 26, 7, 0), duration_hours=Decimal("3.5"))  # Thu 08:00 CET
    after = BookingFactory(booking_date=utc(2026, 3, 30, 6, 0), duration_hours=Decimal("2"))  # Mon 08:00 CEST
    late = BookingFactory(booking_date=utc(2026, 4, 7, 12, 30), duration_hours=Decimal("3"))  # Tue 14:30 CEST

    response = admin_client_logged_in.get(calendar_url)

    assert response.status_code == 200
    assert times(response) == {
        "2026-03-26": ["08:00–11:30"],
        "2026-03-30": ["08:00–10:00"],
        "2026-04-07": ["14:30–17:30"],
    }
    shown = cells(response)
    assert shown["2026-03-26"] == [before] and shown["2026-03-30"] == [after] and shown["2026-04-07"] == [late]
    assert "08:00–11:30" in response.text and "08:00–10:00" in response.text


def test_the_grid_is_the_coming_fourteen_days_in_weeks_of_monday_to_friday(admin_client_logged_in, calendar_url):
    BookingFactory(booking_date=utc(2026, 3, 24, 8, 0))  # yesterday
    BookingFactory(booking_date=utc(2026, 4, 8, 8, 0))  # the fifteenth day

    response = admin_client_logged_in.get(calendar_url)

    weeks = response.context["weeks"]
    assert [week.number for week in weeks] == [13, 14, 15]
    assert [str(name) for name in response.context["weekdays"]] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
    ]
    in_period = [cell.day.isoformat() for week in weeks for cell in week.days if cell.in_period]
    assert in_period[0] == "2026-03-25" and in_period[-1] == "2026-04-07"
    assert not any(cells(response).values())  # neither yesterday's nor the fifteenth day's booking
    today = [cell for week in weeks for cell in week.days if cell.is_today]
    assert [cell.day.isoformat() for cell in today] == ["2026-03-25"]
    # Langfredag (3 April) and 2. påskedag (6 April) are public holidays: shown as closed.
    closed = [cell.day.isoformat() for week in weeks for cell in week.days if not cell.is_working_day]
    assert closed == ["2026-04-02", "2026-04-03", "2026-04-06"]


def test_a_saturday_column_appears_only_when_a_saturday_has_a_booking(admin_client_logged_in, calendar_url):
    saturday = BookingFactory(booking_date=utc(2026, 3, 28, 9, 0))

    response = admin_client_logged_in.get(calendar_url)

    assert [str(name) for name in response.context["weekdays"]][-1] == "Saturday"
    assert "Sunday" not in [str(name) for name in response.context["weekdays"]]
    assert cells(response)["2026-03-28"] == [saturday]


def test_cancelled_bookings_are_left_out(admin_client_logged_in, calendar_url):
    BookingFactory(customer_name="Aflyst Kunde", booking_date=utc(2026, 3, 26, 7, 0), status=Booking.Status.CANCELLED)
    kept = BookingFactory(customer_name="Aktiv Kunde", booking_date=utc(2026, 3, 26, 11, 0))

    response = admin_client_logged_in.get(calendar_url)

    assert cells(response)["2026-03-26"] == [kept]
    assert "Aktiv Kunde" in response.text
    assert "Aflyst Kunde" not in response.text


def test_a_booking_shows_customer_service_address_and_status_and_links_to_its_page(
    admin_client_logged_in, calendar_url
):
    lead = LeadFactory(customer_name="Bodil Krog", address="Strandvejen 7", city="Aarhus C")
    booking = BookingFactory(
        lead=lead,
        booking_date=utc(2026, 3, 27, 8, 0),
        service_type=service("flytte"),
        status=Booking.Status.IN_PROGRESS,
    )

    response = admin_client_logged_in.get(calendar_url)

    assert f'href="{admin_url(booking, "change", booking.pk)}"' in response.text
    assert "Bodil Krog" in response.text
    assert service("flytte").name in response.text
    assert "Strandvejen 7, Aarhus C" in response.text
    assert "status-in_progress" in response.text
    assert "09:00–12:30" in response.text


def test_start_moves_the_window_by_week(admin_client_logged_in, calendar_url):
    later = BookingFactory(booking_date=utc(2026, 4, 9, 7, 0))  # Thursday in two weeks, 09:00 CEST

    this_fortnight = admin_client_logged_in.get(calendar_url)
    next_week = admin_client_logged_in.get(calendar_url, {"start": "2026-04-01"})

    assert later not in [booking for shown in cells(this_fortnight).values() for booking in shown]
    assert cells(next_week)["2026-04-09"] == [later]
    assert this_fortnight.context["next_url"] == f"{calendar_url}?start=2026-04-01"
    assert this_fortnight.context["previous_url"] == f"{calendar_url}?start=2026-03-18"


@pytest.mark.parametrize("start", ["næste uge", "2026-02-30", "0001-01-01", "9999-12-31"])
def test_a_start_that_is_not_a_usable_date_shows_from_today_with_a_warning(admin_client_logged_in, calendar_url, start):
    response = admin_client_logged_in.get(calendar_url, {"start": start})

    assert response.status_code == 200
    assert response.context["weeks"][0].days[2].is_today
    assert messages_of(response) == [("warning", f"{start} is not a date (YYYY-MM-DD); showing from today.")]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_calendar_costs_the_same_queries_for_few_or_many_bookings(admin_client_logged_in, calendar_url):
    for day in (26, 27):
        BookingFactory(booking_date=utc(2026, 3, day, 8, 0))
    _queries(admin_client_logged_in, calendar_url)  # warm the per-process caches
    few = _queries(admin_client_logged_in, calendar_url)

    for day in (26, 27, 30, 31):
        for hour in (7, 9, 11, 13, 15):
            BookingFactory(booking_date=utc(2026, 3, day, hour, 0), service_type=service("flytte"))
    many = _queries(admin_client_logged_in, calendar_url)

    assert many <= few, f"{many} queries for 22 bookings, {few} for 2"
