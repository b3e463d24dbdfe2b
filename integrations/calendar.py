"""The calendar jobs go into: Google Calendar (freebusy and events), or our own bookings (a local log of events).

Both adapters have the same methods. `busy()` is what slot finding must avoid besides our own bookings; an event's
id is chosen by us from the booking, so a retry after a timeout finds the event it made instead of making a second.

Failures raise `CalendarError` with a `permanent` flag: network errors, timeouts, 429, 5xx and rate-limit 403s are
transient; bad requests, a calendar we may not read and revoked access are permanent. A caller that cannot read
the calendar offers nothing rather than a slot nobody checked.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import google.auth.exceptions
import httplib2
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from integrations.google_auth import (
    GoogleConfigError,
    authorized_http,
    google_configured,
    google_credentials,
    is_transient_auth_error,
)

logger = logging.getLogger(__name__)

# Freebusy, and inserting/updating/deleting events in a calendar shared with us.
CALENDAR_SCOPES = ["https://www.googleapis.com/auth/calendar"]
CALENDAR_TIME_ZONE = "Europe/Copenhagen"
GOOGLE_CALENDAR = "integrations.calendar.GoogleCalendar"
LOCAL_CALENDAR = "integrations.calendar.LocalCalendar"

_COPENHAGEN = ZoneInfo(CALENDAR_TIME_ZONE)
# Google's rule for client-chosen event ids: base32hex characters, 5 to 1024 of them.
_EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
# 403s that mean "slow down", not "you may not".
_RATE_LIMIT_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "concurrentLimitExceeded"}
)
# Calendar-level errors in a freebusy answer that a later try may not see.
_TRANSIENT_FREEBUSY_REASONS = frozenset({"internalError", "backendError"})


class CalendarError(Exception):
    """Reading or writing the calendar failed; `permanent` says whether a retry can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class CalendarEvent:
    """One job in the calendar. The caller writes the (Danish) text; the adapter sends it as it is."""

    event_id: str
    summary: str
    description: str
    location: str
    start: datetime
    end: datetime


def event_id_for(booking_id: uuid.UUID | str) -> str:
    """The calendar event id of a booking: fixed, so every retry addresses the same event. "renos" and the 32 hex
    digits of the UUID are all base32hex characters, as Google requires of ids chosen by the client."""
    return f"renos{uuid.UUID(str(booking_id)).hex}"


def get_calendar() -> GoogleCalendar | LocalCalendar:
    """The calendar chosen by settings.CALENDAR_BACKEND (a dotted path, like EMAIL_BACKEND). Unset: Google when
    GOOGLE_CALENDAR_ID and Google credentials are set, else our own bookings."""
    path = getattr(settings, "CALENDAR_BACKEND", "") or _default_backend()
    try:
        backend = import_string(path)
    except ImportError as exc:
        raise CalendarError(f"CALENDAR_BACKEND {path!r} cannot be imported: {exc}", permanent=True) from exc
    return backend.from_settings()


def _default_backend() -> str:
    if not getattr(settings, "GOOGLE_CALENDAR_ID", ""):
        return LOCAL_CALENDAR
    try:
        configured = google_configured()
    except GoogleConfigError as exc:
        raise CalendarError(str(exc), permanent=True) from exc
    if not configured:
        # A calendar that is meant to be read but cannot be is an error: a slot never checked is never offered.
        raise CalendarError(
            "GOOGLE_CALENDAR_ID is set but no Google credentials are: the calendar cannot be read", permanent=True
        )
    return GOOGLE_CALENDAR


