"""The printed invoice, in Danish: an HTML page for the browser's print (A4) and the same content as a PDF (fpdf2).

What a Danish invoice must show (momsbekendtgørelsen § 58): the issue date, a sequential number, the seller's
CVR number, name and address, the buyer's name and address, what was delivered and when, quantities and unit
prices, the VAT rate and the VAT amount, and the total.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from fpdf import FPDF

from invoicing.models import Invoice
from messaging.templatetags.renos_format import dkk, timer

logger = logging.getLogger(__name__)

# DejaVu Sans (Debian's fonts-dejavu-core, installed by the Dockerfile, make test and CI) covers the Latin, Greek and
# Cyrillic alphabets, so "Łukasz Wiśniewski" prints as written. Without it the PDF falls back to fpdf2's built-in
# Helvetica, which knows Latin-1 only (æ, ø and å are in it; other letters print as "?").
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


@dataclass(frozen=True)
class PrintedLine:
    description: str
    quantity: str
    unit: str
    unit_price: str
    amount: str


@dataclass(frozen=True)
class PrintedInvoice:
    """Every text on the printed invoice, formatted the Danish way, so the HTML and the PDF say the same."""

    title: str
    number: str
    is_draft: bool
    issue_date: str
    due_date: str
    delivery_date: str
    seller_name: str
    seller_address: list[str]
    seller_cvr: str
    seller_contact: str
    buyer_name: str
    buyer_address: list[str]
    buyer_email: str
    lines: list[PrintedLine]
    subtotal: str
    vat_rate: str
    vat_amount: str
    total: str
    paid: str
    balance: str
    credits: str
    payment_info: str

    @property
    def filename(self) -> str:
        kind = "kreditnota" if self.credits else "faktura"
        return f"{kind}-{self.number or 'kladde'}.pdf"


def danish_day(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def printed_invoice(invoice: Invoice) -> PrintedInvoice:
    """The invoice as printed. A draft shows today's seller details and says it is a draft, not an invoice."""
    issued = invoice.is_issued
    credits = invoice.credited_invoice.invoice_number if invoice.credited_invoice_id else ""
    if not issued:
        title = "Kladde - ikke en faktura"
    elif credits:
        title = "Kreditnota"
    else:
        title = "Faktura"
    seller_address = invoice.seller_address if issued else settings.RENOS_COMPANY_ADDRESS
    rate = (invoice.vat_rate * 100).normalize()
    return PrintedInvoice(
        title=title,
        number=invoice.invoice_number or "",
        is_draft=not issued,
        issue_date=danish_day(invoice.issue_date),
        due_date=danish_day(invoice.due_date),
        delivery_date=danish_day(invoice.delivery_date),
        seller_name=(invoice.seller_name if issued else "") or settings.RENOS_COMPANY_NAME,
        seller_address=_address_lines(seller_address),
        seller_cvr=(invoice.seller_cvr if issued else settings.RENOS_COMPANY_CVR) or "",
        seller_contact=f"Tlf. {settings.RENOS_COMPANY_PHONE} · {settings.RENOS_COMPANY_EMAIL}",
        buyer_name=invoice.customer_name,
        buyer_address=_address_lines(invoice.customer_address),
        buyer_email=invoice.customer_email,
        lines=[
            PrintedLine(
                description=line.description,
                quantity=timer(line.quantity),
                unit=line.unit,
                unit_price=dkk(line.unit_price),
                amount=dkk(line.amount),
            )
            for line in invoice.billed_lines()
        ],
        subtotal=dkk(invoice.subtotal),
        vat_rate=f"{rate:f}".replace(".", ","),
        vat_amount=dkk(invoice.vat_amount),
        total=dkk(invoice.total_amount),
        paid=dkk(invoice.amount_paid) if invoice.amount_paid else "",
        balance=dkk(invoice.balance) if invoice.amount_paid else "",
        credits=credits,
        payment_info="" if credits else settings.RENOS_PAYMENT_INFO,
    )


def invoice_html(invoice: Invoice) -> str:
    """A page of its own (no admin chrome), with a print stylesheet for A4."""
    return render_to_string("invoicing/invoice_print.html", {"doc": printed_invoice(invoice)})


def invoice_pdf(invoice: Invoice) -> bytes:
    """The same content as a one-or-more-page A4 PDF."""
    doc = printed_invoice(invoice)
    pdf = _InvoicePdf(doc)
    pdf.add_page()
    pdf.header_block()
    pdf.lines_table()
    pdf.totals_block()
    pdf.footer_block()
    return bytes(pdf.output())


