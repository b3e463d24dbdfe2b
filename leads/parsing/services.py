"""Which service of the catalogue a lead asks for, from whatever words the customer or the portal used."""

from __future__ import annotations

import re

CODES = ("fast", "hoved", "flytte", "erhverv", "vinduer", "haandvaerker", "andet")
OTHER = "andet"

# Names of a service: the earliest one in the text decides ("Flytterengøring inkl. vinduer" is a move-out).
_NAMED = (
    (r"håndværker|haandvaerker|bygge ?rengøring|byggerengøring|after (?:builders|construction)|post[- ]construction"
     r"|renovering|renovation", "haandvaerker"),
    (r"flyt|move[- ]?out|moving|end of (?:tenancy|lease)|fraflyt", "flytte"),
    (r"hovedrengøring|\bhoved\b|deep[- ]?clean|spring[- ]?clean|grundig rengøring", "hoved"),
    (r"erhverv|kontor|office|business clean|commercial", "erhverv"),
    (r"vindue|window|pudsning", "vinduer"),
    (r"fast rengøring|fastrengøring|\bfast\b|ugentlig|hver (?:uge|anden uge|14|\d+\. uge)|løbende|regelmæssig"
     r"|abonnement|regular|weekly|bi-?weekly|recurring|rengøringshjælp|hjemmehjælp", "fast"),
    (r"^(?:andet|anden|other|øvrige?)\b", OTHER),
)  # fmt: skip
_PATTERNS = tuple((re.compile(pattern, re.IGNORECASE), code) for pattern, code in _NAMED)
_BUSINESS = re.compile(r"erhverv|firma|virksomhed|business|company|kontor|office", re.IGNORECASE)


def service_code(text: str | None, *, fallback: str | None = OTHER) -> str | None:
    """The catalogue code for a service as written (`Fast rengøringshjælp` → `fast`); `fallback` when none fits."""
    if not text:
        return None
    normal = text.strip().lower()
    if normal in CODES:
        return normal
    found = [
        (match.start(), rank, code)
        for rank, (pattern, code) in enumerate(_PATTERNS)
        if (match := pattern.search(normal))
    ]
    return min(found)[2] if found else fallback


def for_business(code: str | None, contact_type: str | None) -> str | None:
    """A business customer's regular or unnamed cleaning is business cleaning (erhverv)."""
    if contact_type and _BUSINESS.search(contact_type) and code in (None, "fast", OTHER):
        return "erhverv"
    return code
