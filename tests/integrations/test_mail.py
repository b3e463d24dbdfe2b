"""Outgoing mail: Django's email backend locally (locmem in tests), and Gmail send against a faked Gmail API."""

from __future__ import annotations

import base64
import email
import smtplib
from email import policy

import pytest
from django.core import mail

from integrations.mail import DjangoMailSender, GmailSender, MailError, OutgoingEmail, SentEmail, get_mail_sender
from tests.integrations import gmail_error, gmail_http, gmail_ok, request_json, request_path_and_query

SUBJECT = "Tak for din forespørgsel – Rendetalje"
BODY = "Hej Søren Ærø,\n\nVi kan komme på tirsdag kl. 10. Svar med 1, 2 eller 3.\n\nMed venlig hilsen\nRendetalje\n"

REPLY = OutgoingEmail(
    to="Søren Ærø <soren@example.dk>",
    subject=SUBJECT,
    body=BODY,
    from_address="Rendetalje <info@rendetalje.dk>",
    reply_to="info@rendetalje.dk",
    thread_id="18c2f0a1b2",
    in_reply_to="<lead-1@leadpoint.dk>",
    message_id="<renos-lead-42-reply@rendetalje.dk>",
)


# --- Django's email backend ---------------------------------------------------------------------------------------


def test_django_sender_sends_a_threaded_utf8_reply():
    sent = DjangoMailSender().send(REPLY)

    assert sent == SentEmail(message_id="<renos-lead-42-reply@rendetalje.dk>", thread_id="")
    (message,) = mail.outbox
    assert message.to == ["Søren Ærø <soren@example.dk>"]
    assert message.reply_to == ["info@rendetalje.dk"]
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<renos-lead-42-reply@rendetalje.dk>"
    assert parsed["In-Reply-To"] == "<lead-1@leadpoint.dk>"
    assert parsed["References"] == "<lead-1@leadpoint.dk>"
    assert parsed["Subject"] == SUBJECT
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content() == BODY


