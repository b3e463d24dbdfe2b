"""The Gmail inbox against a faked Gmail API (HttpMockSequence): the real adapter builds and sends every request."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email import policy

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import credentials as oauth2_credentials
from google.oauth2 import service_account

from integrations.google_auth import GoogleConfigError, google_credentials
from integrations.inbox import GmailInbox, InboxError, InboxMessage, get_inbox
from tests.integrations import gmail_error, gmail_http, gmail_ok, raw_message, request_json, request_path_and_query

LEAD_EMAIL = (
    "From: Leadpoint <system@leadpoint.dk>\r\n"
    "To: info@rendetalje.dk\r\n"
    "Subject: Formular via =?utf-8?q?Reng=C3=B8ring?= Aarhus\r\n"
    "Message-ID: <lead-1@leadpoint.dk>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Navn: Søren Ærø\r\nTelefon: 22 33 44 55\r\n"
).encode()
SECOND_EMAIL = LEAD_EMAIL.replace(b"lead-1@", b"lead-2@").replace("Søren Ærø".encode(), "Åse Øster".encode())

PROFILE = gmail_ok({"emailAddress": "info@rendetalje.dk", "messagesTotal": 812, "historyId": "9001"})
LABELS_WITHOUT_PROCESSED = gmail_ok(
    {
        "labels": [
            {"id": "INBOX", "name": "INBOX", "type": "system"},
            {"id": "Label_3", "name": "Kunder", "type": "user"},
        ]
    }
)
LABELS_WITH_PROCESSED = gmail_ok(
    {"labels": [{"id": "INBOX", "name": "INBOX", "type": "system"}, {"id": "Label_7", "name": "RenOS/Behandlet"}]}
)


def message_raw(message_id: str, thread_id: str, data: bytes, labels: tuple[str, ...] = ("INBOX", "UNREAD")):
    return gmail_ok(
        {
            "id": message_id,
            "threadId": thread_id,
            "labelIds": list(labels),
            "snippet": "Navn: Søren",
            "historyId": "8990",
            "internalDate": "1760000000000",
            "sizeEstimate": len(data),
            "raw": raw_message(data),
        }
    )


def subject_and_body(raw: bytes) -> tuple[str, str]:
    parsed = email.message_from_bytes(raw, policy=policy.default)
    return str(parsed["Subject"]), parsed.get_content()


# --- full sync ---------------------------------------------------------------------------------------------------


def test_full_sync_returns_new_inbox_mail_oldest_first_with_the_mailbox_history_id():
    http = gmail_http(
        PROFILE,
        gmail_ok(
            {"messages": [{"id": "m2", "threadId": "t2"}, {"id": "m1", "threadId": "t1"}], "resultSizeEstimate": 2}
        ),
        LABELS_WITHOUT_PROCESSED,
        message_raw("m1", "t1", LEAD_EMAIL),
        message_raw("m2", "t2", SECOND_EMAIL),
    )

    batch = GmailInbox(http=http).fetch_new(cursor=None)

    assert [(m.id, m.thread_id) for m in batch.messages] == [("m1", "t1"), ("m2", "t2")]
    assert subject_and_body(batch.messages[0].raw) == (
        "Formular via Rengøring Aarhus",
        "Navn: Søren Ærø\r\nTelefon: 22 33 44 55\r\n",
    )
    assert "Åse Øster" in subject_and_body(batch.messages[1].raw)[1]
    assert batch.cursor == "9001"
    path, query = request_path_and_query(http, 1)
    assert path == "/gmail/v1/users/me/messages"
    assert query["q"] == ["in:inbox -label:renos-behandlet newer_than:7d"]
    assert query["maxResults"] == ["100"]
    path, query = request_path_and_query(http, 3)
    assert path == "/gmail/v1/users/me/messages/m1"
    assert query["format"] == ["raw"]


def test_full_sync_with_more_mail_than_the_limit_stores_no_cursor_so_the_rest_is_listed_next_time():
    http = gmail_http(
        PROFILE,
        gmail_ok({"messages": [{"id": "m2", "threadId": "t2"}], "nextPageToken": "more", "resultSizeEstimate": 5}),
        LABELS_WITHOUT_PROCESSED,
        message_raw("m2", "t2", SECOND_EMAIL),
    )

    batch = GmailInbox(http=http).fetch_new(cursor=None, limit=1)

    assert [m.id for m in batch.messages] == ["m2"]
    assert batch.cursor is None


def test_an_empty_inbox_needs_no_label_lookup():
    http = gmail_http(PROFILE, gmail_ok({"resultSizeEstimate": 0}))

    batch = GmailInbox(http=http).fetch_new(cursor=None)

    assert batch.messages == []
    assert batch.cursor == "9001"
    assert len(http.request_sequence) == 2


def test_a_message_that_already_carries_the_processed_label_is_skipped():
    http = gmail_http(
        PROFILE,
        gmail_ok({"messages": [{"id": "m2", "threadId": "t2"}, {"id": "m1", "threadId": "t1"}]}),
        LABELS_WITH_PROCESSED,
        message_raw("m1", "t1", LEAD_EMAIL, labels=("INBOX", "Label_7")),
        message_raw("m2", "t2", SECOND_EMAIL),
    )

    batch = GmailInbox(http=http).fetch_new(cursor=None)

    assert [m.id for m in batch.messages] == ["m2"]


def test_a_message_deleted_between_listing_and_reading_is_skipped():
    http = gmail_http(
        PROFILE,
        gmail_ok({"messages": [{"id": "m2", "threadId": "t2"}, {"id": "m1", "threadId": "t1"}]}),
        LABELS_WITHOUT_PROCESSED,
        gmail_error(404, "notFound", "Requested entity was not found."),
        message_raw("m2", "t2", SECOND_EMAIL),
    )

    batch = GmailInbox(http=http).fetch_new(cursor=None)

    assert [m.id for m in batch.messages] == ["m2"]


# --- history sync ------------------------------------------------------------------------------------------------


def test_history_sync_follows_pages_and_returns_each_added_message_once():
    http = gmail_http(
        gmail_ok(
            {
                "history": [
                    {
                        "id": "9010",
                        "messages": [{"id": "m3", "threadId": "t3"}],
                        "messagesAdded": [{"message": {"id": "m3", "threadId": "t3", "labelIds": ["INBOX", "UNREAD"]}}],
                    }
                ],
                "nextPageToken": "page-2",
                "historyId": "9020",
            }
        ),
        gmail_ok(
            {
                "history": [
                    {
                        "id": "9015",
                        "messagesAdded": [
                            {"message": {"id": "m3", "threadId": "t3", "labelIds": ["INBOX"]}},
                            {"message": {"id": "m4", "threadId": "t4", "labelIds": ["INBOX", "UNREAD"]}},
                        ],
                    }
                ],
                "historyId": "9020",
            }
        ),
        LABELS_WITHOUT_PROCESSED,
        message_raw("m3", "t3", LEAD_EMAIL),
        message_raw("m4", "t4", SECOND_EMAIL),
    )

    batch = GmailInbox(http=http).fetch_new(cursor="9001")

    assert [m.id for m in batch.messages] == ["m3", "m4"]
    assert batch.cursor == "9020"
    path, first = request_path_and_query(http, 0)
    assert path == "/gmail/v1/users/me/history"
    assert first["startHistoryId"] == ["9001"]
    assert first["historyTypes"] == ["messageAdded"]
    assert first["labelId"] == ["INBOX"]
    assert "pageToken" not in first
    _, second = request_path_and_query(http, 1)
    assert second["pageToken"] == ["page-2"]
    assert second["startHistoryId"] == ["9001"]


def test_history_sync_with_nothing_new_keeps_up_with_the_mailbox_history_id():
    http = gmail_http(gmail_ok({"historyId": "9050"}))

    batch = GmailInbox(http=http).fetch_new(cursor="9001")

    assert batch.messages == []
    assert batch.cursor == "9050"


def test_history_sync_stops_at_the_limit_and_resumes_after_the_last_record_read():
    http = gmail_http(
        gmail_ok(
            {
                "history": [
                    {
                        "id": "9011",
                        "messagesAdded": [{"message": {"id": "m3", "threadId": "t3", "labelIds": ["INBOX"]}}],
                    },
                    {
                        "id": "9012",
                        "messagesAdded": [{"message": {"id": "m4", "threadId": "t4", "labelIds": ["INBOX"]}}],
                    },
                ],
                "nextPageToken": "page-2",
                "historyId": "9099",
            }
        ),
        LABELS_WITHOUT_PROCESSED,
        message_raw("m3", "t3", LEAD_EMAIL),
    )

    batch = GmailInbox(http=http).fetch_new(cursor="9001", limit=1)

    assert [m.id for m in batch.messages] == ["m3"]
    assert batch.cursor == "9011"


def test_an_expired_history_id_falls_back_to_a_full_sync():
    http = gmail_http(
        gmail_error(404, "notFound", "Requested entity was not found."),
        PROFILE,
        gmail_ok({"messages": [{"id": "m1", "threadId": "t1"}]}),
        LABELS_WITHOUT_PROCESSED,
        message_raw("m1", "t1", LEAD_EMAIL),
    )

    batch = GmailInbox(http=http).fetch_new(cursor="12")

    assert [m.id for m in batch.messages] == ["m1"]
    assert batch.cursor == "9001"
    assert request_path_and_query(http, 1)[0] == "/gmail/v1/users/me/profile"


# --- labelling, watching -----------------------------------------------------------------------------------------


def test_mark_processed_creates_the_label_once_and_adds_it_to_each_message():
    http = gmail_http(
        LABELS_WITHOUT_PROCESSED,
        gmail_ok({"id": "Label_9", "name": "RenOS/Behandlet", "type": "user"}),
        gmail_ok({"id": "m1", "threadId": "t1", "labelIds": ["INBOX", "Label_9"]}),
        gmail_ok({"id": "m2", "threadId": "t2", "labelIds": ["INBOX", "Label_9"]}),
    )
    inbox = GmailInbox(http=http)

    inbox.mark_processed(InboxMessage(id="m1", thread_id="t1", raw=b""))
    inbox.mark_processed(InboxMessage(id="m2", thread_id="t2", raw=b""))

    assert len(http.request_sequence) == 4  # no second labels.list / labels.create
    assert request_path_and_query(http, 1)[0] == "/gmail/v1/users/me/labels"
    assert http.request_sequence[1][1] == "POST"
    assert request_json(http, 1)["name"] == "RenOS/Behandlet"
    for index, message_id in ((2, "m1"), (3, "m2")):
        assert request_path_and_query(http, index)[0] == f"/gmail/v1/users/me/messages/{message_id}/modify"
        assert request_json(http, index) == {"addLabelIds": ["Label_9"]}


def test_mark_processed_uses_an_existing_label_and_the_name_from_settings():
    http = gmail_http(
        gmail_ok({"labels": [{"id": "Label_4", "name": "Leads/Done"}]}),
        gmail_ok({"id": "m1", "threadId": "t1", "labelIds": ["Label_4"]}),
    )

    GmailInbox(http=http, processed_label="Leads/Done").mark_processed(InboxMessage(id="m1", thread_id="t1", raw=b""))

    assert request_json(http, 1) == {"addLabelIds": ["Label_4"]}


def test_mark_processed_of_a_deleted_message_is_not_an_error():
    http = gmail_http(LABELS_WITH_PROCESSED, gmail_error(404, "notFound", "Requested entity was not found."))

    GmailInbox(http=http).mark_processed(InboxMessage(id="gone", thread_id="t", raw=b""))

    assert len(http.request_sequence) == 2


def test_watch_asks_for_inbox_pushes_to_the_topic_and_returns_when_it_expires():
    http = gmail_http(gmail_ok({"historyId": "9100", "expiration": "1767225600000"}))

    result = GmailInbox(http=http).watch(topic="projects/renos/topics/gmail")

    assert result == {"history_id": "9100", "expiration": datetime(2026, 1, 1, tzinfo=UTC)}
    assert request_path_and_query(http, 0)[0] == "/gmail/v1/users/me/watch"
    assert request_json(http, 0) == {"topicName": "projects/renos/topics/gmail", "labelIds": ["INBOX"]}


# --- errors ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "permanent"),
    [
        (500, "backendError", False),
        (503, "backendError", False),
        (429, "rateLimitExceeded", False),
        (403, "userRateLimitExceeded", False),
        (403, "insufficientPermissions", True),
        (401, "authError", True),
        (400, "invalidArgument", True),
    ],
)
def test_api_errors_say_whether_a_retry_can_help(status, reason, permanent):
    http = gmail_http(gmail_error(status, reason, "Gmail says no"))

    with pytest.raises(InboxError) as raised:
        GmailInbox(http=http).fetch_new(cursor="9001")

    assert raised.value.permanent is permanent
    assert str(status) in str(raised.value)


class TimingOutHttp:
    """An httplib2.Http whose socket times out."""

    def request(self, *args, **kwargs):
        raise TimeoutError("timed out")


def test_a_timeout_is_a_transient_error():
    with pytest.raises(InboxError) as raised:
        GmailInbox(http=TimingOutHttp()).fetch_new(cursor=None)

    assert raised.value.permanent is False


# --- settings and credentials ------------------------------------------------------------------------------------


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


def use_gmail_inbox(settings):
    settings.INBOX_BACKEND = "integrations.inbox.GmailInbox"
    settings.GMAIL_USER_ID = "me"
    settings.GMAIL_PROCESSED_LABEL = "RenOS/Behandlet"
    settings.GMAIL_INBOX_QUERY = ""
    settings.GOOGLE_HTTP_TIMEOUT = 5.0


def test_gmail_inbox_without_credentials_is_a_clear_permanent_error(settings):
    clear_google_settings(settings)
    use_gmail_inbox(settings)

    with pytest.raises(InboxError) as raised:
        get_inbox()

    assert raised.value.permanent is True
    assert "GOOGLE_REFRESH_TOKEN" in str(raised.value)


def test_gmail_inbox_from_settings_signs_in_with_the_refresh_token(settings):
    clear_google_settings(settings)
    use_gmail_inbox(settings)
    settings.GOOGLE_CLIENT_ID = "client.apps.googleusercontent.com"
    settings.GOOGLE_CLIENT_SECRET = "hemmelig"
    settings.GOOGLE_REFRESH_TOKEN = "1//refresh"

    inbox = get_inbox()

    assert isinstance(inbox, GmailInbox)
    assert inbox.processed_label == "RenOS/Behandlet"
    transport = inbox._service._http
    assert transport.credentials.refresh_token == "1//refresh"
    assert transport.http.timeout == 5.0  # a hanging Google never holds a worker for long


def test_refresh_token_credentials(settings):
    clear_google_settings(settings)
    settings.GOOGLE_CLIENT_ID = "client.apps.googleusercontent.com"
    settings.GOOGLE_CLIENT_SECRET = "hemmelig"
    settings.GOOGLE_REFRESH_TOKEN = "1//refresh"

    creds = google_credentials(["https://www.googleapis.com/auth/gmail.modify"])

    assert isinstance(creds, oauth2_credentials.Credentials)
    assert creds.refresh_token == "1//refresh"
    assert creds.client_id == "client.apps.googleusercontent.com"
    assert creds.token_uri == "https://oauth2.googleapis.com/token"


def test_a_half_configured_refresh_token_is_a_configuration_error(settings):
    clear_google_settings(settings)
    settings.GOOGLE_REFRESH_TOKEN = "1//refresh"

    with pytest.raises(GoogleConfigError, match="GOOGLE_CLIENT_ID"):
        google_credentials(["https://www.googleapis.com/auth/gmail.modify"])


@pytest.fixture(scope="module")
def service_account_info():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return {
        "type": "service_account",
        "project_id": "renos",
        "private_key_id": "abc123",
        "private_key": pem.decode(),
        "client_email": "renos@renos.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def test_service_account_json_impersonates_the_delegated_mailbox(settings, service_account_info):
    clear_google_settings(settings)
    settings.GOOGLE_SERVICE_ACCOUNT_JSON = json.dumps(service_account_info)
    settings.GOOGLE_DELEGATED_USER = "info@rendetalje.dk"

    creds = google_credentials(["https://www.googleapis.com/auth/calendar"])

    assert isinstance(creds, service_account.Credentials)
    assert creds.service_account_email == "renos@renos.iam.gserviceaccount.com"
    assert creds._subject == "info@rendetalje.dk"
    assert creds.scopes == ["https://www.googleapis.com/auth/calendar"]


def test_service_account_file_is_read(settings, service_account_info, tmp_path):
    clear_google_settings(settings)
    key_file = tmp_path / "renos-key.json"
    key_file.write_text(json.dumps(service_account_info))
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = str(key_file)
    settings.GOOGLE_DELEGATED_USER = "info@rendetalje.dk"

    creds = google_credentials(["https://www.googleapis.com/auth/gmail.modify"], require_subject=True)

    assert creds.service_account_email == "renos@renos.iam.gserviceaccount.com"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda s, tmp: None, "Google is not configured"),
        (lambda s, tmp: setattr(s, "GOOGLE_SERVICE_ACCOUNT_FILE", str(tmp / "missing.json")), "Cannot read"),
        (lambda s, tmp: setattr(s, "GOOGLE_SERVICE_ACCOUNT_JSON", "{not json"), "not valid JSON"),
        (
            lambda s, tmp: setattr(s, "GOOGLE_SERVICE_ACCOUNT_JSON", '{"type": "authorized_user"}'),
            "not a service account",
        ),
    ],
)
def test_unusable_google_settings_are_clear_configuration_errors(settings, tmp_path, setup, message):
    clear_google_settings(settings)
    setup(settings, tmp_path)

    with pytest.raises(GoogleConfigError, match=message) as raised:
        google_credentials(["https://www.googleapis.com/auth/gmail.modify"])

    assert raised.value.permanent is True


def test_gmail_through_a_service_account_needs_a_delegated_mailbox(settings, service_account_info):
    clear_google_settings(settings)
    settings.GOOGLE_SERVICE_ACCOUNT_JSON = json.dumps(service_account_info)

    with pytest.raises(GoogleConfigError, match="GOOGLE_DELEGATED_USER"):
        google_credentials(["https://www.googleapis.com/auth/gmail.modify"], require_subject=True)
