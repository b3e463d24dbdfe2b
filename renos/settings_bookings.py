"""Settings of booking: working hours, slot finding and the calendar. Read from the environment, called once from
renos.settings; the values are parsed here so a typo in the environment stops the start, not the first SMS.

Without GOOGLE_CALENDAR_ID (or without Google credentials) our own bookings are the calendar; CALENDAR_BACKEND
still chooses explicitly.
"""

from __future__ import annotations

from datetime import date, time

import environ
from django.core.exceptions import ImproperlyConfigured


def booking_settings(env: environ.Env) -> dict[str, object]:
    opening = parse_clock(_value(env, "RENOS_WORK_START", "08:00"))
    closing = parse_clock(_value(env, "RENOS_WORK_END", "17:00"))
    if closing <= opening:
        raise ImproperlyConfigured(f"RENOS_WORK_END ({closing:%H:%M}) must be after RENOS_WORK_START ({opening:%H:%M})")
    return {
        # Weekdays we work (0 = Monday ... 6 = Sunday).
        "RENOS_WORK_DAYS": parse_work_days(_value(env, "RENOS_WORK_DAYS", "0,1,2,3,4")),
        # Opening time (local, Europe/Copenhagen): the earliest start of a job.
        "RENOS_WORK_START": opening,
        # Closing time (local): every job must be finished by then.
        "RENOS_WORK_END": closing,
        # Minutes kept free before and after every job (travel, overrun).
        "RENOS_BOOKING_BUFFER_MINUTES": _number(env, "RENOS_BOOKING_BUFFER_MINUTES", 60),
        # How far ahead slots are offered, in days from now; a job must end within it.
        "RENOS_BOOKING_HORIZON_DAYS": _number(env, "RENOS_BOOKING_HORIZON_DAYS", 14),
        # Working days of notice: 1 = the earliest offer is on the next working day after today.
        "RENOS_BOOKING_MIN_NOTICE_DAYS": _number(env, "RENOS_BOOKING_MIN_NOTICE_DAYS", 1),
        # Days closed every year besides the Danish public holidays, MM-DD ("none": no others); by default Grundlovsdag,
        # juleaften and nytårsaften, which the `holidays` package does not count as public holidays.
        "RENOS_CLOSED_DAYS": parse_closed_days(_value(env, "RENOS_CLOSED_DAYS", "06-05,12-24,12-31")),
        # How long an SMS offer of slots stays open for a reply, in hours.
        "RENOS_OFFER_VALID_HOURS": _number(env, "RENOS_OFFER_VALID_HOURS", 48),
        # The Google Calendar to read busy time from and put jobs in; empty: our own bookings are the calendar.
        "GOOGLE_CALENDAR_ID": _value(env, "GOOGLE_CALENDAR_ID", ""),
        # Dotted path of the calendar class; empty: Google when GOOGLE_CALENDAR_ID and credentials are set, else local.
        "CALENDAR_BACKEND": _value(env, "CALENDAR_BACKEND", ""),
    }


def _value(env: environ.Env, name: str, default: str) -> str:
    """The variable, or the default when it is unset or empty (an empty line in .env means "the default")."""
    return env.str(name, default="").strip() or default


def _number(env: environ.Env, name: str, default: int) -> int:
    value = _value(env, name, str(default))
    try:
        number = int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc
    if number < 0:
        raise ImproperlyConfigured(f"{name} cannot be negative ({number})")
    return number


def parse_work_days(value: str) -> tuple[int, ...]:
    """ "0,1,2,3,4" -> (0, 1, 2, 3, 4)."""
    try:
        days = tuple(sorted({int(part) for part in value.split(",") if part.strip()}))
    except ValueError as exc:
        raise ImproperlyConfigured(f"RENOS_WORK_DAYS must be weekday numbers like 0,1,2,3,4, not {value!r}") from exc
    if not days or any(day not in range(7) for day in days):
        raise ImproperlyConfigured(f"RENOS_WORK_DAYS must be weekday numbers 0 (Monday) to 6, not {value!r}")
    return days


def parse_clock(value: str) -> time:
    """ "08:00" -> time(8, 0)."""
    try:
        hour, minute = value.strip().split(":")
        return time(int(hour), int(minute))
    except ValueError as exc:
        raise ImproperlyConfigured(f"A working-hours time must look like 08:00, not {value!r}") from exc


def parse_closed_days(value: str) -> tuple[tuple[int, int], ...]:
    """ "12-24,12-31" -> ((12, 24), (12, 31)): month and day. "none": no days besides the public holidays."""
    if value.strip().lower() == "none":
        return ()
    days = []
    for part in value.split(","):
        if not part.strip():
            continue
        try:
            month, day = (int(number) for number in part.strip().split("-"))
            date(2024, month, day)  # the day exists (in a leap year, so 02-29 is allowed)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"RENOS_CLOSED_DAYS must be MM-DD dates like 12-24,12-31, not {value!r}"
            ) from exc
        days.append((month, day))
    return tuple(sorted(set(days)))
