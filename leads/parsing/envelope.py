"""The part of a message the rules look at (sender, subject, Reply-To, bodies), for a whole email or a forwarded one.

A forward carries its original either attached whole (message/rfc822) or inline, under a marker like
"---------- Forwarded message ---------" and a small header block (From/Fra, Subject/Emne ...). Both become
an Envelope, so a forwarded lead is read exactly as if it had arrived itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import parseaddr
from functools import cached_property

from leads.parsing import mime
from leads.parsing.html_text import html_to_text
from leads.parsing.labels import Labels

_FORWARD_MARKER = re.compile(
    r"^[ \t>]*(?:-{2,}\s*(?:forwarded message|videresendt (?:besked|meddelelse|e-?mail)|original message|"
    r"oprindelig (?:meddelelse|besked)|videresendt)\s*-*|(?:begin forwarded message|start på videresendt besked|"
    r"videresendt besked|forwarded message)\s*:|_{10,})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINE = re.compile(
    r"^[ \t>]*(from|fra|date|dato|sendt|sent|subject|emne|to|til|cc|reply-to|svar til)\s*:\s*(.*)$", re.IGNORECASE
)
_HEADER_NAMES = {
    "from": "from", "fra": "from", "subject": "subject", "emne": "subject", "to": "to", "til": "to",
    "reply-to": "reply_to", "svar til": "reply_to",
}  # fmt: skip
_STUB = 80  # a plain part shorter than this beside an HTML part is a "view this in HTML" stub
_ENOUGH_FIELDS = 4  # a plain part with this many labelled fields is read alone, the HTML left unconverted
_QUOTE = re.compile(r"^[ \t]*> ?", re.MULTILINE)


@dataclass(frozen=True)
class Envelope:
    """Who sent a message, its subject and Reply-To, and its readable bodies (plain text and HTML)."""

    sender_name: str
    sender: str
    subject: str
    to: tuple[str, ...]
    reply_to: str | None
    plain: str
    html_markup: str = ""  # converted to text only when someone reads `html`
    html_text: str = ""  # HTML already as text (a forward quoted inside an HTML body)
    attached: tuple[Message, ...] = ()

    @classmethod
    def of(cls, message: Message) -> Envelope:
        sender_name, sender = mime.address(message, "From")
        bodies = mime.bodies(message)
        return cls(
            sender_name=sender_name,
            sender=sender,
            subject=mime.header_text(message, "Subject"),
            to=mime.addresses(message, "To"),
            reply_to=mime.address(message, "Reply-To")[1] or None,
            plain=bodies.plain,
            html_markup=bodies.html,
            attached=tuple(mime.attached_messages(message)),
        )

    @cached_property
    def html(self) -> str:
        return html_to_text(self.html_markup) if self.html_markup else self.html_text

    @property
    def text(self) -> str:
        """The readable body: the plain part, unless it is missing or a short stub beside an HTML part."""
        if self.plain and (len(self.plain) >= _STUB or not (self.html_markup or self.html_text)):
            return self.plain
        return self.html or self.plain

    @cached_property
    def labels(self) -> Labels:
        """The labelled values of the body, the plain part's gaps filled from the HTML when it has few."""
        plain = Labels.read(self.plain) if self.plain else None
        if plain is not None and plain.field_count >= _ENOUGH_FIELDS:
            return plain
        html = Labels.read(self.html) if self.html else None
        readings = [labels for labels in (plain, html) if labels is not None]
        readings.sort(key=lambda labels: -labels.field_count)  # stable: the plain part wins a tie
        return Labels.merge(readings)

    def forwarded(self) -> Envelope | None:
        """The original of a forward: an attached message, else the one quoted inline; None when there is none."""
        if self.attached:
            return Envelope.of(self.attached[0])
        found = _inline_original(self.plain) or _inline_original(self.html)
        if found is None:
            return None
        headers, body = found
        sender_name, sender = parseaddr(headers.get("from", ""))
        return Envelope(
            sender_name=sender_name.strip('"').strip(),
            sender=sender.lower(),
            subject=headers.get("subject", ""),
            to=tuple(addr.lower() for addr in (parseaddr(headers.get("to", ""))[1],) if addr),
            reply_to=parseaddr(headers.get("reply_to", ""))[1].lower() or None,
            plain=body,
        )


def _inline_original(text: str) -> tuple[dict[str, str], str] | None:
    """(headers, body) of the first message quoted under a forward marker in `text`."""
    marker = _FORWARD_MARKER.search(text) if text else None
    if marker is None:
        return None
    lines = text[marker.end() :].lstrip("\n").split("\n")
    headers: dict[str, str] = {}
    index = 0
    while index < len(lines):
        match = _HEADER_LINE.match(lines[index])
        if match is None:
            if headers or lines[index].strip():
                break
        else:
            key = _HEADER_NAMES.get(match.group(1).lower(), match.group(1).lower())
            headers.setdefault(key, match.group(2).strip())
        index += 1
    if "from" not in headers and "subject" not in headers:
        return None
    body = "\n".join(lines[index:]).strip("\n")
    quoted = [line for line in body.split("\n") if line.strip()]
    if quoted and all(line.lstrip().startswith(">") for line in quoted):
        body = _QUOTE.sub("", body)  # clients that quote a forward with "> "
    return headers, body.strip()
