"""Invoices in the admin: the buttons go through the services, the print view, issued invoices stay as they are,
and staff see what is overdue and which reminders went out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoicing.models import Invoice
from leads.models import Activity
from tests.admin.helpers import admin_url, form_data, messages_of
from tests.factories import InvoiceFactory
from tests.invoicing.helpers import completed_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _invoicing(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = True
    settings.RENOS_INVOICE_NUMBER_START = 1001
    settings.RENOS_COMPANY_CVR = "12345678"


@pytest.fixture
def draft(settings):
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = False
    made = completed_invoice()
    settings.RENOS_ISSUE_INVOICES_AT_ONCE = True
    return made


def test_a_draft_line_edited_in_the_admin_changes_the_totals(admin_client_logged_in, draft):
    url = admin_url(draft, "change", draft.pk)
    data = form_data(admin_client_logged_in.get(url))
    data["lines-0-quantity"] = "4.00"

    response = admin_client_logged_in.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    draft.refresh_from_db()
    assert (draft.total_amount, draft.vat_amount, draft.subtotal) == (
        Decimal("1396.00"),
        Decimal("279.20"),
        Decimal("1116.80"),
    )


def test_the_issue_button_numbers_the_draft(admin_client_logged_in, draft):
    response = admin_client_logged_in.post(admin_url(draft, "issue", draft.pk))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.invoice_number) == (Invoice.Status.SENT, "1001")
    assert ("success", "Issued: invoice no. 1001.") in messages_of(response)


def test_an_issued_invoice_shows_its_lines_read_only_and_cannot_be_deleted(admin_client_logged_in):
    invoice = completed_invoice()

    page = admin_client_logged_in.get(admin_url(invoice, "change", invoice.pk))
    delete = admin_client_logged_in.post(admin_url(invoice, "delete", invoice.pk), {"post": "yes"})

    assert 'name="lines-0-quantity"' not in page.text
    assert "Fast rengøring" in page.text
    assert admin_url(invoice, "print", invoice.pk) in page.text
    assert admin_url(invoice, "issue", invoice.pk) not in page.text
    assert delete.status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_changed_post_for_an_issued_invoice_is_refused(admin_client_logged_in):
    invoice = completed_invoice()
    url = admin_url(invoice, "change", invoice.pk)
    data = form_data(admin_client_logged_in.get(url))
    data.update({"total_amount": "1.00", "lines-0-quantity": "1", "lines-TOTAL_FORMS": "1"})

    admin_client_logged_in.post(url, data)

    invoice.refresh_from_db()
    assert invoice.total_amount == Decimal("1221.50")
    assert invoice.lines.get().quantity == Decimal("3.50")


def test_recording_a_payment_in_full(admin_client_logged_in):
    invoice = completed_invoice()
    url = admin_url(invoice, "mark-paid", invoice.pk)
    assert admin_client_logged_in.get(url).context["form"]["amount"].value() == Decimal("1221.50")

    response = admin_client_logged_in.post(url, {"date": invoice.issue_date.isoformat(), "amount": "1221.50"})

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert (
        admin_url(invoice, "mark-paid", invoice.pk)
        not in admin_client_logged_in.get(admin_url(invoice, "change", invoice.pk)).text
    )


def test_a_payment_over_the_balance_is_a_form_error(admin_client_logged_in):
    invoice = completed_invoice()

    response = admin_client_logged_in.post(
        admin_url(invoice, "mark-paid", invoice.pk), {"date": invoice.issue_date.isoformat(), "amount": "5000"}
    )

    assert response.status_code == 200
    assert "restbeløbet" in str(response.context["form"].non_field_errors())
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT


def test_crediting_goes_to_the_credit_note(admin_client_logged_in):
    invoice = completed_invoice()

    response = admin_client_logged_in.post(admin_url(invoice, "credit", invoice.pk), {"reason": "Fejl"})

    note = Invoice.objects.get(credited_invoice=invoice)
    assert response["Location"] == admin_url(note, "change", note.pk)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.CREDITED


def test_the_print_view_is_the_danish_invoice(admin_client_logged_in):
    invoice = completed_invoice()

    response = admin_client_logged_in.get(admin_url(invoice, "print", invoice.pk))

    assert response.status_code == 200
    for text in ("Faktura", "1001", "CVR-nr. 12345678", invoice.customer_name, "Moms 25 %", "244,30 kr."):
        assert text in response.text
    pdf = admin_client_logged_in.get(admin_url(invoice, "pdf", invoice.pk))
    assert pdf["Content-Type"] == "application/pdf"


def test_staff_filter_overdue_invoices_and_see_their_reminders(admin_client_logged_in):
    overdue = InvoiceFactory(
        status=Invoice.Status.SENT, invoice_number="2026-0001", due_date=date(2020, 1, 1), customer_name="Sen Betaler"
    )
    InvoiceFactory(status=Invoice.Status.SENT, invoice_number="2026-0002", due_date=date(2099, 1, 1))
    Activity.objects.create(invoice=overdue, type=Activity.Type.EMAIL, title="Betalingspåmindelse 1 sendt")

    listed = admin_client_logged_in.get(admin_url(Invoice, "changelist"), {"overdue": "yes"})
    page = admin_client_logged_in.get(admin_url(overdue, "change", overdue.pk))

    assert [row.pk for row in listed.context["cl"].result_list] == [overdue.pk]
    assert "Betalingspåmindelse 1 sendt" in page.text
    assert admin_url(overdue, "send-reminder", overdue.pk) in page.text


@pytest.mark.parametrize("rows", [3, 30])
def test_the_changelist_costs_the_same_queries_for_3_or_30_rows(
    admin_client_logged_in, rows, django_assert_max_num_queries
):
    for n in range(rows):
        InvoiceFactory(status=Invoice.Status.SENT, invoice_number=f"2026-{n:04d}")

    with django_assert_max_num_queries(10):
        response = admin_client_logged_in.get(admin_url(Invoice, "changelist"))

    assert len(response.context["cl"].result_list) == rows
