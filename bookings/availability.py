"""When a job can be done: free start times within working hours, around our bookings and the calendar's busy time.

Slots are computed in Europe/Copenhagen (a job starts at 08:00 local time in summer and in winter) and returned as
aware datetimes in UTC. A slot is free when the job, with the buffer on both sides, overlaps nothing busy: our own
non-cancelled bookings and, when configured, Google Calendar. If the calendar cannot be read, CalendarError goes to
the caller: we never offer a slot nobody checked.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking
from integrations.calendar import event_id_for, get_calendar
from renos.settings_bookings import parse_clock, parse_closed_days, parse_work_days

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
SLOT_STEP = timedelta(minutes=30)
NOON = time(12)
HALF_HOUR = timedelta(minutes=30)
# duration_hours has three digits before the point, so no booking lasts 1,000 hours: how far back a booking that
# still reaches into a window can have started.
_HOURS_FIELD = Booking._meta.get_field("duration_hours")
LONGEST_BOOKING = timedelta(hours=10 ** (_HOURS_FIELD.max_digits - _HOURS_FIELD.decimal_places))
_ONE_DAY = timedelta(days=1)
# When nothing is open at all (no work days configured), stop looking for the next working day after a year.
_DAYS_IN_A_YEAR = 366

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class WorkingHours:
    """When Rendetalje works: days, opening and closing (local time), the gap kept around jobs, how far ahead we
    book, and the notice a customer must give (in working days: 1 = the next working day at the earliest)."""

    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    start: time = time(8)
    end: time = time(17)
    buffer: timedelta = timedelta(minutes=60)
    horizon: timedelta = timedelta(days=14)
    min_notice_days: int = 1
    # (month, day) closed every year besides the public holidays: Grundlovsdag, juleaften, nytårsaften.
    closed_days: frozenset[tuple[int, int]] = frozenset({(6, 5), (12, 24), (12, 31)})

    @classmethod
    def from_settings(cls) -> WorkingHours:
        """From the RENOS_* settings (renos/settings_bookings.py); values given as strings are parsed too."""
        defaults = cls()
        days = _setting("RENOS_WORK_DAYS", defaults.days, parse_work_days)
        closed = _setting("RENOS_CLOSED_DAYS", defaults.closed_days, parse_closed_days)
        return cls(
            days=frozenset(days),
            start=_setting("RENOS_WORK_START", defaults.start, parse_clock),
            end=_setting("RENOS_WORK_END", defaults.end, parse_clock),
            buffer=timedelta(minutes=int(getattr(settings, "RENOS_BOOKING_BUFFER_MINUTES", 60))),
            horizon=timedelta(days=int(getattr(settings, "RENOS_BOOKING_HORIZON_DAYS", 14))),
            min_notice_days=int(getattr(settings, "RENOS_BOOKING_MIN_NOTICE_DAYS", 1)),
            closed_days=frozenset(tuple(day) for day in closed),
        )

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() in self.days
            and (day.month, day.day) not in self.closed_days
            and day not in public_holidays(day.year)
        )

    def earliest_day(self, now: datetime) -> date | None:
        """The first local date a job may be on: `min_notice_days` working days after today (0: today if open)."""
        day = now.astimezone(COPENHAGEN).date()
        if self.min_notice_days <= 0:
            return self._working_day_from(day)
        for _ in range(self.min_notice_days):
            found = self._working_day_from(day + _ONE_DAY)
            if found is None:
                return None
            day = found
        return day

    def fits(self, *, start: datetime, duration: timedelta) -> bool:
        """The job starts at or after opening and ends by closing (local wall-clock time) on a working day."""
        local = start.astimezone(COPENHAGEN)
        day = local.date()
        if not self.is_working_day(day):
            return False
        # Same tzinfo on both sides: Python compares wall-clock times, which is what opening hours are.
        opening = datetime.combine(day, self.start, tzinfo=COPENHAGEN)
        closing = datetime.combine(day, self.end, tzinfo=COPENHAGEN)
        return opening <= local and local + duration <= closing

    def _working_day_from(self, day: date) -> date | None:
        """`day` or the first working day after it; None when nothing is open for a year."""
        for offset in range(_DAYS_IN_A_YEAR):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        return None


@functools.cache
def public_holidays(year: int) -> frozenset[date]:
    """Danish public holidays of a year (Skærtorsdag, Langfredag, 2. påskedag, Kristi himmelfart, 2. pinsedag,
    jul, nytår ...), computed once per year."""
    return frozenset(holidays.Denmark(years=year))


def job_duration(*, work_hours: Decimal, cleaners: int) -> timedelta:
    """Time on site: the work shared by the cleaners, rounded up to the half hour (7 hours for two: 3.5 hours)."""
    if cleaners < 1:
        raise ValueError(f"A job needs at least one cleaner, not {cleaners}")
    if work_hours <= 0:
        raise ValueError(f"A job needs some work, not {work_hours} hours")
    half_hours = (Decimal(work_hours) * 2 / cleaners).to_integral_value(rounding=ROUND_CEILING)
    return HALF_HOUR * int(half_hours)


def find_slots(
    *,
    duration: timedelta,
    busy: Iterable[Interval],
    now: datetime,
    count: int = 3,
    hours: WorkingHours | None = None,
) -> list[datetime]:
    """Up to `count` free start times (UTC, sorted), spread over days and times of day. Pure: no database, no
    network. Candidates start every half hour from opening on the working days from the minimum notice to the
    horizon; the first free one is always offered."""
    _require_aware(now, "now")
    if duration <= timedelta(0):
        raise ValueError(f"A job must take some time, not {duration}")
    hours = hours or WorkingHours.from_settings()
    if count <= 0:
        return []
    free = list(_free_candidates(duration=duration, busy=BusyIndex(busy), now=now, hours=hours))
    return sorted(candidate.start for candidate in _spread(free, count))


def busy_from_bookings(*, start: datetime, end: datetime, exclude_booking: Booking | None = None) -> list[Interval]:
    """Our non-cancelled bookings that overlap [start, end), as (start, end) in UTC. One query."""
    rows = (
        Booking.objects.exclude(status=Booking.Status.CANCELLED)
        .filter(booking_date__lt=end, booking_date__gt=start - LONGEST_BOOKING)
        # Only a booking longer than a day can have started over a day before the window and still reach into it.
        .filter(Q(booking_date__gt=start - _ONE_DAY) | Q(duration_hours__gt=24))
    )
    if exclude_booking is not None:
        rows = rows.exclude(pk=exclude_booking.pk)
    busy = []
    for booking_start, hours in rows.values_list("booking_date", "duration_hours"):
        booking_end = booking_start + timedelta(hours=float(hours))
        if booking_end > start:
            busy.append((booking_start.astimezone(UTC), booking_end.astimezone(UTC)))
    return busy


def free_slots(
    *, duration: timedelta, count: int = 3, now: datetime | None = None, exclude_booking: Booking | None = None
) -> list[datetime]:
    """The next free slots for a job of `duration`, checked against our bookings and the calendar.

    Raises CalendarError when the calendar cannot be read: the lead then goes to manual follow-up."""
    now = now or timezone.now()
    hours = WorkingHours.from_settings()
    busy = _busy(start=now - hours.buffer, end=now + hours.horizon + hours.buffer, exclude_booking=exclude_booking)
    return find_slots(duration=duration, busy=busy, now=now, count=count, hours=hours)


def is_free(*, start: datetime, duration: timedelta, exclude_booking: Booking | None = None) -> bool:
    """Whether a job can still start at `start`: in the future, within working hours of a working day, and clear of
    our bookings and the calendar (with the buffer). For a reply to an offer or a booking made by staff, so neither
    the minimum notice nor the horizon applies, nor the half-hour grid. Raises CalendarError like free_slots.

    A check, not a lock: the caller holds the lock that stops two bookings taking the same time."""
    _require_aware(start, "start")
    if duration <= timedelta(0):
        raise ValueError(f"A job must take some time, not {duration}")
    hours = WorkingHours.from_settings()
    if start <= timezone.now() or not hours.fits(start=start, duration=duration):
        return False
    window_start, window_end = start - hours.buffer, start + duration + hours.buffer
    busy = _busy(start=window_start, end=window_end, exclude_booking=exclude_booking)
    return not BusyIndex(busy).overlaps(window_start, window_end)


class BusyIndex:
    """Busy intervals sorted once, with the latest end so far, so "does [start, end) overlap any?" is one bisect."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        ordered = sorted((_as_utc(start, "busy start"), _as_utc(end, "busy end")) for start, end in intervals)
        self._starts = [start for start, _ in ordered]
        self._latest_ends = list(accumulate((end for _, end in ordered), max))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # Every interval starting before `end` is in the prefix; one of them overlaps iff the latest end is after start.
        before = bisect_left(self._starts, end)
        return before > 0 and self._latest_ends[before - 1] > start


