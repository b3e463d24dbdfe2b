"""Outgoing email: through Gmail in the lead's thread, or through Django's email backend (files in var/outbox/).

Both senders take an `OutgoingEmail` and return a `SentEmail`. The caller passes a deterministic Message-ID, and
the In-Reply-To of the mail it answers, so replies thread in the customer's mail program as well as in Gmail.
"""

from __future__ import annotations

import base64
import smtplib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations.gmail import execute, gmail_service
from integrations.google_auth import GoogleConfigError


@dataclass(frozen=True)
class OutgoingEmail:
    """A plain-text email to send; `thread_id` (Gmail) and `in_reply_to` (a Message-ID) make it a reply."""

    to: str
    subject: str
    body: str
    from_address: str
    reply_to: str | None = None
    thread_id: str | None = None
    in_reply_to: str | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class SentEmail:
    """What the provider answered: its message id (Gmail id; locally the Message-ID header) and thread id."""

    message_id: str
    thread_id: str


class MailError(Exception):
    """Sending failed; `permanent` says whether a retry can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent

    def __reduce__(self) -> tuple[Any, ...]:
        # Celery pickles a task's exception; without this, unpickling misses `permanent` and staff see a repr.
        return (partial(type(self), permanent=self.permanent), self.args, self.__dict__)


def get_mail_sender() -> DjangoMailSender | GmailSender:
    """The sender chosen by settings.MAIL_SENDER_BACKEND (a dotted path, like EMAIL_BACKEND)."""
    backend = import_string(settings.MAIL_SENDER_BACKEND)
    return backend.from_settings()


class DjangoMailSender:
    """Sends through Django's configured EMAIL_BACKEND: files in var/outbox/ locally, locmem in tests, or SMTP."""

    def __init__(self, *, connection: Any = None) -> None:
        self.connection = connection

    @classmethod
    def from_settings(cls) -> DjangoMailSender:
        return cls()

    def send(self, email: OutgoingEmail) -> SentEmail:
        message_id = _message_id(email)
        headers = {"Message-ID": message_id, **_reply_headers(email)}
        message = DjangoEmailMessage(
            subject=email.subject,
            body=email.body,
            from_email=email.from_address,
            to=[email.to],
            reply_to=[email.reply_to] if email.reply_to else None,
            headers=headers,
            connection=self.connection,
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailError(f"The mail server refused {email.to}: {exc.recipients}", permanent=_all_5xx(codes)) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailError(
                f"The mail server answered {exc.smtp_code}: {exc.smtp_error!r}", permanent=_all_5xx([exc.smtp_code])
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(f"The mail server does not support what is needed: {exc}", permanent=True) from exc
        except OSError as exc:
            # Timeouts, refused connections, disconnects (SMTPServerDisconnected is an OSError too).
            raise MailError(f"Sending email failed on the network: {exc!r}", permanent=False) from exc
        except ValueError as exc:
            # A line break in a header (BadHeaderError) or an unusable address.
            raise MailError(f"The email cannot be built: {exc}", permanent=True) from exc
        return SentEmail(message_id=message_id, thread_id="")


class GmailSender:
    """Sends through the Gmail API as the company mailbox, in the lead's Gmail thread when one is given."""

    def __init__(self, *, http: Any = None, user_id: str = "me", timeout: float | None = None) -> None:
        """`http` is a ready transport (tests pass an HttpMockSequence); without it credentials come from settings."""
        try:
            self._service = gmail_service(http=http, timeout=timeout)
        except GoogleConfigError as exc:
            raise MailError(str(exc), permanent=True) from exc
        self.user_id = user_id

    @classmethod
    def from_settings(cls) -> GmailSender:
        return cls(user_id=settings.GMAIL_USER_ID, timeout=settings.GOOGLE_HTTP_TIMEOUT)

    def send(self, email: OutgoingEmail) -> SentEmail:
        try:
            mime = build_mime(email)
        except ValueError as exc:
            raise MailError(f"The email cannot be built: {exc}", permanent=True) from exc
        body = {"raw": base64.urlsafe_b64encode(mime).decode("ascii")}
        if email.thread_id:
            # Gmail also needs the References/In-Reply-To headers and a matching subject to keep the thread.
            body["threadId"] = email.thread_id
        request = self._service.users().messages().send(userId=self.user_id, body=body)
        response = execute(request, error=MailError, what="sending an email")
        return SentEmail(message_id=str(response["id"]), thread_id=str(response.get("threadId", "")))


def build_mime(email: OutgoingEmail) -> bytes:
    """The RFC 822 bytes: UTF-8 quoted-printable text, RFC 2047 headers, CRLF line ends.
    Raises ValueError for a header with a line break (header injection)."""
    message = MimeMessage(policy=policy.SMTP)
    message["From"] = email.from_address
    message["To"] = email.to
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = _message_id(email)
    for name, value in _reply_headers(email).items():
        message[name] = value
    message.set_content(email.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


def _message_id(email: OutgoingEmail) -> str:
    if email.message_id:
        return _angle_brackets(email.message_id)
    # A domain of our own: make_msgid would otherwise look up this machine's name.
    domain = parseaddr(email.from_address)[1].rpartition("@")[2] or "renos.invalid"
    return make_msgid(domain=domain)


def _reply_headers(email: OutgoingEmail) -> dict[str, str]:
    if not email.in_reply_to:
        return {}
    parent = _angle_brackets(email.in_reply_to)
    return {"In-Reply-To": parent, "References": parent}


def _angle_brackets(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _all_5xx(codes: list[int]) -> bool:
    """SMTP 5xx is a refusal for good; 4xx is "try again later"."""
    return bool(codes) and all(500 <= code < 600 for code in codes)
