"""`Label: value` lines read by meaning: the label's keywords say which field it fills, not one template's wording.

Lines come from plain-text bodies or from HTML tables (html_text.py writes each row as `label: value`). A
label alone on its line (`Beskrivelse:`) takes the lines under it; a value runs on over following lines
until a blank line, a new label or a signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from leads.parsing.fields import clean

DETAIL = "detail"  # a label we do not map to a field (Boligtype, Frekvens, the portal's questions): kept for notes
IGNORED = "ignored"  # the portal's or the mail's own data (Modtaget, Domæne, Tidspunkt, CVR ...)

# First match wins, so the specific come before the general ("Firma e-mail" is an email, "Firmanavn" a company).
_RULES: tuple[tuple[str, str], ...] = (
    (
        r"^(?:modtaget|received|oprettet|created|dato for henvendelse|domæne|domain|kilde|source|lead ?id|id|"
        r"tidspunkt|time|tid|varighed|duration|status|url|side|page|link|ip|ip adresse|referrer|from|fra|to|til|"
        r"emne|subject|sendt|sent|cc|bcc|svar til|reply to)$|\bcvr\b|\bordre|\bfaktura|\binvoice|\bsagsn|"
        r"\breference\b|\bbeløb|\bbeløp|\bamount\b|\bforfald|\bforfall|\bdue\b",
        IGNORED,
    ),
    (r"\btype kontakt\b|\bkontakttype\b|\bkundetype\b|\bcustomer type\b|\bprivat (?:eller )?erhverv\b", "contact_type"),
    (r"\be ?mail|\bmail\b|\bemail", "email"),
    (
        r"\btelefon|\btlf\b|\btel\b|\bmobil|\bphone\b|\bmobile\b|\btelephone\b|\bnummer\b|\bnumber\b|"
        r"\bopkald fra\b|\bcaller\b",
        "phone",
    ),
    (r"\bfirma|\bvirksomhed|\bcompany\b|\borgani[sz]ation\b|\bforening\b|\bbusiness name\b", "company"),
    (r"\bkontakt ?person|\bcontact person\b|\bcontact\b", "contact_person"),
    (r"\bfornavn\b|\bfirst name\b|\bgiven name\b", "first_name"),
    (r"\befternavn\b|\blast name\b|\bsurname\b|\bfamily name\b", "last_name"),
    (r"\bpostn|\bpost nr\b|\bzip\b|\bpostal\b|\bpost ?code\b", "postal_town"),
    (r"\bby\b|\bbynavn\b|\bcity\b|\btown\b", "city"),
    (r"adresse|\baddress\b|\bgade\b|\bvej\b|\bstreet\b|\bbopæl\b", "address"),
    (
        r"\bareal|\bstørrelse|\bkvm\b|\bkvadratmeter|\bm2\b|m²|\bsqm\b|\bsize\b|\barea\b|\bsquare|hvor stor|"
        r"\bantal m\b",
        "area",
    ),
    (
        r"\bbehov\b|\bopgave|\btask\b|\bservice|\bydelse|rengøringstype|type (?:af )?rengøring|type of cleaning|"
        r"\bhvad skal|hvilken (?:type )?rengøring|\bhvad ønsker|\bjob\b",
        "service",
    ),
    (
        r"\bdato\b|\bdate\b|\bhvornår\b|\bstart ?dato|\bflyttedato|\bønsket tidspunkt\b|\bwhen\b|\bopstart\b|"
        r"\bønskes udført\b",
        "date",
    ),
    (
        r"\bbesked\b|\bbeskrivelse\b|\bkommentar|\bbemærkning|\bmessage\b|\bcomments?\b|\bdescription\b|\bnote|"
        r"\byderligere|\bsupplerende|\buddybning|\bandet\b|\bøvrigt|\bdetaljer\b|\bdetails\b|\bhenvendelse\b",
        "notes",
    ),
    (r"navn\b|\bname\b|\bkunde\b|\bcustomer\b", "name"),
)
_COMPILED = tuple((re.compile(pattern), key) for pattern, key in _RULES)
_NOT_LABEL_CHARS = re.compile(r"[^\w²]+")
_LABEL_SPLIT = re.compile(r"^\s*(?:[•*·]\s*|-\s+)?([^:]{1,60}?)\s*:(?:\s+|$)(.*)$")
_LETTER = re.compile(r"[^\W\d_]")
_SIGNATURE = re.compile(
    r"^(?:med\s+)?venlig\s+hilsen\b|^mvh\b|^(?:best|kind)\s+regards\b|^--\s*$|^leadpoint\.dk\b|^nettbureau\b|"
    r"^sendt\s+fra\s+min\b|^sent\s+from\s+my\b",
    re.IGNORECASE,
)


@dataclass
class Entry:
    """One labelled value, its field key (or DETAIL / IGNORED) and the label as written."""

    key: str
    label: str
    value: str
    open_ended: bool = True  # whether lines after it may continue the value


def key_of(label: str) -> str:
    normal = _NOT_LABEL_CHARS.sub(" ", label.lower()).strip()
    for pattern, key in _COMPILED:
        if pattern.search(normal):
            return key
    return DETAIL


def _split(line: str) -> tuple[str, str] | None:
    match = _LABEL_SPLIT.match(line)
    if not match:
        return None
    label = match.group(1).strip()
    if len(label.split()) > 8 or "@" in label or "http" in label.lower() or "<" in label or not _LETTER.search(label):
        return None
    return label, match.group(2).strip()


def read_entries(text: str) -> list[Entry]:
    """Every `label: value` in a body, in order; quoted reply lines (`> ...`) are not read."""
    entries: list[Entry] = []
    current: Entry | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if current is not None and current.value:
                current = None
            continue
        if line.startswith(">") or _SIGNATURE.match(line):
            current = None
            continue
        split = _split(line)
        alone = _label_alone(line) if split is None and (current is None or current.value) else None
        if split is not None:
            label, value = split
            current = Entry(key_of(label), label, value)
            entries.append(current)
        elif alone is not None:
            current = Entry(alone, line, "")  # `Telefon` / `20 11 22 33` in two rows: the next line is its value
            entries.append(current)
        elif current is not None and current.open_ended:
            current.value = f"{current.value}\n{line}" if current.value else line
            if current.key not in ("notes", DETAIL, IGNORED) and current.value == line:
                current.open_ended = False  # a label alone on its line takes one value line
    return entries


def _label_alone(line: str) -> str | None:
    """The field of a line that is nothing but a known label (`Telefon`, `E-mail`), else None."""
    if len(line) > 40 or len(line.split()) > 4:
        return None
    key = key_of(line)
    return None if key in (DETAIL, IGNORED) else key


class Labels:
    """The entries of one body, looked up by field key."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.values: dict[str, str] = {}
        for entry in entries:
            value = clean(entry.value)
            if value is not None and entry.key not in self.values:
                self.values[entry.key] = value

    @classmethod
    def read(cls, text: str) -> Labels:
        return cls(read_entries(text))

    @classmethod
    def merge(cls, readings: list[Labels]) -> Labels:
        """The first reading, its missing fields filled from the later ones (the same email's plain and HTML)."""
        if len(readings) == 1:
            return readings[0]
        entries: list[Entry] = []
        filled: set[str] = set()
        for labels in readings:
            entries.extend(entry for entry in labels.entries if entry.key not in filled)
            filled.update(labels.values)
        return cls(entries)

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def all(self, key: str) -> list[tuple[str, str]]:
        """(label, cleaned value) of every non-empty entry with this key."""
        found = ((entry.label, clean(entry.value)) for entry in self.entries if entry.key == key)
        return [(label, value) for label, value in found if value is not None]

    @property
    def field_count(self) -> int:
        return sum(1 for key in self.values if key not in (DETAIL, IGNORED))
