"""The calendar page: the coming two weeks' bookings as a week grid."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext

from bookings.availability import COPENHAGEN, WorkingHours
from bookings.models import Booking

CALENDAR_DAYS = 14
CALENDAR_YEARS = (2000, 2999)
WORK_WEEK = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class CalendarEntry:
    booking: Booking
    times: str  # "08:00–11:30", Copenhagen time
    url: str


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_period: bool
    is_today: bool
    is_working_day: bool
    entries: list[CalendarEntry]


@dataclass(frozen=True)
class CalendarWeek:
    number: int
    days: list[CalendarDay]


def calendar_start(value: str) -> date:
    """`?start=` as a date; ValueError for anything else, and for a year no booking is in (the weeks around year 1
    or 9999 cannot even be computed)."""
    day = date.fromisoformat(value)
    if not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
        raise ValueError(f"{day} is outside the calendar")
    return day


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=COPENHAGEN)


def calendar_weeks(*, first: date, days: int, today: date) -> tuple[list[int], list[CalendarWeek]]:
    """The bookings of `days` days from `first` (cancelled ones left out) as week rows of Monday to Friday, plus
    Saturday and Sunday when one of them has a booking. One query however many bookings there are."""
    last = first + timedelta(days=days - 1)
    bookings = (
        Booking.objects.exclude(status=Booking.Status.CANCELLED)
        .filter(booking_date__gte=local_midnight(first), booking_date__lt=local_midnight(last + timedelta(days=1)))
        .select_related("service_type")
        .order_by("booking_date", "id")
    )
    by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
    for booking in bookings:
        start, end = booking.booking_date.astimezone(COPENHAGEN), booking.ends_at.astimezone(COPENHAGEN)
        url = reverse("admin:bookings_booking_change", args=[booking.pk])
        by_day[start.date()].append(CalendarEntry(booking=booking, times=f"{start:%H:%M}–{end:%H:%M}", url=url))
    weekend = sorted({day.weekday() for day in by_day} - set(WORK_WEEK))
    weekdays = [*WORK_WEEK, *weekend]
    hours = WorkingHours.from_settings()
    weeks = []
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        week = [monday + timedelta(days=weekday) for weekday in weekdays]
        cells = [
            CalendarDay(
                day=day,
                in_period=first <= day <= last,
                is_today=day == today,
                is_working_day=hours.is_working_day(day),
                entries=by_day.get(day, []),
            )
            for day in week
        ]
        weeks.append(CalendarWeek(number=monday.isocalendar().week, days=cells))
        monday += timedelta(days=7)
    return weekdays, weeks


class CalendarView:
    """The calendar page; mixed into BookingAdmin, which provides the permissions, message_user and `_render`."""

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        """The coming two weeks' bookings as a week grid; `?start=YYYY-MM-DD` moves it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate(timezone=COPENHAGEN)
        first = today
        if request.GET.get("start"):
            try:
                first = calendar_start(request.GET["start"])
            except ValueError:
                message = gettext("%(value)s is not a date (YYYY-MM-DD); showing from today.")
                self.message_user(request, message % {"value": request.GET["start"]}, messages.WARNING)
        weekdays, weeks = calendar_weeks(first=first, days=CALENDAR_DAYS, today=today)
        last = first + timedelta(days=CALENDAR_DAYS - 1)
        url = reverse("admin:bookings_booking_calendar")
        context = {
            "title": gettext("Calendar"),
            "period": f"{date_format(first, 'j M Y')} – {date_format(last, 'j M Y')}",
            "weekdays": [WEEKDAYS[weekday] for weekday in weekdays],
            "weeks": weeks,
            "previous_url": f"{url}?{urlencode({'start': (first - timedelta(days=7)).isoformat()})}",
            "next_url": f"{url}?{urlencode({'start': (first + timedelta(days=7)).isoformat()})}",
            "today_url": url,
            "statuses": [status for status in Booking.Status if status != Booking.Status.CANCELLED],
        }
        return self._render(request, "admin/bookings/calendar.html", context)
