"""The dashboard and the customer page as a person sees them: rendered by Chromium, logged in through the login form.

The data is placed relative to today in Copenhagen, so the expectations follow from the same days and weeks the
dashboard counts in. The server's clock runs from noon today (time-machine moves the whole test process, the live
server's thread too), so "today at 00:01" and "tomorrow" stay on their days however close to midnight the run is;
Chromium keeps its own clock, which only sees cookies that expire weeks ahead.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import Direction, EmailMessage
from renos.backoffice.dashboard.periods import local_midnight, local_today, week_starts
from renos.preferences import staff_language_set
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    SmsMessageFactory,
)

pytestmark = pytest.mark.browser


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` on `day` in Copenhagen."""
    return local_midnight(day) + timedelta(hours=hour, minutes=minute)


def lead_at(moment: datetime, **kwargs) -> Lead:
    """A lead received at `moment` (created_at is set on insert, so it is moved there afterwards)."""
    lead = LeadFactory(**kwargs)
    Lead.objects.filter(pk=lead.pk).update(created_at=moment)
    lead.refresh_from_db()
    return lead


def answered(lead: Lead, after: timedelta) -> None:
    conversation = ConversationFactory(lead=lead)
    EmailMessageFactory(
        conversation=conversation,
        direction=Direction.OUTBOUND,
        status=EmailMessage.Status.SENT,
        sent_at=lead.created_at + after,
    )


def booked(lead: Lead, moment: datetime) -> Booking:
    return BookingFactory(lead=lead, booking_date=moment, total_amount=Decimal("1221.50"))


@pytest.fixture(autouse=True)
def _noon_today():
    with time_machine.travel(at(local_today(), 12), tick=True):
        yield


@pytest.fixture
def known_business():
    """Five leads over three weeks and three sources, two answered by email, two booked (today and tomorrow), and an
    invoice 10 days past due."""
    today = local_today()
    last_week, five_weeks_ago = (week_starts(today, 12)[index] for index in (-2, -5))
    source = Lead.Source
    new_today = [
        lead_at(at(today, 0, 1), source=source.LEADMAIL),
        lead_at(at(today, 0, 2), source=source.LEADMAIL, status=Lead.Status.CONTACTED),
    ]
    answered(new_today[1], timedelta(minutes=5))
    booked_today = lead_at(at(last_week + timedelta(days=1), 10), source=source.LEADMAIL, status=Lead.Status.BOOKED)
    answered(booked_today, timedelta(hours=2))
    booked(booked_today, at(today, 12))
    booked_tomorrow = lead_at(at(last_week + timedelta(days=3), 14), source=source.LEADPOINT, status=Lead.Status.BOOKED)
    booked(booked_tomorrow, at(today + timedelta(days=1), 9))
    invoiced = lead_at(at(five_weeks_ago + timedelta(days=2), 9), source=source.MANUAL, status=Lead.Status.INVOICED)
    InvoiceFactory(
        booking=None,
        lead=invoiced,
        customer=invoiced.customer,
        customer_name=invoiced.customer_name,
        status=Invoice.Status.SENT,
        invoice_number="2001",
        issue_date=today - timedelta(days=24),
        due_date=today - timedelta(days=10),
        total_amount=Decimal("2443.00"),
        vat_amount=Decimal("488.60"),
        subtotal=Decimal("1954.40"),
    )


def figure_count(page, href_pattern: str) -> int:
    """The number a dashboard figure shows, found by the admin list it links to."""
    links = page.locator("a.renos-figure-count").filter(has_text=re.compile(r"^\d+$"))
    matching = [
        links.nth(i) for i in range(links.count()) if re.search(href_pattern, links.nth(i).get_attribute("href"))
    ]
    assert len(matching) == 1, f"one figure links to {href_pattern}, found {len(matching)}"
    return int(matching[0].inner_text())


def test_dashboard_draws_the_charts_and_figures_of_the_data(browsing, office_user, known_business, settings):
    settings.LANGUAGE_CODE = "da"  # as the office sees it (the checks below do not depend on the language)
    browsing.log_in(office_user.username)
    page = browsing.page
    page.wait_for_load_state("load")

    charts = page.locator("figure.renos-chart-card svg.renos-chart")
    # Leads by source, the funnel, revenue, and the two response times: an office member may see every list.
    assert charts.count() == 5
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert charts.nth(index).is_visible() and box and box["width"] > 100 and box["height"] > 50, index
    by_source, funnel, revenue, answers, bookings = (charts.nth(index) for index in range(5))

    # One segment per week and source that had leads: this week 2 from Leadmail; last week 1 Leadmail, 1 Leadpoint;
    # five weeks ago 1 manual. Each segment says its count in its tooltip.
    segments = by_source.locator("a > rect")
    tooltips = [segments.nth(i).locator("title").text_content() for i in range(segments.count())]
    assert sorted(int(text.rsplit(":", 1)[1]) for text in tooltips) == [1, 1, 1, 2]
    # The funnel: all five arrived, four got an answer or further, three booked or further, one is invoiced.
    assert funnel.locator("a > rect").count() == 5
    assert funnel.locator("text.chart-value").all_text_contents() == ["5", "4", "3", "1", "1"]
    # Revenue: one month with an invoice issued, nothing paid yet.
    assert revenue.locator("a > rect").count() == 1
    # Answers: leads answered this week and last week; bookings: both booked leads arrived last week.
    assert answers.locator("a > rect").count() == 2
    assert bookings.locator("a > rect").count() == 1

    lead_list = reverse("admin:leads_lead_changelist")
    assert figure_count(page, rf"^{lead_list}\?created_at__gte=[^&]+$") == 2
    assert figure_count(page, r"needs_follow_up__exact=1") == 0
    booking_figures = page.locator(".renos-card").filter(has=page.locator("a[href*='/bookings/booking/']"))
    booking_counts = booking_figures.locator("a.renos-figure-count").all_text_contents()
    assert booking_counts == ["1", "1"]  # today, tomorrow
    assert figure_count(page, r"overdue=yes") == 1
    overdue = page.locator(".renos-figure").filter(has=page.locator("a[href*='overdue=yes']"))
    assert overdue.locator(".renos-amount").inner_text() == "2.443,00 kr."

    browsing.screenshot("dashboard")
    assert browsing.errors == []

    # The figure of today's new leads leads to a list of exactly those two.
    page.locator(f"a.renos-figure-count[href^='{lead_list}?created_at__gte=']").first.click()
    page.wait_for_url(re.compile(re.escape(lead_list)))
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert "?e=1" not in page.url  # the admin accepted the filter
    assert browsing.errors == []