class _InvoicePdf(FPDF):
    """The invoice on A4, in DejaVu Sans when it is installed, else in Helvetica (Latin-1 only)."""

    def __init__(self, doc: PrintedInvoice) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.doc = doc
        fonts = unicode_font_files()
        if fonts:
            for style, path in fonts.items():
                self.add_font("DejaVu", style=style, fname=str(path))
        self.typeface, self.printable = ("DejaVu", str) if fonts else ("Helvetica", _latin1)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(self.printable(f"{doc.title} {doc.number}".strip()))
        self.set_author(self.printable(doc.seller_name))

    def use_font(self, *, size: float, style: str = "") -> None:
        self.set_font(self.typeface, style=style, size=size)

    def text_line(self, text: str, *, size: float = 10, style: str = "", align: str = "L", height: float = 5) -> None:
        self.use_font(style=style, size=size)
        self.cell(0, height, self.printable(text), new_x="LMARGIN", new_y="NEXT", align=align)

    def header_block(self) -> None:
        doc = self.doc
        top = self.get_y()
        self.text_line(doc.seller_name, size=14, style="B", height=7)
        for line in doc.seller_address:
            self.text_line(line)
        self.text_line(f"CVR-nr. {doc.seller_cvr}" if doc.seller_cvr else "CVR-nr. mangler")
        self.text_line(doc.seller_contact, size=9)
        left_end = self.get_y()
        self.set_xy(120, top)
        self.use_font(style="B", size=16)
        self.cell(72, 8, self.printable(doc.title), align="R", new_x="LMARGIN", new_y="NEXT")
        facts = [
            ("Nummer", doc.number or "-"),
            ("Fakturadato", doc.issue_date or "-"),
            ("Leveret", doc.delivery_date or "-"),
        ]
        if doc.credits:
            facts.append(("Krediterer faktura nr.", doc.credits))
        elif doc.due_date:
            facts.append(("Forfaldsdato", doc.due_date))
        self.use_font(size=10)
        for label, value in facts:
            self.set_x(120)
            self.cell(40, 5, self.printable(label))
            self.cell(32, 5, self.printable(value), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(left_end, self.get_y()) + 8)
        self.text_line("Kunde", size=9, style="B")
        self.text_line(doc.buyer_name, style="B")
        for line in doc.buyer_address:
            self.text_line(line)
        if doc.buyer_email:
            self.text_line(doc.buyer_email, size=9)
        self.ln(8)

    def lines_table(self) -> None:
        self.use_font(size=9)
        with self.table(
            col_widths=(76, 18, 16, 34, 30),
            text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT"),
            borders_layout="HORIZONTAL_LINES",
            line_height=6,
            width=174,
        ) as table:
            heading = table.row()
            for text in ("Beskrivelse", "Antal", "Enhed", "Pris inkl. moms", "Beløb"):
                heading.cell(self.printable(text))
            for line in self.doc.lines:
                row = table.row()
                for text in (line.description, line.quantity, line.unit, line.unit_price, line.amount):
                    row.cell(self.printable(text))
        self.ln(4)

    def totals_block(self) -> None:
        doc = self.doc
        rows = [
            ("Beløb uden moms", doc.subtotal, ""),
            (f"Moms {doc.vat_rate} %", doc.vat_amount, ""),
            ("I alt inkl. moms", doc.total, "B"),
        ]
        if doc.paid:
            rows += [("Betalt", doc.paid, ""), ("Restbeløb", doc.balance, "B")]
        for label, value, style in rows:
            self.use_font(style=style, size=10)
            self.set_x(110)
            self.cell(52, 6, self.printable(label))
            self.cell(30, 6, self.printable(value), align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(8)

    def footer_block(self) -> None:
        doc = self.doc
        if doc.payment_info:
            self.text_line("Betaling", size=10, style="B")
            self.use_font(size=10)
            due = f"Betales senest {doc.due_date}. " if doc.due_date else ""
            note = f"Angiv fakturanummer {doc.number} ved betaling." if doc.number else ""
            self.multi_cell(0, 5, self.printable(f"{due}{doc.payment_info} {note}".strip()), align="L")
        if doc.is_draft:
            self.ln(4)
            self.text_line("KLADDE: ikke udstedt og ikke gyldig som faktura.", style="B")


def _address_lines(address: str) -> list[str]:
    """'Søvej 12, 8240 Risskov' or several lines → one printed line per part."""
    parts = [part.strip() for chunk in address.splitlines() for part in chunk.split(",")]
    return [part for part in parts if part and part != "-"]


def unicode_font_files() -> dict[str, Path]:
    """The DejaVu Sans files in RENOS_INVOICE_FONT_DIR by style; empty (and a warning, once) when one is missing."""
    return _font_files(settings.RENOS_INVOICE_FONT_DIR)


@cache
def _font_files(folder_name: str) -> dict[str, Path]:
    folder = Path(folder_name)
    files = {style: folder / name for style, name in FONT_FILES.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        logger.warning(
            "invoice PDFs print in Helvetica, Latin-1 only: %s not found (install fonts-dejavu-core or set "
            "RENOS_INVOICE_FONT_DIR)",
            ", ".join(missing),
        )
        return {}
    return files


def _latin1(text: str) -> str:
    return str(text).replace("−", "-").replace("–", "-").encode("latin-1", "replace").decode("latin-1")
