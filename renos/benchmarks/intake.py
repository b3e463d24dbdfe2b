"""Intake figures: parsing lead emails (CPU only) and ingesting them into leads, customers and conversations."""

from __future__ import annotations

import statistics
import time
from email.message import EmailMessage
from email.utils import format_datetime

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from leads.models import Lead
from leads.parsing import parse_email
from messaging.ingest import email_ingest
from messaging.models import Conversation, SmsMessage
from renos.benchmarks.core import Figure, per_second

FIRST_NAMES = ("Mette", "Peter", "Lars", "Sofie", "Jonas", "Anne", "Mads", "Ida", "Søren", "Karen")
LAST_NAMES = ("Jørgensen", "Sørensen", "Holm", "Berg", "Friis", "Nielsen", "Hansen", "Østergaard")
MESSAGE_ID_PREFIX = "<bench-"
SERVICES = ("Fast rengøringshjælp", "Hovedrengøring", "Flytterengøring", "Vinduespudsning", "Erhvervsrengøring")


def lead_email(number: int, *, html: bool) -> bytes:
    """A portal lead as the inbox receives it, different for every number (so none is a duplicate)."""
    name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {LAST_NAMES[number % len(LAST_NAMES)]}"
    email = f"kunde{number}@example.dk"
    phone = f"26 {number // 10000 % 100:02d} {number // 100 % 100:02d} {number % 100:02d}"
    service = SERVICES[number % len(SERVICES)]
    area = 40 + number % 160
    mail = EmailMessage()
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = message_id(number)
    mail["To"] = "info@rendetalje.dk"
    if html:
        mail["From"] = "Rengøring.nu <kontakt@leadmail.no>"
        mail["Subject"] = f"{name} fra Rengøring.nu - Nettbureau AS"
        rows = [
            ("Type kontakt", "Privat"),
            ("Behov", service),
            ("Hvor stort er området?", f"{area} m²"),
            ("Navn", name),
            ("E-mail", email),
            ("Telefon", phone),
            ("Adresse", "Søvej 12, 8240 Risskov"),
        ]
        table = "".join(f"<tr><td><b>{label}</b></td><td>{value}</td></tr>" for label, value in rows)
        mail.set_content(f"<html><body><h2>Nyt lead</h2><table>{table}</table></body></html>", subtype="html")
    else:
        mail["From"] = f"{name} <system@leadpoint.dk>"
        mail["Subject"] = "Formular via Rengøring Aarhus"
        mail.set_content(
            f"Navn: {name}\nTelefon: {phone}\nE-mail: {email}\nAdresse: Vestergade {number % 90 + 1}\n"
            f"Postnr./By: 8000 Aarhus C\nOpgave: {service}\nBesked: Ca. {area} m2, gerne snarest.\n"
        )
    return mail.as_bytes()


def message_id(number: int) -> str:
    return f"{MESSAGE_ID_PREFIX}{number}@mail.example>"


def bench_parse(count: int = 2000) -> Figure:
    emails = [lead_email(number, html=number % 2 == 0) for number in range(count)]

    def work() -> None:
        for raw in emails:
            parse_email(raw)

    return Figure("Parse lead emails", per_second(count, work), "emails/s", 500)


INGEST_WARM_UP = 20
INGEST_ROUNDS = 5


def bench_ingest(count: int = 400) -> Figure:
    """Lead, customer, conversation, inbound email and activity per email, each in its own transaction.

    The first emails (not timed) open the connection and fill the per-process caches (service catalogue, content
    types), as a running worker has long done. The rest go in five rounds, and the figure is the median round: a
    few seconds of a busy neighbour on a shared machine then move one round, not the figure.
    """
    for number in range(INGEST_WARM_UP):
        email_ingest(raw=lead_email(2_000_000 + number, html=number % 2 == 0))
    per_round = max(count // INGEST_ROUNDS, 1)
    rates = []
    for round_number in range(INGEST_ROUNDS):
        first = 1_000_000 + round_number * per_round
        emails = [lead_email(number, html=number % 2 == 0) for number in range(first, first + per_round)]
        started = time.perf_counter()
        for raw in emails:
            email_ingest(raw=raw)
        rates.append(per_round / (time.perf_counter() - started))
    remove_bench_leads()
    spread = f"rounds of {per_round} emails: " + ", ".join(f"{rate:.0f}" for rate in rates) + " emails/s"
    return Figure(
        "Ingest lead emails (PostgreSQL, local adapters)", statistics.median(rates), "emails/s", 100, note=spread
    )


@transaction.atomic
def remove_bench_leads() -> None:
    """The leads made from benchmark emails, with their customers, conversations and SMS."""
    leads = Lead.objects.filter(source_message_id__startswith=MESSAGE_ID_PREFIX)
    customer_ids = list(Customer.objects.filter(leads__in=leads).values_list("pk", flat=True))
    # The conversations (with their emails) too: a recorded inbound email would make the next run's emails "already".
    Conversation.objects.filter(lead__in=leads).delete()
    SmsMessage.objects.filter(lead__in=leads).delete()
    leads.delete()
    Customer.objects.filter(pk__in=customer_ids).delete()
