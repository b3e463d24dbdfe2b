"""The printed invoice (HTML for the browser's print, and the PDF) shows what momsbekendtgørelsen § 58 asks for."""

from __future__ import annotations

import io
import logging
import re
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

from invoicing.printing import invoice_html, invoice_pdf, unicode_font_files
from invoicing.services import LineInput, invoice_credit
from tests.invoicing.helpers import completed_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = True
    settings.RENOS_INVOICE_NUMBER_START = 1001
    settings.RENOS_PAYMENT_TERMS_DAYS = 14
    settings.RENOS_COMPANY_NAME = "Rendetalje ApS"
    settings.RENOS_COMPANY_ADDRESS = "Havnegade 1, 8000 Aarhus C"
    settings.RENOS_COMPANY_CVR = "12345678"
    settings.RENOS_PAYMENT_INFO = "Reg. nr. 1234, konto 5678901."


@pytest.fixture
def invoice():
    travel = LineInput(description="Kørsel", quantity=Decimal("1"), unit_price=Decimal("150.00"))
    with time_machine.travel("2026-11-23 10:00 +01:00"):
        made = completed_invoice(hours="3.50", extra=(travel,))
    made.booking.customer.address = ""
    return made


def required_texts(invoice) -> list[str]:
    delivered = f"{invoice.delivery_date:%d.%m.%Y}"
    return [
        "Faktura",
        "1001",  # number
        "23.11.2026",  # issue date
        "07.12.2026",  # due date
        delivered,  # when it was delivered
        "CVR-nr. 12345678",
        "Rendetalje ApS",
        "Havnegade 1",
        "8000 Aarhus C",
        invoice.customer_name,
        "Søvej",  # the buyer's address
        "Fast rengøring",  # what was delivered
        "Kørsel",
        "3,5",
        "349,00 kr.",
        "1.221,50 kr.",
        "150,00 kr.",
        "Moms 25 %",
        "274,30 kr.",  # VAT of 1371.50
        "1.097,20 kr.",  # excl. VAT
        "1.371,50 kr.",  # total
        "Reg. nr. 1234, konto 5678901.",
    ]


def pdf_text(pdf: bytes) -> str:
    """The text on the pages as a reader would copy it out of the PDF, the gaps of justified lines as one space."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r" {2,}", " ", text)


def test_the_print_page_shows_everything_a_danish_invoice_must(invoice):
    html = invoice_html(invoice)

    for text in required_texts(invoice):
        assert text in html, text
    assert "@page { size: A4" in html


def test_the_pdf_shows_the_same(invoice):
    pdf = invoice_pdf(invoice)

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in required_texts(invoice):
        assert expected in text, expected


def test_a_credit_note_says_so_and_names_the_invoice_it_credits(invoice):
    note = invoice_credit(invoice=invoice)

    html = invoice_html(note)

    assert "Kreditnota" in html
    assert "Krediterer faktura nr." in html and ">1001<" in html
    assert "-1.371,50 kr." in html
    assert "Reg. nr." not in html, "nothing to pay on a credit note"


def test_a_draft_is_marked_as_not_an_invoice(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False
    draft = completed_invoice()

    assert "KLADDE" in invoice_html(draft)
    assert "KLADDE" in pdf_text(invoice_pdf(draft))


def test_a_name_outside_latin_1_prints_as_written(invoice):
    if not unicode_font_files():
        pytest.fail("DejaVu Sans is not installed: apt-get install fonts-dejavu-core (make test does so as root)")
    invoice.customer_name = "Łukasz Wiśniewski"

    text = pdf_text(invoice_pdf(invoice))

    assert "Łukasz Wiśniewski" in text
    assert "1.371,50 kr." in text and "Søvej" in text


def test_without_the_font_the_pdf_falls_back_to_latin_1_and_says_so(invoice, settings, tmp_path, caplog):
    settings.RENOS_INVOICE_FONT_DIR = str(tmp_path)
    invoice.customer_name = "Łukasz Østergaard"

    with caplog.at_level(logging.WARNING, logger="invoicing.printing"):
        text = pdf_text(invoice_pdf(invoice))

    assert "?ukasz Østergaard" in text
    assert "fonts-dejavu-core" in caplog.text