@dataclass(frozen=True, order=True)
class _Candidate:
    start: datetime
    day: date
    morning: bool


def _free_candidates(
    *, duration: timedelta, busy: BusyIndex, now: datetime, hours: WorkingHours
) -> Iterator[_Candidate]:
    """Free start times in order: every half hour from opening while the job ends by closing."""
    day = hours.earliest_day(now)
    horizon_end = now + hours.horizon
    if day is None:
        return
    last_day = horizon_end.astimezone(COPENHAGEN).date()
    while day <= last_day:
        if hours.is_working_day(day):
            closing = datetime.combine(day, hours.end, tzinfo=COPENHAGEN)
            wall = _first_on_grid(datetime.combine(day, hours.start, tzinfo=COPENHAGEN))
            # Wall-clock arithmetic (same tzinfo): 08:00 is 08:00 on the day the clocks change too.
            while wall + duration <= closing:
                start = wall.astimezone(UTC)
                end = start + duration
                if start > now and end <= horizon_end and not busy.overlaps(start - hours.buffer, end + hours.buffer):
                    yield _Candidate(start=start, day=day, morning=wall.time() < NOON)
                wall += SLOT_STEP
        day += _ONE_DAY


def _spread(free: list[_Candidate], count: int) -> list[_Candidate]:
    """The first free slot, then each next one as different from those chosen as the free slots allow."""
    chosen: list[_Candidate] = []
    while len(chosen) < count:
        pick = _next_pick(free, chosen)
        if pick is None:
            break
        chosen.append(pick)
    return chosen


