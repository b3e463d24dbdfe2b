"""Lead emails from Rengøring.nu (Leadmail), one customer each, for the inbox the worker reads."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

ROW = '<tr><td style="font-weight:bold">{}</td><td>{}</td></tr>'


def lead_email(number: int, *, with_address: bool = True) -> bytes:
    """A Leadmail lead from customer `number`; without an address the rules leave a gap the AI is asked about."""
    rows = [
        ROW.format("Behov", "Fast rengøringshjælp"),
        ROW.format("Hvor stort er området?", "110 m²"),
        ROW.format("Navn", f"Kunde Nummer{number}"),
        ROW.format("E-mail", f"kunde{number}@example.dk"),
        ROW.format("Telefon", f"20 {10 + number:02d} 22 33"),
    ]
    if with_address:
        rows.append(ROW.format("Adresse", f"Søvej {number}, 8240 Risskov"))
    message = EmailMessage()
    message["From"] = "Rengøring.nu <kontakt@leadmail.no>"
    message["To"] = "info@rendetalje.dk"
    message["Subject"] = f"Kunde Nummer{number} fra Rengøring.nu - Nettbureau AS"
    message["Date"] = "Mon, 16 Nov 2026 10:00:00 +0000"
    message["Message-ID"] = f"<resilience-{number}@mail.example>"
    message.set_content(f"<html><body><table>{''.join(rows)}</table></body></html>", subtype="html")
    return message.as_bytes()


def drop_emails(inbox: Path, numbers: range, **options: bool) -> None:
    for number in numbers:
        (inbox / f"lead-{number:03d}.eml").write_bytes(lead_email(number, **options))
