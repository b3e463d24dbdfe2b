"""The "Analytics" admin page: the figures staff read, the lists they link to, the period and the query budget."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from bookings.models import Booking
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import Direction, EmailMessage
from renos.backoffice.analytics_admin import REQUIRED_PERMISSIONS
from tests.factories import (
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/admin/analytics/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def invoice(total: str, *, status: str, **kwargs) -> Invoice:
    total_amount = Decimal(total)
    subtotal = (total_amount / Decimal("1.25")).quantize(Decimal("0.01"))
    if status != Invoice.Status.DRAFT:
        kwargs.setdefault("invoice_number", f"2026-{uuid.uuid4().hex[:8]}")
    return InvoiceFactory(
        booking=None,
        status=status,
        total_amount=total_amount,
        subtotal=subtotal,
        vat_amount=total_amount - subtotal,
        **kwargs,
    )


def lead(created_at: datetime, **kwargs) -> Lead:
    made = LeadFactory(**kwargs)
    Lead.objects.filter(pk=made.pk).update(created_at=created_at)
    return made


def links(page: str) -> dict[str, str]:
    """The page's links by their text (the last one wins)."""
    found = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', page)
    return {html.unescape(text).strip(): html.unescape(href) for href, text in found}


def section(page: str, name: str) -> str:
    start = page.index(f'<section id="{name}">')
    return page[start : page.index("</section>", start)]


def result_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


def test_the_url_is_named():
    assert reverse("admin:analytics") == URL


def test_top_customers_by_revenue_link_to_the_customer_and_the_paid_invoices(admin_client_logged_in):
    big = CustomerFactory(name="Stor A/S", total_revenue=Decimal("12500.50"))
    CustomerFactory(name="Lille ApS", total_revenue=Decimal("500.00"))
    CustomerFactory(name="Blokeret", total_revenue=Decimal("99999.00"), status=Customer.Status.BLOCKED)
    invoice("12500.50", status=Invoice.Status.PAID, customer=big)
    invoice("100.00", status=Invoice.Status.SENT, customer=big)

    page = admin_client_logged_in.get(URL).content.decode()

    top = section(page, "top-customers")
    assert top.index("Stor A/S") < top.index("Lille ApS")
    assert "Blokeret" not in top
    found = links(top)
    assert found["Stor A/S"] == reverse("admin:customers_customer_change", args=[big.pk])
    assert result_count(admin_client_logged_in, found["12,500.50 kr."]) == 1  # the paid invoice, not the sent one
    assert 'style="width: 100%"' in top and 'style="width: 4%"' in top  # 500 of 12,500.50


def test_the_response_ratio_overall_and_per_conversation(admin_client_logged_in):
    conversation = ConversationFactory(subject="Flytterengøring")
    for direction in (Direction.INBOUND, Direction.INBOUND, Direction.OUTBOUND):
        EmailMessageFactory(conversation=conversation, direction=direction)
    EmailMessageFactory(conversation=conversation, direction=Direction.OUTBOUND, status=EmailMessage.Status.DRAFT)
    ConversationFactory(subject="Stille tråd")

    page = admin_client_logged_in.get(URL).content.decode()

    responses = section(page, "response-ratio")
    assert re.search(r"Ratio<strong>0.50</strong>", responses)
    row = responses[responses.index("Flytterengøring") :]
    assert re.search(r">1</a></td>\s*<td class=\"number\"><a [^>]+>2</a></td>\s*<td class=\"number\">0.50</td>", row)
    assert "Stille tråd" in responses
    sent_url = re.search(r'<a href="([^"]+)">1</a>', row).group(1)
    assert result_count(admin_client_logged_in, html.unescape(sent_url)) == 1  # the draft is not in the list


def test_ai_written_emails_by_model_link_to_those_emails(admin_client_logged_in):
    conversation = ConversationFactory()
    for _number in range(2):
        EmailMessageFactory(
            conversation=conversation, direction=Direction.OUTBOUND, is_ai_generated=True, ai_model="gemini-2.5-flash"
        )
    EmailMessageFactory(conversation=conversation, direction=Direction.OUTBOUND, is_ai_generated=True, ai_model="")

    page = admin_client_logged_in.get(URL).content.decode()

    ai = section(page, "ai-emails")
    assert ai.index("gemini-2.5-flash") < ai.index("unknown")
    unknown_url = html.unescape(re.search(r'unknown</td>\s*<td class="number"><a href="([^"]+)">1</a>', ai).group(1))
    flash_url = html.unescape(re.search(r'flash</td>\s*<td class="number"><a href="([^"]+)">2</a>', ai).group(1))
    assert result_count(admin_client_logged_in, unknown_url) == 1
    assert result_count(admin_client_logged_in, flash_url) == 2


@pytest.fixture
def leads():
    """Leads of November 2026 (Copenhagen) and one from October, by source and service."""
    won = lead(datetime(2026, 11, 10, 9, tzinfo=UTC), source=Lead.Source.LEADPOINT, status=Lead.Status.INVOICED)
    invoice("1221.50", status=Invoice.Status.PAID, lead=won)
    lead(datetime(2026, 11, 11, 9, tzinfo=UTC), source=Lead.Source.LEADPOINT, status=Lead.Status.NEW)
    lead(datetime(2026, 11, 12, 9, tzinfo=UTC), source=Lead.Source.LEADMAIL, status=Lead.Status.BOOKED)
    # 22:30 UTC on 31 October is still October in Copenhagen.
    lead(datetime(2026, 10, 31, 22, 30, tzinfo=UTC), source=Lead.Source.LEADPOINT, status=Lead.Status.BOOKED)


