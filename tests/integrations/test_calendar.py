"""The Google Calendar adapter against a faked Calendar API (HttpMockSequence, and a small fake calendar for retries),
the local adapter, and how settings choose between them."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import httplib2
import pytest

from integrations.calendar import (
    CalendarError,
    CalendarEvent,
    GoogleCalendar,
    LocalCalendar,
    event_id_for,
    get_calendar,
)
from tests.integrations import gmail_error as google_error
from tests.integrations import gmail_http as google_http
from tests.integrations import gmail_ok as google_ok
from tests.integrations import request_json, request_path_and_query

CPH = ZoneInfo("Europe/Copenhagen")
CALENDAR_ID = "rendetalje.dk_kalender@group.calendar.google.com"
EVENTS_PATH = f"/calendar/v3/calendars/{CALENDAR_ID}/events"
BOOKING_ID = uuid.UUID("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b")
EVENT_ID = "renos6f1c2a9e3b4d4e5f8a7b9c0d1e2f3a4b"

EVENT = CalendarEvent(
    event_id=EVENT_ID,
    summary="Fast rengøring - Mette Jørgensen",
    description="Adresse: Søvej 12, 8240 Risskov\nTelefon: +45 26 00 00 01\nTimer: 3,5\nPris: 1.221,50 kr.",
    location="Søvej 12, 8240 Risskov",
    start=datetime(2026, 3, 30, 6, 0, tzinfo=UTC),  # 08:00 in Copenhagen, the first Monday of summer time
    end=datetime(2026, 3, 30, 9, 30, tzinfo=UTC),
)
EXPECTED_BODY = {
    "id": EVENT_ID,
    "summary": "Fast rengøring - Mette Jørgensen",
    "description": "Adresse: Søvej 12, 8240 Risskov\nTelefon: +45 26 00 00 01\nTimer: 3,5\nPris: 1.221,50 kr.",
    "location": "Søvej 12, 8240 Risskov",
    "start": {"dateTime": "2026-03-30T08:00:00+02:00", "timeZone": "Europe/Copenhagen"},
    "end": {"dateTime": "2026-03-30T11:30:00+02:00", "timeZone": "Europe/Copenhagen"},
    "status": "confirmed",
}


def event_answer(body: dict = EXPECTED_BODY) -> tuple[dict[str, str], str]:
    return google_ok({"kind": "calendar#event", "etag": '"1"', "htmlLink": "https://calendar.google.com/x", **body})


def calendar(http) -> GoogleCalendar:
    return GoogleCalendar(calendar_id=CALENDAR_ID, http=http)


def path(http, index: int) -> str:
    return unquote(request_path_and_query(http, index)[0])


def method(http, index: int) -> str:
    return http.request_sequence[index][1]


# --- event ids ---------------------------------------------------------------------------------------------------


def test_the_event_id_is_fixed_per_booking_and_valid_for_google():
    assert event_id_for(BOOKING_ID) == EVENT_ID
    assert event_id_for(str(BOOKING_ID)) == EVENT_ID
    assert event_id_for(uuid.uuid4()) != EVENT_ID
    # Google: base32hex characters (a-v, 0-9), 5 to 1024 of them.
    assert re.fullmatch(r"[a-v0-9]{5,1024}", event_id_for(uuid.uuid4()))


def test_an_event_id_google_would_refuse_is_a_permanent_error_before_any_request():
    http = google_http()

    with pytest.raises(CalendarError) as raised:
        calendar(http).put_event(CalendarEvent(**{**EVENT.__dict__, "event_id": "booking-42"}))

    assert raised.value.permanent is True
    assert http.request_sequence == []


# --- creating, moving, deleting events ---------------------------------------------------------------------------


def test_put_event_inserts_the_event_with_our_id_in_copenhagen_time_and_without_attendees():
    http = google_http(event_answer())

    event_id = calendar(http).put_event(EVENT)

    assert event_id == EVENT_ID
    assert (method(http, 0), path(http, 0)) == ("POST", EVENTS_PATH)
    body = request_json(http, 0)
    assert body == EXPECTED_BODY
    assert "attendees" not in body  # Google never emails the customer an invitation
    assert "sendUpdates" not in request_path_and_query(http, 0)[1]


def test_put_event_after_a_lost_answer_updates_the_existing_event_instead_of_making_a_second():
    http = google_http(google_error(409, "duplicate", "The requested identifier already exists."), event_answer())

    event_id = calendar(http).put_event(EVENT)

    assert event_id == EVENT_ID
    assert len(http.request_sequence) == 2
    assert (method(http, 1), path(http, 1)) == ("PUT", f"{EVENTS_PATH}/{EVENT_ID}")
    assert request_json(http, 1) == EXPECTED_BODY


class FakeGoogleCalendar:
    """A calendar that keeps events by id like Google does (409 for an id it has), and can lose one answer: the
    event is stored, but the caller's socket times out before it hears so."""

    def __init__(self) -> None:
        self.events: dict[str, dict] = {}
        self.lose_next_answer = False
        self.requests: list[tuple[str, str]] = []

    def request(self, uri, method="GET", body=None, headers=None, redirections=1, connection_type=None):
        path = unquote(uri.split("?")[0])
        self.requests.append((method, path))
        data = json.loads(body) if body else {}
        if method == "POST" and path.endswith("/events"):
            if data["id"] in self.events:
                return self._answer(409, {"error": {"code": 409, "errors": [{"reason": "duplicate"}]}})
            self.events[data["id"]] = data
        elif method == "PUT":
            event_id = path.rsplit("/", 1)[1]
            if event_id not in self.events:
                return self._answer(404, {"error": {"code": 404, "errors": [{"reason": "notFound"}]}})
            self.events[event_id] = data
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise TimeoutError("timed out")
        return self._answer(200, data)

    @staticmethod
    def _answer(status: int, body: dict):
        return httplib2.Response({"status": str(status), "content-type": "application/json"}), json.dumps(body).encode()