class GoogleCalendar:
    """One Google Calendar: busy time from freebusy, jobs as events with ids we choose. No attendees are added,
    so Google never emails the customer."""

    def __init__(self, *, calendar_id: str, http: Any = None, timeout: float | None = None) -> None:
        """`http` is a ready transport (tests pass an HttpMockSequence); without it credentials come from settings."""
        self.calendar_id = calendar_id
        try:
            if http is None:
                credentials = google_credentials(CALENDAR_SCOPES)
                http = authorized_http(credentials, timeout=timeout or settings.GOOGLE_HTTP_TIMEOUT)
        except GoogleConfigError as exc:
            raise CalendarError(str(exc), permanent=True) from exc
        # The bundled discovery document: building makes no request.
        self._service = build("calendar", "v3", http=http, cache_discovery=False, static_discovery=True)

    @classmethod
    def from_settings(cls) -> GoogleCalendar:
        return cls(
            calendar_id=getattr(settings, "GOOGLE_CALENDAR_ID", "") or "primary",
            timeout=settings.GOOGLE_HTTP_TIMEOUT,
        )

    def busy(
        self, *, start: datetime, end: datetime, exclude_event_id: str | None = None
    ) -> list[tuple[datetime, datetime]]:
        """Busy periods overlapping [start, end), in UTC. `exclude_event_id` leaves one event out (the booking being
        moved must not block its own new time): freebusy cannot, so then the events themselves are read."""
        if exclude_event_id:
            return self._busy_from_events(start=start, end=end, exclude_event_id=exclude_event_id)
        body = {
            "timeMin": _rfc3339(start),
            "timeMax": _rfc3339(end),
            "timeZone": CALENDAR_TIME_ZONE,
            "items": [{"id": self.calendar_id}],
        }
        response = self._call(self._service.freebusy().query(body=body), "reading busy time")
        calendar = (response.get("calendars") or {}).get(self.calendar_id)
        if calendar is None:
            raise CalendarError(f"Google freebusy did not answer for calendar {self.calendar_id!r}", permanent=False)
        errors = calendar.get("errors") or []
        if errors:
            reasons = {str(item.get("reason", "")) for item in errors}
            raise CalendarError(
                f"Google cannot read the busy time of calendar {self.calendar_id!r}: {', '.join(sorted(reasons))}",
                permanent=not reasons <= _TRANSIENT_FREEBUSY_REASONS,
            )
        return [(_parse_time(period["start"]), _parse_time(period["end"])) for period in calendar.get("busy", [])]

    def put_event(self, event: CalendarEvent) -> str:
        """Create the event. A 409 means the id exists, so an earlier try got through (or the event was deleted):
        update it to this body instead, so there is one event and it says what we sent."""
        request = self._events.insert(calendarId=self.calendar_id, body=_event_body(event))
        if self._call(request, "creating an event", tolerate=frozenset({409})) is None:
            self._update(event)
        return event.event_id

    def move_event(self, event: CalendarEvent) -> str:
        """Update the event to the new time and text; an event that is not there (404) is created."""
        if self._update(event, tolerate=frozenset({404})) is None:
            return self.put_event(event)
        return event.event_id

    def delete_event(self, event_id: str) -> None:
        """Delete the event; one already gone (404, 410) is what we wanted."""
        request = self._events.delete(calendarId=self.calendar_id, eventId=event_id)
        self._call(request, "deleting an event", tolerate=frozenset({404, 410}))

    @property
    def _events(self) -> Any:
        return self._service.events()

    def _update(self, event: CalendarEvent, *, tolerate: frozenset[int] = frozenset()) -> Any:
        request = self._events.update(calendarId=self.calendar_id, eventId=event.event_id, body=_event_body(event))
        return self._call(request, "updating an event", tolerate=tolerate)

    def _busy_from_events(
        self, *, start: datetime, end: datetime, exclude_event_id: str
    ) -> list[tuple[datetime, datetime]]:
        """What freebusy counts, read from the events: not cancelled, not marked free, not declined by us."""
        busy = []
        page_token = None
        while True:
            request = self._events.list(
                calendarId=self.calendar_id,
                timeMin=_rfc3339(start),
                timeMax=_rfc3339(end),
                timeZone=CALENDAR_TIME_ZONE,
                singleEvents=True,
                maxResults=2500,
                pageToken=page_token,
            )
            response = self._call(request, "reading events")
            for item in response.get("items", []):
                if item.get("id") != exclude_event_id and _blocks_time(item):
                    busy.append((_event_time(item["start"]), _event_time(item["end"])))
            page_token = response.get("nextPageToken")
            if not page_token:
                return busy

    def _call(self, request: Any, what: str, *, tolerate: frozenset[int] = frozenset()) -> Any:
        return execute(request, what=what, tolerate=tolerate)


def execute(request: Any, *, what: str, tolerate: frozenset[int] = frozenset()) -> Any:
    """Run one Calendar request. A status in `tolerate` returns None instead of raising.

    No retries here: the Celery task that called us retries transient errors with backoff."""
    try:
        return request.execute(num_retries=0)
    except HttpError as exc:
        if exc.status_code in tolerate:
            return None
        raise CalendarError(
            f"Google Calendar {what} failed: HTTP {exc.status_code} {exc.reason}", permanent=not _is_transient(exc)
        ) from exc
    except google.auth.exceptions.GoogleAuthError as exc:
        raise CalendarError(
            f"Google Calendar {what}: Google sign-in failed: {exc}", permanent=not is_transient_auth_error(exc)
        ) from exc
    except (OSError, httplib2.HttpLib2Error) as exc:
        # TimeoutError, ConnectionError, DNS and TLS failures are all OSError; httplib2 adds its own.
        raise CalendarError(f"Google Calendar {what} failed on the network: {exc!r}", permanent=False) from exc


