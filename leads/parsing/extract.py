"""A lead's fields from its labels first, then from the subject, the sender's name and the free text.

Whatever comes from a label is recorded in `labelled`, so later steps (the AI) never override it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from leads.parsing import fields, sources
from leads.parsing.envelope import Envelope
from leads.parsing.labels import DETAIL, Labels
from leads.parsing.services import for_business, service_code

_BRAND = re.compile(r"rengøring|rengoring|leadpoint|leadmail|nettbureau|rendetalje|system|no-?reply", re.IGNORECASE)


@dataclass
class Lead:
    """The customer and the job as one email describes them; None where it says nothing."""

    customer_name: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    service_type: str | None = None
    area_m2: int | None = None
    company: str | None = None
    preferred_date: datetime.date | None = None
    notes: str | None = None
    labelled: set[str] = field(default_factory=set)

    def set(self, name: str, value: object, *, labelled: bool) -> None:
        """Fill a field once; the first source to give a value wins."""
        if value is None or getattr(self, name) is not None:
            return
        setattr(self, name, value)
        if labelled:
            self.labelled.add(name)


def extract(envelope: Envelope, source: str, *, today: datetime.date) -> Lead:
    labels = envelope.labels
    lead = Lead()
    free_text = "\n".join(value for _, value in labels.all("notes"))
    if not labels.field_count:
        free_text = envelope.text  # no labels at all: the whole body is the customer's own words
    _people(lead, labels, envelope, source)
    _contact(lead, labels, envelope, source, free_text)
    _place(lead, labels)
    _job(lead, labels, envelope, source, free_text, today)
    return lead


def _people(lead: Lead, labels: Labels, envelope: Envelope, source: str) -> None:
    person = fields.name(labels.get("contact_person"))
    named = labels.get("name")
    company = labels.get("company")
    lead.set("company", company[:255] if company else None, labelled=True)
    if person:
        # A business lead: the customer is the contact person, and a separate "Navn" is then the company's.
        lead.set("customer_name", person, labelled=True)
        if named and named != person:
            lead.set("company", named[:255], labelled=True)
    joined = " ".join(part for part in (labels.get("first_name"), labels.get("last_name")) if part)
    lead.set("customer_name", fields.name(named) or fields.name(joined), labelled=True)
    lead.set("customer_name", _name_from_headers(envelope, source), labelled=False)


def _name_from_headers(envelope: Envelope, source: str) -> str | None:
    if source == sources.LEADMAIL:
        match = sources.LEADMAIL_SUBJECT.match(envelope.subject)
        return fields.name(match.group("name")) if match else None
    if source == sources.BOOKING_FORM:
        match = sources.OWN_FORM_SUBJECT.match(envelope.subject)
        return fields.name(match.group("name")) if match else None
    if envelope.sender_name and not _BRAND.search(envelope.sender_name):
        return fields.name(envelope.sender_name)  # Leadpoint puts the customer's name on its sender, mostly
    return None


def _contact(lead: Lead, labels: Labels, envelope: Envelope, source: str, free_text: str) -> None:
    reply_to = fields.email(envelope.reply_to)
    if source == sources.BOOKING_FORM:
        lead.set("customer_email", reply_to, labelled=True)  # the form sets Reply-To to the customer
    lead.set("customer_email", fields.email(labels.get("email")), labelled=True)
    lead.set("customer_email", reply_to, labelled=False)
    lead.set("customer_email", fields.email(free_text), labelled=False)
    lead.set("customer_email", fields.email(envelope.text), labelled=False)  # system addresses are skipped
    lead.set("customer_phone", fields.phone(labels.get("phone")), labelled=True)
    lead.set("customer_phone", fields.phone(free_text), labelled=False)


def _place(lead: Lead, labels: Labels) -> None:
    street, postal, town = fields.split_address(labels.get("address"))
    label_postal, label_town = fields.postal_town(labels.get("postal_town"))
    lead.set("address", street, labelled=True)
    lead.set("postal_code", label_postal or postal, labelled=True)
    lead.set("city", fields.town(labels.get("city")) or label_town or town, labelled=True)


def _job(lead: Lead, labels: Labels, envelope: Envelope, source: str, free_text: str, today: datetime.date) -> None:
    service_text = labels.get("service")
    code = service_code(service_text)
    labelled_service = code is not None
    if code is None and source == sources.BOOKING_FORM:
        match = sources.OWN_FORM_SUBJECT.match(envelope.subject)
        code = service_code(match.group("type")) if match else None
    if code is None:
        code = service_code(free_text, fallback=None)
    lead.set("service_type", for_business(code, labels.get("contact_type")), labelled=labelled_service)

    lead.set("area_m2", fields.area(labels.get("area"), bare_number=True), labelled=True)
    details = labels.all(DETAIL)
    for text in (service_text, free_text, *(value for _, value in details)):
        lead.set("area_m2", fields.area(text, bare_number=False), labelled=False)

    lead.set("preferred_date", fields.preferred_date(labels.get("date"), today=today), labelled=True)

    message = "\n\n".join(value for _, value in labels.all("notes"))
    extra = "\n".join(f"{label}: {value}" for label, value in details)
    lead.set("notes", "\n\n".join(part for part in (message, extra) if part) or None, labelled=bool(message))
