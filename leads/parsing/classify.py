"""Lead or not, and from which source: replies, forwards, Rendetalje's own mail and the portals' business mail.

A reason for skipping is a short code and a human sentence, `"reply: the subject starts with Re:"`, so the
ingest can record it and staff can read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from leads.parsing import sources
from leads.parsing.envelope import Envelope

# Prefixes mail programs put before a subject: replies (Re, SV, AW, Antw) and forwards (Fwd, Fw, VS, WG).
_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(re|sv|aw|antw|odp|fwd?|vs|wg|tr|videresend)\s*(?:\[\d+\]|\(\d+\))?\s*:", re.I
)
_FORWARDS = frozenset({"fwd", "fw", "vs", "wg", "tr", "videresend"})
_BUSINESS_MAIL = (
    (re.compile(r"\bfaktura|\binvoice|\bkvittering|\breceipt|\bbetaling|\bpayment|\bregning\b|\bkreditnota", re.I),
     "an invoice or payment"),
    (re.compile(r"\bkontrakt|\bcontract|\baftale\b|\bvilkår|\bterms\b|\bopsigelse|\babonnement", re.I), "a contract"),
    (re.compile(r"\bpåmind|\breminder|\bpurring|\brykker|\bpåminnelse", re.I), "a reminder"),
    (re.compile(r"\bnyhedsbrev|\bnyhetsbrev|\bnewsletter|\bnyheder\b|\bnyheter\b|\bwebinar|\bkampagne", re.I),
     "a newsletter"),
    (re.compile(r"\bsikkerhed|\bsikkerhet|\bsecurity|\badgangskode|\bpassword|\bpassord|\blog ?in|\blog ind"
                r"|\bverific|\bbekræft din|\bkonto\b|\baccount\b|\btofaktor|\b2fa\b", re.I), "a security alert"),
)  # fmt: skip
_CONTACT_KEYS = ("name", "contact_person", "email", "phone")
_MAX_FORWARD_DEPTH = 3


@dataclass(frozen=True)
class Verdict:
    """Whether a message is a lead, why not, its source, and the envelope the lead is read from."""

    is_lead: bool
    reason: str | None
    source: str | None
    envelope: Envelope


def classify(envelope: Envelope, *, depth: int = 0) -> Verdict:
    prefix = _PREFIX.match(envelope.subject)
    kind = prefix.group(1).lower() if prefix else None
    if kind in _FORWARDS:
        return _forward(envelope, depth)
    if prefix is not None:
        return _skip(f"reply: the subject starts with {prefix.group(1)}:", None, envelope)
    if sources.is_own(envelope.sender):
        if sources.OWN_FORM_SUBJECT_START.match(envelope.subject):
            return Verdict(True, None, sources.BOOKING_FORM, envelope)
        if depth == 0 and envelope.forwarded() is not None:
            return _forward(envelope, depth)  # staff forwarded a lead and edited the subject
        if _is_own_form(envelope):
            return Verdict(True, None, sources.BOOKING_FORM, envelope)
        return _skip("own mail: sent by Rendetalje (an auto-reply or a staff email), not by a customer", None, envelope)
    source = sources.source_of_sender(envelope.sender)
    if source is None and depth > 0:
        source = _source_of_copy(envelope)  # a forward's header block may give no address
    if source is None:
        return _skip(f"not a lead source: mail from {envelope.sender or 'an unknown sender'}", None, envelope)
    for pattern, what in _BUSINESS_MAIL:
        if pattern.search(envelope.subject):
            return _skip(f"portal mail: {what} from the portal, not a lead", source, envelope)
    if _lead_subject(envelope.subject) or _has_contact(envelope):
        return Verdict(True, None, source, envelope)
    return _skip("portal mail: no customer details in it", source, envelope)


def _forward(envelope: Envelope, depth: int) -> Verdict:
    original = envelope.forwarded()
    if original is None:
        return _skip("forward: no forwarded message in it", None, envelope)
    if depth >= _MAX_FORWARD_DEPTH:
        return _skip("forward: forwarded too many times to read", None, envelope)
    inner = classify(original, depth=depth + 1)
    if inner.is_lead:
        return inner
    return _skip(f"forward: the forwarded message is not a lead ({inner.reason})", inner.source, envelope)


def _skip(reason: str, source: str | None, envelope: Envelope) -> Verdict:
    return Verdict(False, reason, source, envelope)


def _is_own_form(envelope: Envelope) -> bool:
    """The website form under another subject: Rendetalje to itself, the customer in Reply-To and in the body."""
    to_itself = any(sources.is_own(address) for address in envelope.to)
    customer_reply_to = envelope.reply_to is not None and not sources.is_system_address(envelope.reply_to)
    return to_itself and customer_reply_to and _has_contact(envelope)


def _lead_subject(subject: str) -> bool:
    return bool(sources.LEADMAIL_SUBJECT.match(subject) or sources.LEADPOINT_SUBJECT.match(subject))


def _source_of_copy(envelope: Envelope) -> str | None:
    if sources.LEADMAIL_SUBJECT.match(envelope.subject):
        return sources.LEADMAIL
    if sources.LEADPOINT_SUBJECT.match(envelope.subject):
        return sources.LEADPOINT
    return sources.source_in_text(f"{envelope.sender_name}\n{envelope.text}")


def _has_contact(envelope: Envelope) -> bool:
    return any(envelope.labels.get(key) for key in _CONTACT_KEYS)
