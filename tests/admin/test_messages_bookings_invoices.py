"""Conversations, emails, templates, bookings and invoices: what staff see and what the admin refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bookings.models import Booking
from invoicing.models import Invoice
from messaging.models import Conversation, EmailMessage, EmailTemplate, MailboxState, SkippedEmail
from tests.admin.helpers import admin_url, form_data
from tests.factories import (
    BookingFactory,
    ConversationFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
)

pytestmark = pytest.mark.django_db


def test_closing_conversations_stamps_when(admin_client_logged_in):
    conversation = ConversationFactory()

    admin_client_logged_in.post(
        admin_url(Conversation, "changelist"), {"action": "close", "_selected_action": [str(conversation.pk)]}
    )

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.closed_at is not None


def test_closing_a_conversation_in_its_form_stamps_when(admin_client_logged_in):
    conversation = ConversationFactory()
    data = form_data(admin_client_logged_in.get(admin_url(conversation, "change", conversation.pk)))
    data.update(status=Conversation.Status.CLOSED)

    response = admin_client_logged_in.post(admin_url(conversation, "change", conversation.pk), data)

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.closed_at is not None


def test_the_lead_page_lists_the_emails_of_its_conversations(admin_client_logged_in):
    message = EmailMessageFactory(subject="Tilbud på hovedrengøring")
    lead = message.conversation.lead

    response = admin_client_logged_in.get(admin_url(lead, "change", lead.pk))

    assert "Tilbud på hovedrengøring" in response.text
    assert admin_url(message, "change", message.pk) in response.text


def test_an_email_added_by_hand_gets_its_preview_and_moves_the_last_contact(admin_client_logged_in):
    conversation = ConversationFactory()
    data = form_data(admin_client_logged_in.get(admin_url(EmailMessage, "add")))
    data.update(
        conversation=str(conversation.pk),
        from_address="info@rendetalje.dk",
        to_address=conversation.customer.email,
        subject="Bekræftelse",
        body="Hej\n\nVi kommer   tirsdag kl. 10.",
        direction="outbound",
        status="sent",
    )

    response = admin_client_logged_in.post(admin_url(EmailMessage, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    message = conversation.messages.get()
    assert message.body_preview == "Hej Vi kommer tirsdag kl. 10."
    conversation.customer.refresh_from_db()
    assert conversation.customer.last_contact_at == message.sent_at


def _template_form(client, **fields):
    data = form_data(client.get(admin_url(EmailTemplate, "add")))
    data.pop("is_active", None)  # an unticked box is not posted
    data.update(fields)
    return client.post(admin_url(EmailTemplate, "add"), data)


def test_a_template_that_does_not_compile_is_refused(admin_client_logged_in):
    response = _template_form(
        admin_client_logged_in,
        name="Ødelagt",
        subject="Hej {{ customer_name }}",
        content="Hej {% if first_name %}{{ first_name }}",
        template_type="invoice_reminder",
    )

    assert response.status_code == 200
    assert "content" in response.context["adminform"].form.errors
    assert not EmailTemplate.objects.filter(name="Ødelagt").exists()


def test_a_second_active_template_of_a_type_is_refused(admin_client_logged_in):
    active = EmailTemplate.objects.get(template_type="lead_response", is_active=True)

    response = _template_form(
        admin_client_logged_in,
        name="Nyt svar",
        subject="Tak",
        content="Tak for din henvendelse.",
        template_type="lead_response",
        is_active="on",
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["is_active"] == [
        f"{active.name} is the active template of this type; deactivate it first."
    ]


def test_an_inactive_template_can_be_added(admin_client_logged_in):
    response = _template_form(
        admin_client_logged_in,
        name="Sommerudgave",
        subject="Tak, {{ first_name }}",
        content="Tak for din henvendelse.",
        template_type="lead_response",
    )

    assert response.status_code == 302
    assert EmailTemplate.objects.get(name="Sommerudgave").is_active is False


def test_bookings_are_listed_in_copenhagen_time(admin_client_logged_in):
    BookingFactory(customer_name="Sommer Kunde", booking_date=datetime(2026, 6, 2, 8, 0, tzinfo=UTC))

    response = admin_client_logged_in.get(admin_url(Booking, "changelist"))

    assert "02.06.2026 10:00" in response.text


def test_the_invoice_list_shows_number_customer_total_status_and_due_date(admin_client_logged_in):
    InvoiceFactory(invoice_number="2026-0042", customer_name="Hanne Berg", status=Invoice.Status.SENT)
    InvoiceFactory(customer_name="Kladde Kunde")

    response = admin_client_logged_in.get(admin_url(Invoice, "changelist"))

    columns = [field for field in response.context["cl"].list_display if field != "action_checkbox"]
    assert columns[:5] == ["number", "customer_name", "total_amount", "status", "due_date"]
    assert "2026-0042" in response.text
    assert "Hanne Berg" in response.text


def test_an_issued_invoice_cannot_be_edited_or_deleted(admin_client_logged_in):
    invoice = InvoiceFactory(invoice_number="2026-0042", status=Invoice.Status.SENT)

    change = admin_client_logged_in.get(admin_url(invoice, "change", invoice.pk))
    delete = admin_client_logged_in.post(admin_url(invoice, "delete", invoice.pk), {"post": "yes"})

    assert 'name="total_amount"' not in change.text
    assert 'name="status"' not in change.text, "status changes only through the buttons"
    assert admin_url(invoice, "mark-paid", invoice.pk) in change.text, "it can still be marked as paid"
    assert delete.status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_drafts_amounts_come_from_its_lines_not_from_typing(admin_client_logged_in):
    invoice = InvoiceFactory(customer_name="Hanne Berg")
    change = admin_client_logged_in.get(admin_url(invoice, "change", invoice.pk))

    assert 'name="total_amount"' not in change.text
    assert 'name="lines-TOTAL_FORMS"' in change.text


def test_a_draft_is_issued_by_its_button_not_by_editing_the_status(admin_client_logged_in):
    invoice = InvoiceFactory()
    change = admin_client_logged_in.get(admin_url(invoice, "change", invoice.pk))

    assert 'name="status"' not in change.text
    assert admin_url(invoice, "issue", invoice.pk) in change.text
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.DRAFT


def test_skipped_emails_and_the_mailbox_are_shown_read_only(admin_client_logged_in):
    lead = LeadFactory()
    skipped = SkippedEmail.objects.create(
        sender="nyhedsbrev@example.dk",
        subject="Ugens tilbud",
        reason=SkippedEmail.Reason.NOT_A_LEAD,
        raw=b"Subject: Ugens tilbud\r\n\r\nKob nu",
        related_lead=lead,
    )
    mailbox = MailboxState.objects.create(name="inbox", cursor="4711", last_error="timeout")

    skipped_list = admin_client_logged_in.get(admin_url(SkippedEmail, "changelist"), {"q": "Ugens"})
    skipped_page = admin_client_logged_in.get(admin_url(skipped, "change", skipped.pk))
    mailbox_page = admin_client_logged_in.get(admin_url(mailbox, "change", mailbox.pk))
    add = admin_client_logged_in.get(admin_url(SkippedEmail, "add"))

    assert [row.pk for row in skipped_list.context["cl"].result_list] == [skipped.pk]
    assert "Kob nu" in skipped_page.text
    assert 'name="subject"' not in skipped_page.text
    assert "timeout" in mailbox_page.text
    assert add.status_code == 403
