"""The dashboard on the admin index: today's figures, the charts' numbers, their links, permissions and queries."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from bookings.models import Booking
from invoicing.models import Invoice
from leads.models import Lead
from messaging.models import Direction, EmailMessage, SmsMessage
from tests.factories import (
    BookingFactory,
    ConversationFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    SmsMessageFactory,
    UserFactory,
)

CPH = ZoneInfo("Europe/Copenhagen")
# A Wednesday in week 11 of 2025, in the morning in Copenhagen (UTC+1).
NOW = datetime(2025, 3, 12, 10, 0, tzinfo=CPH)
INDEX = "/admin/"
NUMBERS = itertools.count(1001)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def frozen(db):
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def made_at(moment: datetime, factory, **kwargs):
    """A row created at `moment` (auto_now_add takes the clock)."""
    with time_machine.travel(moment, tick=False):
        return factory(**kwargs)


def dashboard(client) -> dict:
    response = client.get(INDEX)
    assert response.status_code == 200
    return response.context["dashboard"]


def listed(client, href: str) -> int:
    """How many rows the admin list behind a link shows (it must accept every filter in the link)."""
    response = client.get(href)
    assert response.status_code == 200, href  # an unknown filter would redirect to ?e=1
    return response.context["cl"].result_count


def figure(data: dict, label: str):
    return next(item for item in data["attention"] if item.label == label)


def invoice(*, status: str, total: str, paid: str = "0.00", **kwargs) -> Invoice:
    amount = Decimal(total)
    vat = (amount / 5).quantize(Decimal("0.01"))
    return InvoiceFactory(
        status=status,
        total_amount=amount,
        vat_amount=vat,
        subtotal=amount - vat,
        amount_paid=Decimal(paid),
        invoice_number=None if status == Invoice.Status.DRAFT else str(next(NUMBERS)),
        **kwargs,
    )


# --- Today at a glance ----------------------------------------------------------------------------------------


def test_leads_needing_attention_are_counted_and_link_to_the_same_leads(admin_client_logged_in, frozen):
    made_at(NOW - timedelta(hours=2), LeadFactory)
    made_at(NOW.replace(hour=0, minute=5), LeadFactory, needs_follow_up=True, follow_up_reason="Ingen ledige tider")
    made_at(NOW - timedelta(days=1), LeadFactory)  # yesterday evening: not new today
    made_at(NOW - timedelta(days=3), LeadFactory, needs_follow_up=True, follow_up_reason="SMS: ugyldigt nummer")

    waiting = made_at(NOW - timedelta(days=2), LeadFactory, status=Lead.Status.CONTACTED)
    made_at(NOW - timedelta(days=2), SmsMessageFactory, lead=waiting)  # our offer
    made_at(NOW - timedelta(days=1), SmsMessageFactory, lead=waiting, direction=Direction.INBOUND)  # "kl 10?"

    answered = made_at(NOW - timedelta(days=2), LeadFactory, status=Lead.Status.CONTACTED)
    made_at(NOW - timedelta(days=1, hours=1), SmsMessageFactory, lead=answered, direction=Direction.INBOUND)
    made_at(NOW - timedelta(days=1), SmsMessageFactory, lead=answered, message_type=SmsMessage.Type.CLARIFICATION)

    booked = made_at(NOW - timedelta(days=2), LeadFactory, status=Lead.Status.BOOKED)
    made_at(NOW - timedelta(days=1), SmsMessageFactory, lead=booked, direction=Direction.INBOUND)

    old = made_at(NOW - timedelta(days=30), LeadFactory, status=Lead.Status.CONTACTED)
    made_at(NOW - timedelta(days=20), SmsMessageFactory, lead=old, direction=Direction.INBOUND)

    data = dashboard(admin_client_logged_in)

    # Created today (Copenhagen): the one at 00:05 local is still today, though it was 23:05 UTC the day before.
    new_today = figure(data, "New leads today")
    assert (new_today.count, listed(admin_client_logged_in, new_today.href)) == (2, 2)
    follow_up = figure(data, "Waiting for a person")
    assert (follow_up.count, listed(admin_client_logged_in, follow_up.href)) == (2, 2)
    assert follow_up.alert
    replies = figure(data, "SMS replies not answered")
    assert replies.count == 1
    response = admin_client_logged_in.get(replies.href)
    assert list(response.context["cl"].result_list) == [waiting]
    assert [lead["reason"] for lead in data["flagged_leads"]] == ["Ingen ledige tider", "SMS: ugyldigt nummer"]


def test_failed_sends_of_the_last_seven_days_link_to_the_messages(admin_client_logged_in, frozen):
    lead = LeadFactory()
    conversation = ConversationFactory(lead=lead)
    for status, days in ((EmailMessage.Status.FAILED, 1), (EmailMessage.Status.BOUNCED, 6), ("failed", 7)):
        EmailMessageFactory(
            conversation=conversation, direction=Direction.OUTBOUND, status=status, sent_at=NOW - timedelta(days=days)
        )
    EmailMessageFactory(conversation=conversation, direction=Direction.OUTBOUND, status=EmailMessage.Status.SENT)
    made_at(NOW - timedelta(hours=3), SmsMessageFactory, lead=lead, status=SmsMessage.Status.FAILED)
    made_at(NOW - timedelta(days=5), SmsMessageFactory, lead=lead, status=SmsMessage.Status.UNDELIVERED)
    made_at(NOW - timedelta(days=9), SmsMessageFactory, lead=lead, status=SmsMessage.Status.FAILED)
    made_at(NOW - timedelta(hours=1), SmsMessageFactory, lead=None, phone_number="+4540404040", direction="inbound")

    data = dashboard(admin_client_logged_in)

    # Seven days are today and the six before, from midnight in Copenhagen: 7 days ago at 10:00 is outside.
    emails = figure(data, "Emails not delivered (7 days)")
    assert (emails.count, listed(admin_client_logged_in, emails.href)) == (2, 2)
    sms = figure(data, "SMS not delivered (7 days)")
    assert (sms.count, listed(admin_client_logged_in, sms.href)) == (2, 2)
    stray = figure(data, "SMS from unknown numbers (7 days)")
    assert (stray.count, listed(admin_client_logged_in, stray.href)) == (1, 1)


def test_todays_and_tomorrows_bookings_by_copenhagen_day(admin_client_logged_in, frozen):
    BookingFactory(booking_date=NOW.replace(hour=8), customer_name="Mette Hansen", total_amount=Decimal("1221.50"))
    BookingFactory(booking_date=NOW.replace(hour=23, minute=30), total_amount=Decimal("698.00"))
    BookingFactory(booking_date=NOW.replace(hour=9), status=Booking.Status.CANCELLED)
    BookingFactory(booking_date=NOW.replace(hour=0, minute=30) + timedelta(days=1), total_amount=Decimal("349.00"))
    BookingFactory(booking_date=NOW + timedelta(days=2))

    client = admin_client_logged_in
    today, tomorrow = dashboard(client)["booking_days"]

    assert (today.figure.count, today.figure.amount) == (2, Decimal("1919.50"))
    assert (tomorrow.figure.count, tomorrow.figure.amount) == (1, Decimal("349.00"))
    assert listed(client, today.figure.href) == 2
    assert listed(client, tomorrow.figure.href) == 1
    page = client.get(INDEX).content.decode()
    assert "08:00 Mette Hansen" in page
    assert "1.919,50 kr." in page


def test_overdue_invoices_count_and_what_is_still_owed(admin_client_logged_in, frozen):
    invoice(status=Invoice.Status.OVERDUE, total="1000.00", paid="400.00", due_date=NOW.date() - timedelta(days=20))
    invoice(status=Invoice.Status.SENT, total="500.00", due_date=NOW.date() - timedelta(days=1))
    invoice(status=Invoice.Status.SENT, total="800.00", due_date=NOW.date())
    invoice(status=Invoice.Status.PAID, total="900.00", paid="900.00", due_date=NOW.date() - timedelta(days=30))

    overdue = dashboard(admin_client_logged_in)["overdue"]

    assert (overdue.count, overdue.amount) == (2, Decimal("1100.00"))
    assert listed(admin_client_logged_in, overdue.href) == 2
    assert "1.100,00 kr." in admin_client_logged_in.get(INDEX).content.decode()


# --- Charts ---------------------------------------------------------------------------------------------------


def chart(data: dict, title: str):
    return next(item for item in data["charts"] if item.title == title)


def test_leads_per_week_by_source(admin_client_logged_in, frozen):
    monday = datetime(2025, 3, 10, 0, 30, tzinfo=CPH)  # week 11, just after midnight Copenhagen (Sunday in UTC)
    made_at(monday, LeadFactory, source=Lead.Source.LEADPOINT)
    made_at(monday + timedelta(days=1), LeadFactory, source=Lead.Source.LEADPOINT)
    made_at(monday + timedelta(days=1), LeadFactory, source=Lead.Source.MANUAL)
    made_at(monday - timedelta(hours=1), LeadFactory, source=Lead.Source.LEADMAIL)  # Sunday 23:30: week 10
    made_at(monday - timedelta(weeks=12), LeadFactory, source=Lead.Source.LEADMAIL)  # before the 12 weeks

    leads = chart(dashboard(admin_client_logged_in), "Leads per week by source")

    assert leads.headers == ["Leadpoint.dk", "Leadmail.no (Rengøring.nu)", "Own booking form", "Manual", "All"]
    assert len(leads.rows) == 12
    this_week, last_week = leads.rows[-1], leads.rows[-2]
    assert this_week.label.startswith("Week 11")
    assert [text for text, _href in this_week.cells] == ["2", "0", "0", "1", "3"]
    assert [text for text, _href in last_week.cells] == ["0", "1", "0", "0", "1"]
    for text, href in this_week.cells + last_week.cells:
        assert listed(admin_client_logged_in, href) == int(text)
    svg = str(leads.svg)
    assert 'role="img"' in svg
    assert "<title" in svg and "Leads per week by source" in svg
    assert "Week 11 (10/3–16/3), Leadpoint.dk: 2" in svg
    assert svg.count('<a href="/admin/leads/lead/?source__exact=') == 3  # the segments that are not empty


def test_funnel_counts_every_lead_that_got_at_least_that_far(admin_client_logged_in, frozen):
    for status, count in (("new", 4), ("contacted", 2), ("booked", 1), ("completed", 1), ("invoiced", 2)):
        for _ in range(count):
            made_at(NOW - timedelta(days=3), LeadFactory, status=status)
    made_at(NOW - timedelta(weeks=13), LeadFactory, status="invoiced")  # before the period

    funnel = chart(dashboard(admin_client_logged_in), "From lead to invoice")

    assert [(row.label, row.cells[0][0], row.cells[1][0]) for row in funnel.rows] == [
        ("New", "10", ""),
        ("Contacted", "6", "60 %"),
        ("Booked", "4", "67 %"),
        ("Completed", "3", "75 %"),
        ("Invoiced", "2", "67 %"),
    ]
    for row in funnel.rows:
        assert listed(admin_client_logged_in, row.cells[0][1]) == int(row.cells[0][0])
    assert "20 % of them are invoiced" in funnel.note
    assert "↓ 60 %" in str(funnel.svg)


def test_revenue_invoiced_and_paid_per_month(admin_client_logged_in, frozen):
    feb_paid = datetime(2025, 3, 1, 0, 0, tzinfo=CPH)  # paid the 1st of March at midnight Copenhagen
    invoice(status="paid", total="1000.00", paid="1000.00", issue_date=NOW.date().replace(month=2, day=3))
    Invoice.objects.filter(total_amount=Decimal("1000.00")).update(paid_date=feb_paid)
    invoice(status="sent", total="500.00", issue_date=NOW.date().replace(month=2, day=28))
    invoice(status="credited", total="300.00", issue_date=NOW.date().replace(day=2))
    invoice(status="sent", total="-300.00", issue_date=NOW.date().replace(day=5))  # its credit note
    invoice(status="sent", total="250.00", issue_date=NOW.date().replace(day=6))
    invoice(status="draft", total="999.00")

    revenue = chart(dashboard(admin_client_logged_in), "Revenue per month")

    rows = {row.label: row.cells for row in revenue.rows}
    assert len(revenue.rows) == 12
    assert revenue.rows[0].label == "April 2024"
    assert [text for text, _href in rows["February 2025"]] == ["1.500,00 kr.", "0,00 kr."]
    assert [text for text, _href in rows["March 2025"]] == ["250,00 kr.", "1.000,00 kr."]
    assert listed(admin_client_logged_in, rows["February 2025"][0][1]) == 2
    assert listed(admin_client_logged_in, rows["March 2025"][0][1]) == 3  # invoice, credit note, invoice
    assert listed(admin_client_logged_in, rows["March 2025"][1][1]) == 1
    assert "March 2025, Paid: 1.000,00 kr." in str(revenue.svg)


def test_response_times_are_medians_of_the_leads_that_got_there(admin_client_logged_in, frozen):
    arrived = NOW - timedelta(days=2)  # Monday of week 11
    for minutes in (10, 20, 40, 70):
        lead = made_at(arrived, LeadFactory)
        conversation = ConversationFactory(lead=lead)
        EmailMessageFactory(conversation=conversation, direction=Direction.INBOUND, sent_at=arrived)
        EmailMessageFactory(
            conversation=conversation, direction=Direction.OUTBOUND, sent_at=arrived + timedelta(minutes=minutes)
        )
        EmailMessageFactory(
            conversation=conversation, direction=Direction.OUTBOUND, sent_at=arrived + timedelta(minutes=minutes + 5)
        )
    booked = made_at(arrived, LeadFactory)
    made_at(arrived + timedelta(hours=26, minutes=30), BookingFactory, lead=booked)
    made_at(arrived, LeadFactory)  # neither answered nor booked

    client = admin_client_logged_in
    data = dashboard(client)

    # Four answers after 10, 20, 40 and 70 minutes: the median is halfway between 20 and 40.
    assert data["response"]["answer"] == "30 min"
    assert (data["response"]["answered"], data["response"]["leads"]) == (4, 6)
    assert data["response"]["booking"] == "26 h 30 min"
    answer = chart(data, "Median time to the first answer")
    assert answer.rows[-1].cells[0][0] == "30 min"
    assert listed(client, answer.rows[-1].cells[0][1]) == 6
    assert "Minutes" in str(answer.svg)
    booking = chart(data, "Median time to booking")
    assert booking.rows[-1].cells[0][0] == "26 h 30 min"
    page = client.get(INDEX).content.decode()
    assert "4 of 6 leads answered (last 12 weeks)" in page


# --- Who sees what, and what it costs ---------------------------------------------------------------------------


def test_staff_see_only_the_figures_of_what_they_may_view(client, frozen):
    made_at(NOW - timedelta(hours=1), LeadFactory, needs_follow_up=True)
    BookingFactory(booking_date=NOW + timedelta(hours=2))
    user = UserFactory(username="planner", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_booking"))
    client.force_login(user)

    response = client.get(INDEX)
    data = response.context["dashboard"]
    page = response.content.decode()

    assert data["booking_days"][0].figure.count == 1
    assert data["attention"] == [] and data["charts"] == [] and data["overdue"] is None
    assert data["response"] is None
    assert reverse("admin:leads_lead_changelist") not in page
    assert reverse("admin:invoicing_invoice_changelist") not in page
    assert "Waiting for a person" not in page


def test_lead_viewers_get_no_booking_medians_without_booking_access(client, frozen):
    user = UserFactory(username="sales", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(user)

    data = client.get(INDEX).context["dashboard"]

    assert data["response"]["booking"] is None
    assert [item.title for item in data["charts"]] == [
        "Leads per week by source",
        "From lead to invoice",
        "Median time to the first answer",
    ]


def test_the_empty_dashboard_renders(admin_client_logged_in, frozen):
    response = admin_client_logged_in.get(INDEX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="renos-chart"') == 5
    assert "Needs attention" in page
    assert "0 of 0 leads answered" in page
    assert 'id="content-main"' in page and reverse("admin:leads_lead_changelist") in page  # the app list stays


def fill(rows: int) -> None:
    for number in range(rows):
        moment = NOW - timedelta(days=number % 80, hours=1)
        lead = made_at(moment, LeadFactory, needs_follow_up=number % 3 == 0, status=Lead.Status.CONTACTED)
        conversation = ConversationFactory(lead=lead)
        EmailMessageFactory(conversation=conversation, direction=Direction.OUTBOUND, sent_at=moment)
        made_at(moment, SmsMessageFactory, lead=lead, direction=Direction.INBOUND)
        booking = made_at(moment, BookingFactory, lead=lead, booking_date=NOW + timedelta(hours=number % 40))
        invoice(
            status="overdue",
            total="100.00",
            booking=booking,
            issue_date=moment.date(),
            due_date=moment.date(),
        )


@pytest.mark.parametrize("rows", [3, 30])
def test_the_index_costs_the_same_queries_however_many_rows(
    admin_client_logged_in, frozen, rows, django_assert_max_num_queries
):
    fill(rows)

    with django_assert_max_num_queries(16):
        response = admin_client_logged_in.get(INDEX)

    assert response.status_code == 200


def test_the_dashboard_links_to_the_analytics_page_when_there_is_one(admin_client_logged_in, frozen):
    try:
        analytics = reverse("admin:analytics")
    except NoReverseMatch:
        pytest.skip("no analytics page in this build")

    page = admin_client_logged_in.get(INDEX).content.decode()

    assert f'<a href="{analytics}">More analytics</a>' in page
