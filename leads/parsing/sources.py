"""Who sends lead email, how each source's subject reads, and which addresses are never a customer's."""

from __future__ import annotations

import re

LEADPOINT = "leadpoint"
LEADMAIL = "leadmail"
BOOKING_FORM = "booking_form"

# Sender domains of each source; the own form is sent by Rendetalje to itself.
_SOURCE_DOMAINS = {
    "leadmail.no": LEADMAIL,
    "nettbureau.no": LEADMAIL,
    "nettbureau.dk": LEADMAIL,
    "leadpoint.dk": LEADPOINT,
}
OWN_DOMAIN = "rendetalje.dk"
# Addresses that are a portal, Rendetalje or a machine: never the customer's.
_SYSTEM_DOMAINS = (*_SOURCE_DOMAINS, OWN_DOMAIN, "rengoring.nu", "xn--rengring-d8a.nu")
_SYSTEM_LOCAL = re.compile(
    r"^(?:no-?reply|do-?not-?reply|donotreply|mailer-daemon|postmaster|bounces?|notifications?|autoreply)(?:[+.\-_].*)?$"
)

# Where a forwarded or mis-addressed copy still names its source in the body.
_BODY_MARKERS = (
    (re.compile(r"leadmail\.no|nettbureau|rengøring\.nu", re.IGNORECASE), LEADMAIL),
    (re.compile(r"leadpoint\.dk|via rengøring aarhus", re.IGNORECASE), LEADPOINT),
)

LEADMAIL_SUBJECT = re.compile(r"^\s*(?P<name>.*?)\s+fra\s+Rengøring\.nu\b", re.IGNORECASE)
LEADPOINT_SUBJECT = re.compile(r"^\s*(?P<kind>formular|opkald|e-?mail|sms|besked|chat)\s+via\b", re.IGNORECASE)
OWN_FORM_SUBJECT = re.compile(
    r"^\s*ny\s+(?:forespørgsel|henvendelse|booking(?:forespørgsel)?)\s*:\s*(?P<type>.*?)\s+[-–—]\s+(?P<name>[^-–—]+?)\s*$",
    re.IGNORECASE,
)
OWN_FORM_SUBJECT_START = re.compile(r"^\s*ny\s+(?:forespørgsel|henvendelse|booking)", re.IGNORECASE)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _in_domain(address: str, domains: tuple[str, ...] | dict[str, str]) -> str | None:
    domain = domain_of(address)
    for candidate in domains:
        if domain == candidate or domain.endswith("." + candidate):
            return candidate
    return None


def source_of_sender(address: str) -> str | None:
    """leadmail or leadpoint for a portal's sender address; None for anyone else (Rendetalje included)."""
    matched = _in_domain(address, _SOURCE_DOMAINS)
    return _SOURCE_DOMAINS[matched] if matched else None


def is_own(address: str) -> bool:
    """Rendetalje's own mailboxes (info@, staff): the form's sender and every reply staff write."""
    return _in_domain(address, (OWN_DOMAIN,)) is not None


def source_in_text(text: str) -> str | None:
    """The source a body names, for copies whose sender is no longer the portal."""
    for pattern, source in _BODY_MARKERS:
        if pattern.search(text):
            return source
    return None


def is_system_address(address: str) -> bool:
    """A portal's, Rendetalje's or a machine's address (noreply, mailer-daemon ...): never the customer's."""
    address = address.lower()
    local = address.partition("@")[0]
    return (
        _in_domain(address, _SYSTEM_DOMAINS) is not None
        or "nettbureau" in domain_of(address)
        or bool(_SYSTEM_LOCAL.match(local))
    )
