"""The customer page as one screen: figures, the timeline of everything about the customer, and the quick actions."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Activity, Lead
from messaging.models import Direction
from renos.backoffice.customer360.timeline import customer_timeline
from tests.admin.helpers import admin_url, form_data
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    InvoiceFactory,
    LeadFactory,
    SmsMessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, 0, tzinfo=UTC)


def one_of_each(customer: Customer, invoice_number: str = "") -> dict[str, object]:
    """A lead, an email, an SMS, a booking, an invoice and an activity, each a day after the one before (UTC)."""
    with time_machine.travel(at(1), tick=False):
        lead = LeadFactory(customer=customer)
    conversation = ConversationFactory(lead=lead, customer=customer, subject="Tilbud")
    email = EmailMessageFactory(conversation=conversation, subject="Tilbud på rengøring", sent_at=at(2))
    with time_machine.travel(at(3), tick=False):
        sms = SmsMessageFactory(lead=lead, message_content="Vælg et tidspunkt: svar 1, 2 eller 3", sent_at=None)
    with time_machine.travel(at(4), tick=False):
        booking = BookingFactory(lead=lead, booking_date=at(20, 8))
    with time_machine.travel(at(5), tick=False):
        invoice = InvoiceFactory(
            booking=booking, invoice_number=invoice_number or f"T-{uuid.uuid4().hex[:10]}", status=Invoice.Status.SENT
        )
    with time_machine.travel(at(6), tick=False):
        activity = ActivityFactory(lead=lead, title="Ring kunden op om nøglen", type=Activity.Type.PENDING)
    return {
        "lead": lead,
        "email": email,
        "sms": sms,
        "booking": booking,
        "invoice": invoice,
        "activity": activity,
    }


def change_page(client, customer: Customer):
    response = client.get(admin_url(Customer, "change", customer.pk))
    assert response.status_code == 200
    return response


def test_the_timeline_shows_one_of_each_kind_newest_first_with_links_and_copenhagen_times(admin_client_logged_in):
    customer = CustomerFactory(name="Anna Møller")
    rows = one_of_each(customer, invoice_number="2025-0042")
    one_of_each(CustomerFactory(name="Bo Jensen"))  # someone else's history stays on their page

    response = change_page(admin_client_logged_in, customer)

    entries = response.context["customer360"]["timeline"].entries
    assert [entry.kind for entry in entries] == ["activity", "invoice", "booking", "sms", "email", "lead"]
    assert [entry.url for entry in entries] == [
        admin_url(rows[kind], "change", rows[kind].pk)
        for kind in ("activity", "invoice", "booking", "sms", "email", "lead")
    ]
    text = html.unescape(response.text)
    # 09:00 UTC in March is 10:00 in Copenhagen.
    assert "06.03.2025 10:00" in text
    assert "01.03.2025 10:00" in text
    positions = [
        text.index(label)
        for label in (
            "Ring kunden op om nøglen",
            "Invoice 2025-0042: 1.221,50 kr. (Sent)",
            "Booking for 20.03.2025 09:00 (Scheduled)",
            "SMS sent: Vælg et tidspunkt: svar 1, 2 eller 3 (Sent)",
            "Email received: Tilbud på rengøring",
            "Lead via Leadmail.no (Rengøring.nu): Fast rengøring (New)",
        )
    ]
    assert positions == sorted(positions)


def test_activities_of_bookings_and_invoices_and_of_the_customer_as_a_whole_are_on_the_timeline(
    admin_client_logged_in,
):
    customer = CustomerFactory()
    rows = one_of_each(customer)
    ActivityFactory(lead=None, booking=rows["booking"], title="Opgaven er flyttet")
    ActivityFactory(lead=None, invoice=rows["invoice"], title="Betaling modtaget")
    ActivityFactory(lead=None, title="Kunder lagt sammen", metadata={"customer_id": str(customer.pk)})
    ActivityFactory(lead=None, title="En andens aktivitet", metadata={"customer_id": str(CustomerFactory().pk)})

    response = change_page(admin_client_logged_in, customer)

    labels = [entry.label for entry in response.context["customer360"]["timeline"].entries]
    assert {"Opgaven er flyttet", "Betaling modtaget", "Kunder lagt sammen"} <= set(labels)
    assert "En andens aktivitet" not in labels


def test_an_sms_from_the_customers_number_on_no_lead_is_on_the_timeline(admin_client_logged_in):
    customer = CustomerFactory(phone="+4520112233")
    SmsMessageFactory(lead=None, phone_number="+4520112233", direction=Direction.INBOUND, message_content="Ja tak")
    SmsMessageFactory(lead=None, phone_number="+4520999999", direction=Direction.INBOUND, message_content="Nej tak")

    response = change_page(admin_client_logged_in, customer)

    labels = [entry.label for entry in response.context["customer360"]["timeline"].entries]
    assert labels == ["SMS received: Ja tak"]


def test_the_timeline_stops_at_its_limit_and_says_there_is_more():
    customer = CustomerFactory()
    for day in range(1, 5):
        with time_machine.travel(at(day), tick=False):
            LeadFactory(customer=customer)
    with time_machine.travel(at(10), tick=False):
        BookingFactory(lead=Lead.objects.filter(customer=customer).first())

    timeline = customer_timeline(customer=customer, limit=3)

    assert [entry.kind for entry in timeline.entries] == ["booking", "lead", "lead"]
    assert [entry.when for entry in timeline.entries[1:]] == [at(4), at(3)]
    assert timeline.has_more


def test_the_page_says_when_older_entries_are_left_out(admin_client_logged_in, monkeypatch):
    import renos.backoffice.customer360.timeline as timeline_module

    monkeypatch.setattr(timeline_module, "TIMELINE_LIMIT", 2)
    customer = CustomerFactory()
    LeadFactory.create_batch(3, customer=customer)

    response = change_page(admin_client_logged_in, customer)

    assert len(response.context["customer360"]["timeline"].entries) == 2
    assert "Showing the newest 2 entries" in response.text


def test_the_figures_show_the_customers_statistics(admin_client_logged_in):
    customer = CustomerFactory(
        total_leads=3,
        total_bookings=2,
        total_revenue="2443.00",
        last_contact_at=dt.datetime(2025, 7, 1, 12, tzinfo=UTC),
    )

    response = change_page(admin_client_logged_in, customer)

    assert response.context["customer360"]["stats"] == [
        ("Leads", 3),
        ("Bookings", 2),
        ("Revenue (paid, incl. VAT)", "2.443,00 kr."),
        ("Last contact", "01.07.2025 14:00"),
    ]
    assert 'id="customer360-stats"' in response.text


@pytest.mark.parametrize("rows", [1, 12])
def test_the_customer_page_costs_the_same_queries_for_few_or_many_rows(
    admin_client_logged_in, django_assert_max_num_queries, rows
):
    customer = CustomerFactory(tags=["vip"])
    for _ in range(rows):
        one_of_each(customer)
        ActivityFactory(lead=None, title="Note", metadata={"customer_id": str(customer.pk)})

    with django_assert_max_num_queries(16):
        response = change_page(admin_client_logged_in, customer)

    assert len(response.context["customer360"]["timeline"].entries) == 7 * rows


def test_the_quick_actions_add_a_lead_book_the_open_lead_and_send_an_email(admin_client_logged_in):
    customer = CustomerFactory(name="Anna Møller", email="anna@example.dk", phone="+4520112233")
    with time_machine.travel(at(1), tick=False):
        open_lead = LeadFactory(customer=customer, status=Lead.Status.CONTACTED)
    with time_machine.travel(at(2), tick=False):
        LeadFactory(customer=customer, status=Lead.Status.INVOICED)

    response = change_page(admin_client_logged_in, customer)

    actions = {action["name"]: action["url"] for action in response.context["customer360"]["actions"]}
    assert actions["book"] == reverse("admin:bookings_booking_book", args=[open_lead.pk])
    assert actions["send-email"] == reverse("admin:customers_customer_send_email", args=[customer.pk])
    new_lead = urlsplit(actions["new-lead"])
    assert new_lead.path == reverse("admin:leads_lead_add")
    assert parse_qs(new_lead.query)["customer"] == [str(customer.pk)]
    assert parse_qs(new_lead.query)["customer_phone"] == ["+4520112233"]
    for name in ("new-lead", "book", "send-email"):
        assert f'id="customer360-{name}"' in response.text
    # The lead form opens with the customer filled in.
    lead_form = admin_client_logged_in.get(actions["new-lead"])
    assert lead_form.context["adminform"].form.initial["customer_name"] == "Anna Møller"
    assert admin_client_logged_in.get(actions["book"]).status_code == 200


def test_a_customer_without_leads_has_no_book_button(admin_client_logged_in):
    customer = CustomerFactory()

    response = change_page(admin_client_logged_in, customer)

    names = [action["name"] for action in response.context["customer360"]["actions"]]
    assert names == ["new-lead", "send-email"]
    assert "Nothing has happened with this customer yet." in response.text


def test_staff_without_permission_to_add_leads_or_bookings_see_no_such_buttons(client):
    from django.contrib.auth.models import Permission

    user = UserFactory(username="laeser", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_customer", "change_customer"]))
    client.force_login(user)
    customer = CustomerFactory()
    LeadFactory(customer=customer)

    response = change_page(client, customer)

    assert [action["name"] for action in response.context["customer360"]["actions"]] == ["send-email"]


def test_the_contact_form_on_the_page_still_saves(admin_client_logged_in):
    customer = CustomerFactory(phone="+4520112233")
    one_of_each(customer)
    data = form_data(change_page(admin_client_logged_in, customer))
    data.update(phone="31 22 44 55", company_name="Møller ApS")

    response = admin_client_logged_in.post(admin_url(Customer, "change", customer.pk), data)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.company_name) == ("+4531224455", "Møller ApS")


def test_the_add_form_is_the_plain_form(admin_client_logged_in):
    response = admin_client_logged_in.get(admin_url(Customer, "add"))

    assert response.status_code == 200
    assert "customer360" not in response.context
    assert "customer360-timeline" not in response.text


def test_the_customer_list_links_to_the_possible_duplicates(admin_client_logged_in):
    CustomerFactory()

    response = admin_client_logged_in.get(admin_url(Customer, "changelist"))

    assert response.status_code == 200
    assert f'href="{reverse("admin:customers_customer_duplicates")}"' in response.text