def test_an_event_is_created_once_across_a_timeout_and_the_retry():
    google = FakeGoogleCalendar()
    google.lose_next_answer = True

    with pytest.raises(CalendarError) as first_try:
        calendar(google).put_event(EVENT)
    assert first_try.value.permanent is False  # the task retries
    event_id = calendar(google).put_event(EVENT)

    assert event_id == EVENT_ID
    assert list(google.events) == [EVENT_ID]
    assert google.events[EVENT_ID] == EXPECTED_BODY
    assert [m for m, _ in google.requests] == ["POST", "POST", "PUT"]


def test_move_event_updates_the_event_to_the_new_time():
    http = google_http(event_answer())
    moved = CalendarEvent(
        **{
            **EVENT.__dict__,
            "start": datetime(2026, 3, 31, 10, 0, tzinfo=UTC),
            "end": datetime(2026, 3, 31, 13, 30, tzinfo=UTC),
        }
    )

    assert calendar(http).move_event(moved) == EVENT_ID

    assert (method(http, 0), path(http, 0)) == ("PUT", f"{EVENTS_PATH}/{EVENT_ID}")
    body = request_json(http, 0)
    assert body["start"] == {"dateTime": "2026-03-31T12:00:00+02:00", "timeZone": "Europe/Copenhagen"}
    assert body["end"] == {"dateTime": "2026-03-31T15:30:00+02:00", "timeZone": "Europe/Copenhagen"}


def test_moving_an_event_that_is_not_in_the_calendar_creates_it():
    http = google_http(google_error(404, "notFound", "Not Found"), event_answer())

    assert calendar(http).move_event(EVENT) == EVENT_ID

    assert [method(http, 0), method(http, 1)] == ["PUT", "POST"]
    assert request_json(http, 1) == EXPECTED_BODY


def test_delete_event_deletes_it():
    http = google_http(({"status": "204"}, ""))

    calendar(http).delete_event(EVENT_ID)

    assert (method(http, 0), path(http, 0)) == ("DELETE", f"{EVENTS_PATH}/{EVENT_ID}")


@pytest.mark.parametrize(("status", "reason"), [(404, "notFound"), (410, "deleted")])
def test_deleting_an_event_that_is_already_gone_is_success(status, reason):
    http = google_http(google_error(status, reason))

    calendar(http).delete_event(EVENT_ID)

    assert len(http.request_sequence) == 1


# --- busy time ---------------------------------------------------------------------------------------------------


def freebusy_answer(busy: list[tuple[str, str]], *, calendar_id: str = CALENDAR_ID, errors: list | None = None):
    entry: dict = {"busy": [{"start": start, "end": end} for start, end in busy]}
    if errors is not None:
        entry = {"errors": errors, "busy": []}
    return google_ok(
        {
            "kind": "calendar#freeBusy",
            "timeMin": "2026-03-27T13:00:00.000Z",
            "timeMax": "2026-04-10T14:00:00.000Z",
            "calendars": {calendar_id: entry},
        }
    )