def _next_pick(free: list[_Candidate], chosen: list[_Candidate]) -> _Candidate | None:
    """The earliest free slot on a new day in the part of the day (morning, afternoon) offered least so far; failing
    that, on a new day; then in that part of the day; then the earliest left."""
    days = {candidate.day for candidate in chosen}
    mornings = sum(candidate.morning for candidate in chosen)
    afternoons = len(chosen) - mornings
    parts = {True, False} if mornings == afternoons else {mornings < afternoons}

    def rank(candidate: _Candidate) -> tuple[bool, bool, datetime]:
        return candidate.day in days, candidate.morning not in parts, candidate.start

    taken = {candidate.start for candidate in chosen}
    return min((candidate for candidate in free if candidate.start not in taken), key=rank, default=None)


def _busy(*, start: datetime, end: datetime, exclude_booking: Booking | None) -> list[Interval]:
    """Our bookings and the calendar's busy time over [start, end); CalendarError propagates."""
    busy = busy_from_bookings(start=start, end=end, exclude_booking=exclude_booking)
    calendar = get_calendar()
    if exclude_booking is None:
        busy += calendar.busy(start=start, end=end)
    else:
        # The booking being moved is in the calendar too: its own event must not block its new time.
        event_id = exclude_booking.google_calendar_event_id or event_id_for(exclude_booking.pk)
        busy += calendar.busy(start=start, end=end, exclude_event_id=event_id)
    return busy


def _first_on_grid(opening: datetime) -> datetime:
    """Opening time, moved forward to the next full or half hour."""
    minutes = opening.hour * 60 + opening.minute
    if opening.second or opening.microsecond:
        minutes += 1
    step = int(SLOT_STEP.total_seconds() // 60)
    grid = -(-minutes // step) * step
    return opening.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(minutes=grid)


def _setting(name: str, default: Any, parse: Callable[[str], Any]) -> Any:
    value = getattr(settings, name, default)
    return parse(value) if isinstance(value, str) else value


def _require_aware(value: datetime, name: str) -> None:
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be an aware datetime, not {value!r}")


def _as_utc(value: datetime, name: str) -> datetime:
    _require_aware(value, name)
    return value.astimezone(UTC)
