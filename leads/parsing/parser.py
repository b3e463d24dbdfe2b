"""parse_email: raw bytes in, a ParsedEmail out; no database, no network, nothing written."""

from __future__ import annotations

import dataclasses
import datetime
from email.message import Message
from zoneinfo import ZoneInfo

from leads.parsing import mime
from leads.parsing.classify import classify
from leads.parsing.envelope import Envelope
from leads.parsing.extract import extract
from leads.parsing.result import ParsedEmail

_LOCAL = ZoneInfo("Europe/Copenhagen")
_CONTACT_FIELDS = ("customer_name", "customer_email", "customer_phone")


def parse_email(raw: bytes) -> ParsedEmail:
    """Read one RFC 822 message: lead or not (with the reason), its source and the customer's details.

    Raises NotAnEmail when the bytes are not an email at all.
    """
    message = mime.read_message(raw)
    envelope = Envelope.of(message)
    metadata = _metadata(message, envelope)
    verdict = classify(envelope)
    if not verdict.is_lead or verdict.source is None:
        return ParsedEmail(is_lead=False, skip_reason=verdict.reason, source=verdict.source, **metadata)
    received = metadata["received_at"]
    today = (received or datetime.datetime.now(tz=datetime.UTC)).astimezone(_LOCAL).date()
    lead = extract(verdict.envelope, verdict.source, today=today)
    found = {field.name: getattr(lead, field.name) for field in dataclasses.fields(lead) if field.name != "labelled"}
    if not any(found[name] for name in _CONTACT_FIELDS):
        reason = "no customer: the email gives no name, email address or phone number"
        return ParsedEmail(is_lead=False, skip_reason=reason, source=verdict.source, **metadata)
    return ParsedEmail(
        is_lead=True,
        skip_reason=None,
        source=verdict.source,
        labelled=frozenset(lead.labelled),
        **found,
        **metadata,
    )


def _metadata(message: Message, envelope: Envelope) -> dict[str, object]:
    own_id = "".join(str(message.get("Message-ID") or "").split()) or None
    references = mime.message_ids(message.get("References"))
    in_reply_to = mime.message_ids(message.get("In-Reply-To"))
    return {
        "message_id": own_id,
        "thread_key": (references or in_reply_to or [own_id])[0],
        "in_reply_to": in_reply_to[0] if in_reply_to else None,
        "subject": envelope.subject,
        "sender": envelope.sender,
        "reply_to": envelope.reply_to,
        "received_at": mime.received_at(message),
        "text_body": envelope.text,
    }