class LocalCalendar:
    """Our bookings in the database are the calendar: nothing else is busy, and events are lines in a log."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def from_settings(cls) -> LocalCalendar:
        return cls(Path(settings.VAR_DIR) / "calendar.log")

    def busy(
        self, *, start: datetime, end: datetime, exclude_event_id: str | None = None
    ) -> list[tuple[datetime, datetime]]:
        """Nothing: slot finding adds our own bookings itself."""
        return []

    def put_event(self, event: CalendarEvent) -> str:
        self._log("put", event.event_id, event.start, event.end, event.summary)
        return event.event_id

    def move_event(self, event: CalendarEvent) -> str:
        self._log("move", event.event_id, event.start, event.end, event.summary)
        return event.event_id

    def delete_event(self, event_id: str) -> None:
        self._log("delete", event_id)

    def _log(self, action: str, event_id: str, *details: object) -> None:
        fields = [timezone.now().isoformat(), action, event_id]
        fields += [
            value.astimezone(UTC).isoformat() if isinstance(value, datetime) else str(value) for value in details
        ]
        line = "\t".join(field.replace("\t", " ").replace("\n", " ") for field in fields)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as log:
                log.write(line + "\n")
        except OSError as exc:
            raise CalendarError(
                f"Cannot write the calendar log {self.path}: {exc}", permanent=isinstance(exc, PermissionError)
            ) from exc


def is_valid_event_id(event_id: str) -> bool:
    return bool(_EVENT_ID.fullmatch(event_id))


def _event_body(event: CalendarEvent) -> dict[str, Any]:
    if not is_valid_event_id(event.event_id):
        raise CalendarError(f"Not a valid Google Calendar event id: {event.event_id!r}", permanent=True)
    return {
        "id": event.event_id,
        "summary": event.summary,
        "description": event.description,
        "location": event.location,
        "start": {"dateTime": _local_rfc3339(event.start), "timeZone": CALENDAR_TIME_ZONE},
        "end": {"dateTime": _local_rfc3339(event.end), "timeZone": CALENDAR_TIME_ZONE},
        # An update after a 409 may meet an event deleted earlier (ids are never reused): this brings it back.
        "status": "confirmed",
    }


def _blocks_time(item: dict[str, Any]) -> bool:
    if item.get("status") == "cancelled" or item.get("transparency") == "transparent":
        return False
    declined = any(a.get("self") and a.get("responseStatus") == "declined" for a in item.get("attendees", []))
    return not declined and "start" in item and "end" in item


def _event_time(value: dict[str, str]) -> datetime:
    """An event's start or end: a dateTime, or the date of an all-day event (midnight in Copenhagen)."""
    if "dateTime" in value:
        return _parse_time(value["dateTime"])
    day = datetime.fromisoformat(value["date"]).date()
    return datetime(day.year, day.month, day.day, tzinfo=_COPENHAGEN).astimezone(UTC)


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CalendarError(f"Google Calendar sent an unreadable time: {value!r}", permanent=False) from exc
    if parsed.tzinfo is None:
        raise CalendarError(f"Google Calendar sent a time without an offset: {value!r}", permanent=False)
    return parsed.astimezone(UTC)


def _rfc3339(value: datetime) -> str:
    if timezone.is_naive(value):
        raise ValueError(f"An aware datetime is needed, not {value!r}")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _local_rfc3339(value: datetime) -> str:
    if timezone.is_naive(value):
        raise ValueError(f"An aware datetime is needed, not {value!r}")
    return value.astimezone(_COPENHAGEN).isoformat()


def _is_transient(exc: HttpError) -> bool:
    status = exc.status_code
    if status in (408, 429) or status >= 500:
        return True
    return status == 403 and bool(_error_reasons(exc) & _RATE_LIMIT_REASONS)


def _error_reasons(exc: HttpError) -> set[str]:
    try:
        errors = json.loads(exc.content.decode("utf-8"))["error"].get("errors", [])
        return {str(item.get("reason", "")) for item in errors if isinstance(item, dict)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return set()