def moved_to(obj, moment: datetime):
    """`obj` as if created at `moment`."""
    type(obj).objects.filter(pk=obj.pk).update(created_at=moment)
    obj.refresh_from_db()
    return obj


@pytest.fixture
def customer_with_history():
    """A customer whose lead became an email, an SMS, a booking, an invoice and a note, one day after the other."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=10)
    customer = CustomerFactory(
        name="Mette Hansen",
        email="mette.hansen@example.dk",
        phone="+4522334455",
        address="Søvej 12, 8240 Risskov",
        company_name="Hansen Bolig ApS",
        total_leads=1,
        total_bookings=1,
        total_revenue=Decimal("2443.00"),
        last_contact_at=start + timedelta(days=2),
    )
    lead = lead_at(start, customer=customer, source=Lead.Source.LEADMAIL, status=Lead.Status.CONTACTED)
    EmailMessageFactory(
        conversation=ConversationFactory(lead=lead, customer=customer),
        subject="Tilbud på fast rengøring",
        direction=Direction.OUTBOUND,
        sent_at=start + timedelta(days=1),
    )
    SmsMessageFactory(lead=lead, direction=Direction.INBOUND, message_content="2", sent_at=start + timedelta(days=2))
    booking = moved_to(booked(lead, start + timedelta(days=5)), start + timedelta(days=3))
    invoice = InvoiceFactory(booking=booking, status=Invoice.Status.SENT, invoice_number="3001")
    moved_to(invoice, start + timedelta(days=4))
    moved_to(ActivityFactory(lead=lead, title="Kunden ringede om nøglen"), start + timedelta(days=5))
    return customer


def test_customer_page_shows_contact_stats_timeline_and_actions(browsing, office_user, customer_with_history, settings):
    settings.LANGUAGE_CODE = "da"  # the office's language, as in production (the test suite runs in English)
    customer = customer_with_history
    browsing.log_in(office_user.username)
    browsing.open(reverse("admin:customers_customer_change", args=[customer.pk]))
    page = browsing.page

    assert page.locator("html").get_attribute("lang") == "da"  # nobody chose another
    assert page.input_value("input[name=_save]") == "Gem"
    assert page.input_value("#id_name") == "Mette Hansen"
    assert page.input_value("#id_email") == "mette.hansen@example.dk"
    assert page.input_value("#id_company_name") == "Hansen Bolig ApS"
    assert "+4522334455" in page.input_value("#id_phone").replace(" ", "")

    stats = page.locator("#customer360-stats li .value").all_inner_texts()
    last_contact = timezone.localtime(customer.last_contact_at, timezone.get_default_timezone())
    leads, bookings, revenue, contacted = stats
    assert (leads, bookings, contacted) == ("1", "1", f"{last_contact:%d.%m.%Y %H:%M}")
    assert revenue.endswith("2.443,00 kr.")

    entries = page.locator("#customer360-timeline tr.customer360-entry")
    kinds = [entries.nth(i).get_attribute("data-kind") for i in range(entries.count())]
    assert kinds == ["activity", "invoice", "booking", "sms", "email", "lead"]  # newest first
    times = page.locator("#customer360-timeline td.when time").evaluate_all("nodes => nodes.map(n => n.dateTime)")
    assert times == sorted(times, reverse=True)
    assert "Kunden ringede om nøglen" in entries.first.inner_text()

    for action in ("new-lead", "book", "send-email"):
        button = page.locator(f"#customer360-{action}")
        assert button.is_visible(), action
    assert page.locator("#customer360-send-email").get_attribute("href") == reverse(
        "admin:customers_customer_send_email", args=[customer.pk]
    )
    browsing.screenshot("customer")
    assert browsing.errors == []


def test_customer_page_in_english_for_a_member_who_chose_english(
    browsing, office_user, customer_with_history, settings
):
    settings.LANGUAGE_CODE = "da"  # the office speaks Danish; this member chose English
    staff_language_set(user=office_user, language="en")
    browsing.log_in(office_user.username)
    browsing.open(reverse("admin:customers_customer_change", args=[customer_with_history.pk]))
    page = browsing.page

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("input[name=_save]") == "Save"
    assert page.locator("#customer360-timeline h2").text_content() == "Timeline"
    assert page.locator("#customer360-send-email").text_content() == "Send an email"
    assert page.locator("#customer360-timeline tr.customer360-entry").count() == 6
    browsing.screenshot("customer-en")
    assert browsing.errors == []
