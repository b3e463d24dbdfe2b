"""The days, weeks and months the dashboard counts in, as Europe/Copenhagen sees them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from django.utils import timezone


def local_zone() -> tzinfo:
    """The project's time zone (Europe/Copenhagen), whatever time zone is active for the request."""
    return timezone.get_default_timezone()


def local_today() -> date:
    return timezone.localdate(timezone=local_zone())


def local_midnight(day: date) -> datetime:
    """The first moment of `day` in Copenhagen, as an aware datetime (23 or 25 hours from the next one at DST)."""
    return datetime.combine(day, time.min, tzinfo=local_zone())


def local_date(value: date | datetime) -> date:
    """The Copenhagen day of a moment, or the day itself."""
    if isinstance(value, datetime):
        return timezone.localtime(value, local_zone()).date()
    return value


def week_starts(today: date, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks, oldest first, ending with this week's."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months, oldest first, ending with this month's."""
    firsts = [today.replace(day=1)]
    while len(firsts) < months:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    return firsts


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
