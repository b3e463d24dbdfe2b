"""From raw bytes to decoded headers and readable bodies: any transfer encoding, any charset, HTML or text.

The compat32 policy is used on purpose: the modern policy parses every header into objects and is about
twenty times slower, and we only need a handful of headers as text.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from dataclasses import dataclass
from email.errors import MessageError
from email.header import Header, decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from leads.parsing.result import NotAnEmail

_PARSER = BytesParser(policy=compat32)
_MAIL_HEADERS = ("from", "to", "subject", "date", "message-id")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_FOLD = re.compile(r"\r?\n[ \t]*")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
# Declared "latin" charsets are often a lie told by old mailers about UTF-8 bytes; real UTF-8 almost never
# decodes by accident, so for these we try UTF-8 first.
_LATIN = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15", "windows-1252", "cp1252"})


@dataclass(frozen=True)
class Bodies:
    """The readable parts of a message: its text/plain and its HTML markup, either may be empty."""

    plain: str
    html: str


def read_message(raw: bytes) -> Message:
    """Parse RFC 822 bytes; NotAnEmail when there is nothing that looks like a mail header."""
    if not raw or not raw.strip():
        raise NotAnEmail("the file is empty")
    head = raw[: raw.find(b"\n\n")] if b"\n\n" in raw else raw[:4096]
    if b"\x00" in head:
        raise NotAnEmail("binary data, not an email")
    message = _PARSER.parsebytes(raw)
    present = {key.lower() for key in message}
    if not present.intersection(_MAIL_HEADERS):
        raise NotAnEmail("no mail headers (From, To, Subject, Date or Message-ID)")
    if any(_CONTROL.search(str(value)) for value in message.values()):
        raise NotAnEmail("binary data in the headers, not an email")
    return message


def header_text(message: Message, name: str) -> str:
    """A header decoded from RFC 2047 words (or raw 8-bit bytes) and unfolded to one line; "" when absent."""
    value = message.get(name)
    if value is None:
        return ""
    return decode_words(_raw_text(value))


def decode_words(value: str) -> str:
    value = _FOLD.sub(" ", value)
    if "=?" in value:
        # A broken encoded word keeps the raw text rather than losing the header.
        with contextlib.suppress(UnicodeError, LookupError, ValueError, MessageError):
            value = str(make_header(decode_header(value)))
    return _fix_8bit(value).strip()


def _raw_text(value: str | Header) -> str:
    """A header as fetched: compat32 wraps raw 8-bit bytes in a Header; those bytes are read as UTF-8, else Latin-1."""
    if not isinstance(value, Header):
        return str(value)
    return "".join(
        decode_bytes(part, None if charset in (None, "unknown-8bit") else charset) if isinstance(part, bytes) else part
        for part, charset in decode_header(value)
    )


def _fix_8bit(value: str) -> str:
    """Headers with raw 8-bit bytes arrive as surrogate escapes; read those bytes as UTF-8, else Latin-1."""
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"), None)


def address(message: Message, name: str) -> tuple[str, str]:
    """(display name, lower-case address) of an address header; ("", "") when absent."""
    value = message.get(name)
    if value is None:
        return "", ""
    raw = _FOLD.sub(" ", _raw_text(value))
    display, addr = parseaddr(raw)
    if "@" not in addr or "=?" in addr:
        display, addr = parseaddr(decode_words(raw))  # a mailer that encoded the address along with the name
    return decode_words(display).strip('"').strip(), addr.strip().lower()


def addresses(message: Message, name: str) -> tuple[str, ...]:
    values = [_FOLD.sub(" ", str(value)) for value in message.get_all(name, [])]
    return tuple(addr.strip().lower() for _, addr in getaddresses(values) if addr)


def message_ids(value: str | None) -> list[str]:
    """The `<...>` ids in a Message-ID, In-Reply-To or References header, in order."""
    return _MESSAGE_ID.findall(str(value)) if value else []


def received_at(message: Message) -> datetime.datetime | None:
    """The Date header as an aware datetime; a date without a zone ("-0000") is taken as UTC."""
    value = message.get("Date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(_FOLD.sub(" ", str(value)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Bytes in the declared charset, trying UTF-8 first where the declaration is often wrong."""
    charset = (charset or "").strip().lower()
    tries = ["utf-8", charset] if not charset or charset in _LATIN else [charset, "utf-8"]
    for name in tries:
        if not name:
            continue
        try:
            return payload.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return payload.decode("cp1252", errors="replace")


def bodies(message: Message) -> Bodies:
    """The first text/plain and text/html parts that are not attachments (attached messages are not entered)."""
    plain: str | None = None
    html: str | None = None
    for part in _parts(message):
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html") or _is_attachment(part):
            continue
        if (kind == "text/plain" and plain is not None) or (kind == "text/html" and html is not None):
            continue
        text = _part_text(part)
        if kind == "text/plain":
            plain = text
        else:
            html = text
    return Bodies(plain=_clean(plain or ""), html=html or "")


def attached_messages(message: Message) -> list[Message]:
    """Messages attached whole (message/rfc822): how some mail programs forward."""
    found = []
    for part in _parts(message):
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                found.append(payload[0])
    return found


def _parts(message: Message) -> list[Message]:
    """The leaves and attached messages of a message, without entering the attached messages."""
    if message.get_content_type() == "message/rfc822" or not message.is_multipart():
        return [message]
    found: list[Message] = []
    for part in message.get_payload():
        if isinstance(part, Message):
            found.extend(_parts(part) if part.get_content_type() != "message/rfc822" else [part])
    return found


def _is_attachment(part: Message) -> bool:
    return (part.get("Content-Disposition") or "").strip().lower().startswith("attachment")


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload()).encode("utf-8", "surrogateescape")
    return decode_bytes(payload, part.get_content_charset())


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").strip()