def test_by_default_mail_is_written_to_the_outbox_folder(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"

    DjangoMailSender().send(REPLY)

    (written,) = (tmp_path / "outbox").iterdir()
    content = written.read_bytes()
    assert b"Message-ID: <renos-lead-42-reply@rendetalje.dk>" in content
    assert b"In-Reply-To: <lead-1@leadpoint.dk>" in content
    assert "Søren Ærø,".encode() in content


def test_django_sender_without_a_reply_sets_no_threading_headers():
    DjangoMailSender().send(
        OutgoingEmail(to="kunde@example.dk", subject="Hej", body="Hej", from_address="info@rendetalje.dk")
    )

    headers = mail.outbox[0].message()
    assert headers["In-Reply-To"] is None
    assert headers["References"] is None


def test_a_message_id_without_angle_brackets_gets_them():
    sent = DjangoMailSender().send(
        OutgoingEmail(
            to="kunde@example.dk",
            subject="Hej",
            body="Hej",
            from_address="info@rendetalje.dk",
            message_id="x1@rendetalje.dk",
            in_reply_to="lead@leadpoint.dk",
        )
    )

    assert sent.message_id == "<x1@rendetalje.dk>"
    message = mail.outbox[0].message()
    assert message["Message-ID"] == "<x1@rendetalje.dk>"
    assert message["In-Reply-To"] == "<lead@leadpoint.dk>"


def test_without_a_message_id_one_is_made_in_the_sender_domain_and_returned():
    sent = DjangoMailSender().send(
        OutgoingEmail(to="kunde@example.dk", subject="Hej", body="Hej", from_address="Rendetalje <info@rendetalje.dk>")
    )

    assert sent.message_id.endswith("@rendetalje.dk>")
    assert mail.outbox[0].message()["Message-ID"] == sent.message_id


def test_a_line_break_in_the_subject_is_refused_and_nothing_is_sent():
    with pytest.raises(MailError) as raised:
        DjangoMailSender().send(
            OutgoingEmail(
                to="kunde@example.dk",
                subject="Hej\nBcc: alle@example.dk",
                body="Hej",
                from_address="info@rendetalje.dk",
            )
        )

    assert raised.value.permanent is True
    assert mail.outbox == []


class FailingConnection:
    """An email backend whose server fails the way `failure` says."""

    def __init__(self, failure):
        self.failure = failure

    def send_messages(self, messages):
        raise self.failure


@pytest.mark.parametrize(
    ("failure", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"soren@example.dk": (550, b"No such user")}), True),
        (smtplib.SMTPRecipientsRefused({"soren@example.dk": (450, b"Mailbox busy")}), False),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), True),
        (smtplib.SMTPDataError(421, b"Try again later"), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (TimeoutError("timed out"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
    ],
)
def test_smtp_failures_say_whether_a_retry_can_help(failure, permanent):
    with pytest.raises(MailError) as raised:
        DjangoMailSender(connection=FailingConnection(failure)).send(REPLY)

    assert raised.value.permanent is permanent


def test_get_mail_sender_follows_settings(settings):
    settings.MAIL_SENDER_BACKEND = "integrations.mail.DjangoMailSender"

    sender = get_mail_sender()
    sender.send(REPLY)

    assert isinstance(sender, DjangoMailSender)
    assert len(mail.outbox) == 1


def test_gmail_sender_without_credentials_is_a_clear_permanent_error(settings):
    for name in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_REFRESH_TOKEN"):
        setattr(settings, name, "")
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.GOOGLE_SERVICE_ACCOUNT_JSON = ""
    settings.MAIL_SENDER_BACKEND = "integrations.mail.GmailSender"
    settings.GMAIL_USER_ID = "me"
    settings.GOOGLE_HTTP_TIMEOUT = 5.0

    with pytest.raises(MailError) as raised:
        get_mail_sender()

    assert raised.value.permanent is True
    assert "Google is not configured" in str(raised.value)


# --- Gmail --------------------------------------------------------------------------------------------------------


def sent_mime(http, index=0):
    raw = request_json(http, index)["raw"]
    return base64.urlsafe_b64decode(raw)


def test_gmail_sender_sends_the_reply_in_the_lead_thread():
    http = gmail_http(gmail_ok({"id": "18c2f0ffee", "threadId": "18c2f0a1b2", "labelIds": ["SENT"]}))

    sent = GmailSender(http=http).send(REPLY)

    assert sent == SentEmail(message_id="18c2f0ffee", thread_id="18c2f0a1b2")
    assert request_path_and_query(http, 0)[0] == "/gmail/v1/users/me/messages/send"
    assert http.request_sequence[0][1] == "POST"
    assert request_json(http, 0)["threadId"] == "18c2f0a1b2"
    parsed = email.message_from_bytes(sent_mime(http), policy=policy.default)
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"] == "Søren Ærø <soren@example.dk>"
    assert parsed["From"] == "Rendetalje <info@rendetalje.dk>"
    assert parsed["Reply-To"] == "info@rendetalje.dk"
    assert parsed["Message-ID"] == "<renos-lead-42-reply@rendetalje.dk>"
    assert parsed["In-Reply-To"] == "<lead-1@leadpoint.dk>"
    assert parsed["References"] == "<lead-1@leadpoint.dk>"
    assert parsed["Date"] is not None
    assert parsed.get_content().replace("\r\n", "\n") == BODY


def test_gmail_mime_is_seven_bit_quoted_printable_utf8():
    http = gmail_http(gmail_ok({"id": "18c2f0ffee", "threadId": "18c2f0a1b2"}))

    GmailSender(http=http).send(REPLY)

    mime = sent_mime(http)
    mime.decode("ascii")  # Danish letters travel encoded, never as raw 8-bit bytes
    parsed = email.message_from_bytes(mime, policy=policy.default)
    assert parsed["Content-Transfer-Encoding"] == "quoted-printable"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert b"Subject: Tak for din =?utf-8?q?foresp=C3=B8rgsel_=E2=80=93?= Rendetalje" in mime


def test_gmail_sender_starts_a_new_thread_when_there_is_none():
    http = gmail_http(gmail_ok({"id": "18c2f0beef", "threadId": "18c2f0beef"}))

    sent = GmailSender(http=http).send(
        OutgoingEmail(to="kunde@example.dk", subject="Hej", body="Hej", from_address="info@rendetalje.dk")
    )

    assert sent.thread_id == "18c2f0beef"
    assert set(request_json(http, 0)) == {"raw"}
    parsed = email.message_from_bytes(sent_mime(http), policy=policy.default)
    assert parsed["In-Reply-To"] is None


@pytest.mark.parametrize(
    ("status", "reason", "permanent"),
    [
        (500, "backendError", False),
        (429, "rateLimitExceeded", False),
        (400, "invalidArgument", True),
        (403, "forbidden", True),
    ],
)
def test_gmail_send_errors_say_whether_a_retry_can_help(status, reason, permanent):
    http = gmail_http(gmail_error(status, reason))

    with pytest.raises(MailError) as raised:
        GmailSender(http=http).send(REPLY)

    assert raised.value.permanent is permanent


def test_gmail_sender_refuses_a_header_with_a_line_break_before_calling_gmail():
    http = gmail_http()

    with pytest.raises(MailError) as raised:
        GmailSender(http=http).send(
            OutgoingEmail(
                to="kunde@example.dk\r\nBcc: alle@example.dk",
                subject="Hej",
                body="Hej",
                from_address="info@rendetalje.dk",
            )
        )

    assert raised.value.permanent is True
    assert http.request_sequence == []
