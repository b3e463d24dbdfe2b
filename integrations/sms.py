"""SMS: sent through Twilio (with status callbacks), or appended to var/sms.log locally; and the Twilio webhook helpers
(signature check, public URL, TwiML answer).

Both senders take an `OutgoingSms` and return a `SentSms`, or raise `SmsError`. Twilio has no idempotency key for
messages: when a call times out after Twilio accepted the message, a retry sends it again. Callers record the sid
they get back and accept that rare duplicate rather than lose a message.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
LOCAL_SID_PREFIX = "LOCAL"
# HTTP statuses after which the same request can succeed later.
_TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
# Twilio error codes that mean "too many requests", whatever the HTTP status.
_TRANSIENT_CODES = frozenset({"20429", "14107"})
# requests errors that no retry can fix: the request itself is malformed.
_BROKEN_REQUEST = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


@dataclass(frozen=True)
class OutgoingSms:
    """A text message to one phone number (E.164, e.g. "+4520112233"); Twilio posts delivery updates to
    `status_callback` (a public URL) when it is given."""

    to: str
    body: str
    status_callback: str | None = None


@dataclass(frozen=True)
class SentSms:
    """What the provider answered: the message sid and its status then ("queued", "accepted", "sent")."""

    sid: str
    status: str


class SmsError(Exception):
    """Sending failed; `permanent` says whether a retry can help, `code` is Twilio's error code when known."""

    def __init__(self, message: str, *, permanent: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Celery pickles a task's exception; without this, unpickling misses `permanent` and staff see a repr.
        return (partial(type(self), permanent=self.permanent, code=self.code), self.args, self.__dict__)


def get_sms_sender() -> TwilioSms | LocalSms:
    """The sender chosen by settings.SMS_BACKEND (a dotted path, like EMAIL_BACKEND)."""
    backend = import_string(settings.SMS_BACKEND)
    return backend.from_settings()


class TwilioSms:
    """Sends through Twilio's Messages API, from our number or through a Messaging Service."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        timeout: float = 15.0,
        http_client: HttpClient | None = None,
    ) -> None:
        """`http_client` answers at the HTTP edge (tests pass a fake); without it a TwilioHttpClient with `timeout`."""
        if not account_sid or not auth_token:
            raise SmsError("Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN", permanent=True)
        if not from_number and not messaging_service_sid:
            raise SmsError("Twilio needs TWILIO_PHONE_NUMBER or TWILIO_MESSAGING_SERVICE_SID", permanent=True)
        if timeout <= 0:
            raise SmsError(f"The Twilio timeout must be positive, not {timeout}", permanent=True)
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.client = Client(account_sid, auth_token, http_client=http_client or TwilioHttpClient(timeout=timeout))

    @classmethod
    def from_settings(cls) -> TwilioSms:
        return cls(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            from_number=settings.TWILIO_PHONE_NUMBER,
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
            timeout=settings.TWILIO_TIMEOUT_SECONDS,
        )

    def send(self, sms: OutgoingSms) -> SentSms:
        _check(sms)
        sender: dict[str, str] = (
            # With a Messaging Service, Twilio picks the sender from the service's pool.
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        if sms.status_callback:
            sender["status_callback"] = sms.status_callback
        try:
            message = self.client.messages.create(to=sms.to, body=sms.body, **sender)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _twilio_error(exc) from exc
        except TwilioException as exc:
            raise SmsError(f"The Twilio client failed: {exc}", permanent=True) from exc
        except _BROKEN_REQUEST as exc:
            raise SmsError(f"The request to Twilio is malformed: {exc!r}", permanent=True) from exc
        except requests.exceptions.RequestException as exc:
            # Timeouts, refused connections, TLS errors, dropped connections.
            raise SmsError(f"Sending an SMS failed on the network: {exc!r}", permanent=False) from exc
        except json.JSONDecodeError as exc:
            raise SmsError(f"Twilio answered with something that is not JSON: {exc}", permanent=False) from exc
        if not message.sid:
            raise SmsError("Twilio accepted the message but answered without a sid", permanent=True)
        return SentSms(sid=message.sid, status=str(message.status or ""))


class LocalSms:
    """Appends each message to a log file (var/sms.log by default) and pretends it was sent."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = Path(log_file)

    @classmethod
    def from_settings(cls) -> LocalSms:
        return cls(Path(settings.SMS_LOG_FILE))

    def send(self, sms: OutgoingSms) -> SentSms:
        _check(sms)
        sid = LOCAL_SID_PREFIX + uuid.uuid4().hex
        sent_at = timezone.localtime(timezone.now()).isoformat(timespec="seconds")
        block = f"=== {sent_at} til {sms.to} ({sid})\n{sms.body}\n\n"
        try:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            # One write of the whole block in append mode, so blocks of two workers do not interleave.
            with self.log_file.open("ab") as log:
                log.write(block.encode("utf-8"))
        except OSError as exc:
            raise SmsError(
                f"Cannot write to {self.log_file}: {exc}", permanent=isinstance(exc, PermissionError)
            ) from exc
        return SentSms(sid=sid, status="sent")


def twilio_signature_valid(*, url: str, params: dict[str, str] | list[tuple[str, str]], signature: str | None) -> bool:
    """Whether X-Twilio-Signature `signature` signs this POST: `url` as Twilio called it (see public_url) and its form
    `params` (a dict, Django's request.POST, or pairs for repeated names). False when no auth token is set."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    values = MultiValueDict(_pairs_to_lists(params)) if isinstance(params, list) else params
    try:
        return bool(RequestValidator(token).validate(url, values, signature))
    except (TypeError, ValueError):
        return False  # values that are not strings: not a request Twilio signed


def public_url(path: str) -> str:
    """The URL the outside world uses for `path`. Behind a proxy the Host header is not it, and Twilio signs the
    URL it called, so webhooks check signatures (and we give Twilio callback URLs) with settings.PUBLIC_BASE_URL."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{path.lstrip('/')}"


def twiml_message(text: str | None) -> str:
    """The TwiML answer to an incoming SMS: one <Message> replying `text`, or an empty <Response/> (no reply)."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def _check(sms: OutgoingSms) -> None:
    """Both senders refuse the same messages, so a bad number shows up locally as it would with Twilio."""
    if not E164.fullmatch(sms.to):
        raise SmsError(f"Not a phone number in E.164 form (+4520112233): {sms.to!r}", permanent=True)
    if not sms.body.strip():
        raise SmsError("An SMS needs a text", permanent=True)


def _twilio_error(exc: TwilioRestException | TwilioServiceException) -> SmsError:
    status = int(exc.status)
    # Without an error body the library reports the HTTP status as the code; that is not a Twilio code.
    code = str(exc.code) if exc.code is not None and exc.code != status else None
    detail = exc.msg if isinstance(exc, TwilioRestException) else (exc.detail or exc.title)
    transient = status >= 500 or status in _TRANSIENT_STATUSES or code in _TRANSIENT_CODES
    return SmsError(
        f"Twilio answered {status} (error {code or 'unknown'}): {detail}", permanent=not transient, code=code
    )


def _pairs_to_lists(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {}
    for name, value in pairs:
        lists.setdefault(name, []).append(value)
    return lists