def test_busy_asks_freebusy_for_the_window_and_returns_utc_periods():
    http = google_http(
        freebusy_answer(
            [
                ("2026-03-30T10:00:00+02:00", "2026-03-30T12:00:00+02:00"),
                ("2026-03-31T07:00:00Z", "2026-03-31T08:00:00Z"),
            ]
        )
    )
    start = datetime(2026, 3, 27, 14, 0, tzinfo=CPH)

    busy = calendar(http).busy(start=start, end=datetime(2026, 4, 10, 16, 0, tzinfo=CPH))

    assert busy == [
        (datetime(2026, 3, 30, 8, 0, tzinfo=UTC), datetime(2026, 3, 30, 10, 0, tzinfo=UTC)),
        (datetime(2026, 3, 31, 7, 0, tzinfo=UTC), datetime(2026, 3, 31, 8, 0, tzinfo=UTC)),
    ]
    assert all(period_start.tzinfo is UTC for period_start, _ in busy)
    assert (method(http, 0), path(http, 0)) == ("POST", "/calendar/v3/freeBusy")
    assert request_json(http, 0) == {
        "timeMin": "2026-03-27T13:00:00Z",
        "timeMax": "2026-04-10T14:00:00Z",
        "timeZone": "Europe/Copenhagen",
        "items": [{"id": CALENDAR_ID}],
    }


@pytest.mark.parametrize(
    ("reason", "permanent"), [("notFound", True), ("internalError", False), ("backendError", False)]
)
def test_a_calendar_freebusy_cannot_read_is_an_error_not_an_empty_calendar(reason, permanent):
    http = google_http(freebusy_answer([], errors=[{"domain": "global", "reason": reason}]))

    with pytest.raises(CalendarError) as raised:
        calendar(http).busy(start=EVENT.start, end=EVENT.end)

    assert raised.value.permanent is permanent
    assert reason in str(raised.value)


def test_a_freebusy_answer_without_our_calendar_is_an_error():
    http = google_http(freebusy_answer([], calendar_id="someone.else@example.com"))

    with pytest.raises(CalendarError):
        calendar(http).busy(start=EVENT.start, end=EVENT.end)


def test_busy_leaving_out_one_event_reads_the_events_and_skips_what_does_not_block_time():
    http = google_http(
        google_ok(
            {
                "items": [
                    {
                        "id": EVENT_ID,
                        "start": {"dateTime": "2026-03-30T08:00:00+02:00"},
                        "end": {"dateTime": "2026-03-30T11:30:00+02:00"},
                    },
                    {
                        "id": "tandlaege",
                        "start": {"dateTime": "2026-03-30T14:00:00+02:00"},
                        "end": {"dateTime": "2026-03-30T15:00:00+02:00"},
                    },
                    {
                        "id": "ledig",
                        "transparency": "transparent",
                        "start": {"dateTime": "2026-03-30T09:00:00+02:00"},
                        "end": {"dateTime": "2026-03-30T10:00:00+02:00"},
                    },
                    {
                        "id": "afmeldt",
                        "attendees": [{"email": "info@rendetalje.dk", "self": True, "responseStatus": "declined"}],
                        "start": {"dateTime": "2026-03-30T12:00:00+02:00"},
                        "end": {"dateTime": "2026-03-30T13:00:00+02:00"},
                    },
                ],
                "nextPageToken": "side-2",
            }
        ),
        google_ok({"items": [{"id": "ferie", "start": {"date": "2026-03-31"}, "end": {"date": "2026-04-01"}}]}),
    )

    busy = calendar(http).busy(
        start=datetime(2026, 3, 30, 0, 0, tzinfo=CPH),
        end=datetime(2026, 4, 1, 0, 0, tzinfo=CPH),
        exclude_event_id=EVENT_ID,
    )

    assert busy == [
        (datetime(2026, 3, 30, 12, 0, tzinfo=UTC), datetime(2026, 3, 30, 13, 0, tzinfo=UTC)),
        (datetime(2026, 3, 30, 22, 0, tzinfo=UTC), datetime(2026, 3, 31, 22, 0, tzinfo=UTC)),  # the all-day event
    ]
    assert (method(http, 0), path(http, 0)) == ("GET", EVENTS_PATH)
    query = request_path_and_query(http, 0)[1]
    assert query["singleEvents"] == ["true"]
    assert query["timeMin"] == ["2026-03-29T22:00:00Z"]
    assert request_path_and_query(http, 1)[1]["pageToken"] == ["side-2"]


# --- errors ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "permanent"),
    [
        (500, "backendError", False),
        (503, "backendError", False),
        (429, "rateLimitExceeded", False),
        (403, "rateLimitExceeded", False),
        (403, "quotaExceeded", False),
        (403, "forbidden", True),
        (401, "authError", True),
        (400, "badRequest", True),
        (404, "notFound", True),
    ],
)
def test_api_errors_say_whether_a_retry_can_help(status, reason, permanent):
    http = google_http(google_error(status, reason, "Google says no"))

    with pytest.raises(CalendarError) as raised:
        calendar(http).put_event(EVENT)

    assert raised.value.permanent is permanent
    assert str(status) in str(raised.value)


class TimingOutHttp:
    """An httplib2.Http whose socket times out."""

    def request(self, *args, **kwargs):
        raise TimeoutError("timed out")