def source_row(page: str, label: str) -> str:
    leads_section = section(page, "leads")
    start = leads_section.index(f"<td>{label}</td>")
    return leads_section[start : leads_section.index("</tr>", start)]


def test_leads_by_source_show_the_funnel_and_link_to_the_leads(admin_client_logged_in, leads):
    page = admin_client_logged_in.get(URL).content.decode()

    row = source_row(page, "Leadpoint.dk")
    figures = re.findall(r'<a href="[^"]+">(\d+)</a>', row)
    assert figures == ["3", "2", "1", "1"]  # leads, booked, completed, invoiced
    assert "67 %" in row
    assert "1,221.50 kr." in row
    booked_url = html.unescape(re.findall(r'<a href="([^"]+)">', row)[1])
    assert result_count(admin_client_logged_in, booked_url) == 2
    assert "By service" in section(page, "leads")


def test_a_period_narrows_the_leads_and_their_links(admin_client_logged_in, leads):
    response = admin_client_logged_in.get(URL, {"period_start": "2026-11-01", "period_end": "2026-11-30"})

    page = response.content.decode()
    row = source_row(page, "Leadpoint.dk")
    assert re.findall(r'<a href="[^"]+">(\d+)</a>', row) == ["2", "1", "1", "1"]
    leads_url = html.unescape(re.findall(r'<a href="([^"]+)">', row)[0])
    assert result_count(admin_client_logged_in, leads_url) == 2  # the October lead is left out of the list too
    assert 'value="2026-11-01"' in page


def test_a_bad_period_is_a_form_error_not_wrong_figures(admin_client_logged_in, leads):
    response = admin_client_logged_in.get(URL, {"period_start": "2026-11-30", "period_end": "2026-11-01"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "The first day must not be after the last day." in page
    assert "Correct the period to see the leads." in page
    assert "Leadpoint.dk" not in section(page, "leads")


def test_the_average_job_links_to_completed_bookings_and_issued_invoices(admin_client_logged_in):
    BookingFactory(status=Booking.Status.COMPLETED, duration_hours=Decimal("3.5"), total_amount=Decimal("1221.50"))
    BookingFactory(status=Booking.Status.COMPLETED, duration_hours=Decimal("4.5"), total_amount=Decimal("1570.50"))
    BookingFactory(status=Booking.Status.SCHEDULED)
    invoice("1000.00", status=Invoice.Status.PAID)
    invoice("2000.00", status=Invoice.Status.SENT)
    invoice("9999.00", status=Invoice.Status.DRAFT)

    page = admin_client_logged_in.get(URL).content.decode()

    jobs = section(page, "job-size")
    assert "Hours on site<strong>4.00</strong>" in jobs
    assert "1,396.00 kr." in jobs
    assert "1,500.00 kr." in jobs
    bookings_url = html.unescape(re.search(r'Completed bookings<strong><a href="([^"]+)">2</a>', jobs).group(1))
    invoices_url = html.unescape(re.search(r'Issued invoices<strong><a href="([^"]+)">2</a>', jobs).group(1))
    assert result_count(admin_client_logged_in, bookings_url) == 2
    assert result_count(admin_client_logged_in, invoices_url) == 2


def test_with_nothing_recorded_the_page_says_so(admin_client_logged_in):
    page = admin_client_logged_in.get(URL).content.decode()

    assert "No active customer has paid an invoice yet." in page
    assert "No conversations yet." in page
    assert "No AI-written email has been sent yet." in page
    assert "Hours on site<strong>–</strong>" in page


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_the_permissions_to_see_the_figures_get_403(client):
    cleaner = UserFactory(username="rengoring", is_staff=True)
    cleaner.user_permissions.add(Permission.objects.get(codename="view_booking", content_type__app_label="bookings"))
    client.force_login(cleaner)

    assert client.get(URL).status_code == 403


def test_staff_with_the_view_permissions_see_the_page(client):
    office = UserFactory(username="kontoret", is_staff=True)
    for permission in REQUIRED_PERMISSIONS:
        app_label, codename = permission.split(".")
        office.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app_label))
    client.force_login(office)

    response = client.get(URL)

    assert response.status_code == 200
    assert "Top customers by revenue" in response.content.decode()


@pytest.mark.parametrize("rows", [2, 20])
def test_the_page_costs_the_same_queries_for_few_or_many_rows(
    admin_client_logged_in, django_assert_max_num_queries, rows
):
    for number in range(rows):
        customer = CustomerFactory(total_revenue=Decimal(100 + number))
        made = lead(datetime(2026, 11, 1, 9, tzinfo=UTC), customer=customer, status=Lead.Status.INVOICED)
        invoice("100.00", status=Invoice.Status.PAID, lead=made, customer=customer)
        conversation = ConversationFactory(lead=made)
        EmailMessageFactory(conversation=conversation, direction=Direction.INBOUND)
        EmailMessageFactory(conversation=conversation, direction=Direction.OUTBOUND, is_ai_generated=True)
        BookingFactory(lead=made, status=Booking.Status.COMPLETED)

    # Session and user, then top customers, overall ratio, conversations, AI emails, 2 for leads, 2 for job size.
    with django_assert_max_num_queries(10):
        response = admin_client_logged_in.get(URL)

    assert response.status_code == 200
    assert response.content.decode().count('class="bar"') >= min(rows, 10)