def test_a_timeout_is_a_transient_error():
    with pytest.raises(CalendarError) as raised:
        calendar(TimingOutHttp()).busy(start=EVENT.start, end=EVENT.end)

    assert raised.value.permanent is False


# --- the local calendar ------------------------------------------------------------------------------------------


def test_the_local_calendar_has_no_busy_time_of_its_own_and_logs_every_event(tmp_path):
    log = tmp_path / "calendar.log"
    local = LocalCalendar(log)

    assert local.busy(start=EVENT.start, end=EVENT.end) == []
    assert local.put_event(EVENT) == EVENT_ID
    assert local.move_event(EVENT) == EVENT_ID
    local.delete_event(EVENT_ID)

    lines = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line[1:3] for line in lines] == [["put", EVENT_ID], ["move", EVENT_ID], ["delete", EVENT_ID]]
    assert lines[0][3:] == [
        "2026-03-30T06:00:00+00:00",
        "2026-03-30T09:30:00+00:00",
        "Fast rengøring - Mette Jørgensen",
    ]


# --- settings ----------------------------------------------------------------------------------------------------


def clear_google_settings(settings):
    for name in (
        "GOOGLE_CLIENT_ID",
        "GOOGLE_CLIENT_SECRET",
        "GOOGLE_REFRESH_TOKEN",
        "GOOGLE_SERVICE_ACCOUNT_FILE",
        "GOOGLE_SERVICE_ACCOUNT_JSON",
        "GOOGLE_DELEGATED_USER",
    ):
        setattr(settings, name, "")
    settings.CALENDAR_BACKEND = ""
    settings.GOOGLE_CALENDAR_ID = ""
    settings.GOOGLE_HTTP_TIMEOUT = 5.0


def sign_in_with_refresh_token(settings):
    settings.GOOGLE_CLIENT_ID = "client.apps.googleusercontent.com"
    settings.GOOGLE_CLIENT_SECRET = "hemmelig"
    settings.GOOGLE_REFRESH_TOKEN = "1//refresh"


def test_without_a_calendar_id_our_own_bookings_are_the_calendar(settings, tmp_path):
    clear_google_settings(settings)
    sign_in_with_refresh_token(settings)  # Gmail may be set up while the calendar is not
    settings.VAR_DIR = tmp_path

    chosen = get_calendar()

    assert isinstance(chosen, LocalCalendar)
    assert chosen.path == tmp_path / "calendar.log"


def test_a_calendar_id_and_google_credentials_choose_google_calendar_with_a_timeout(settings):
    clear_google_settings(settings)
    sign_in_with_refresh_token(settings)
    settings.GOOGLE_CALENDAR_ID = CALENDAR_ID

    chosen = get_calendar()

    assert isinstance(chosen, GoogleCalendar)
    assert chosen.calendar_id == CALENDAR_ID
    transport = chosen._service._http
    assert transport.credentials.refresh_token == "1//refresh"
    assert transport.http.timeout == 5.0  # a hanging Google never holds a worker for long


def test_a_calendar_id_without_credentials_is_a_permanent_error_never_unchecked_slots(settings):
    clear_google_settings(settings)
    settings.GOOGLE_CALENDAR_ID = CALENDAR_ID

    with pytest.raises(CalendarError, match="cannot be read") as raised:
        get_calendar()

    assert raised.value.permanent is True


def test_half_configured_google_is_a_permanent_calendar_error(settings):
    clear_google_settings(settings)
    settings.GOOGLE_CALENDAR_ID = CALENDAR_ID
    settings.GOOGLE_REFRESH_TOKEN = "1//refresh"

    with pytest.raises(CalendarError, match="GOOGLE_CLIENT_ID") as raised:
        get_calendar()

    assert raised.value.permanent is True


def test_google_calendar_chosen_explicitly_without_credentials_is_a_permanent_error(settings):
    clear_google_settings(settings)
    settings.CALENDAR_BACKEND = "integrations.calendar.GoogleCalendar"

    with pytest.raises(CalendarError, match="not configured") as raised:
        get_calendar()

    assert raised.value.permanent is True


def test_google_calendar_chosen_explicitly_uses_the_primary_calendar_by_default(settings):
    clear_google_settings(settings)
    sign_in_with_refresh_token(settings)
    settings.CALENDAR_BACKEND = "integrations.calendar.GoogleCalendar"

    assert get_calendar().calendar_id == "primary"


def test_a_calendar_backend_that_does_not_exist_is_a_permanent_error(settings):
    clear_google_settings(settings)
    settings.CALENDAR_BACKEND = "integrations.calendar.OutlookCalendar"

    with pytest.raises(CalendarError) as raised:
        get_calendar()

    assert raised.value.permanent is True
