"""Every admin page staff open daily: it loads, search finds the row, and a long list costs no more queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, SlotOffer
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Activity, Lead, ServiceType
from messaging.models import Conversation, EmailMessage, EmailTemplate, MailboxState, SkippedEmail, SmsMessage
from tests.admin.helpers import admin_url
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ConversationFactory,
    CustomerFactory,
    EmailMessageFactory,
    EmailTemplateFactory,
    InvoiceFactory,
    LeadFactory,
    ServiceTypeFactory,
    SlotOfferFactory,
    SmsMessageFactory,
)

pytestmark = pytest.mark.django_db


def _skipped_email(label: str) -> SkippedEmail:
    return SkippedEmail.objects.create(
        subject=label, reason=SkippedEmail.Reason.DUPLICATE, raw=b"Subject: x\r\n\r\nHej", related_lead=LeadFactory()
    )


def _conversation(label: str) -> Conversation:
    conversation = ConversationFactory(subject=label)
    EmailMessageFactory.create_batch(2, conversation=conversation)
    return conversation


@dataclass(frozen=True)
class Page:
    model: type[Model]
    make: Callable[[str], Model]  # a row that the changelist shows and search finds by `label`
    add_field: str | None  # a field the add form must offer; None where only the system adds rows

    def __str__(self) -> str:
        return self.model._meta.model_name


PAGES = [
    Page(Customer, lambda label: CustomerFactory(name=label, tags=["fast", label.lower()]), "email"),
    Page(Lead, lambda label: LeadFactory(customer_name=label), "customer_name"),
    Page(ServiceType, lambda label: ServiceTypeFactory(name=label), "m2_per_hour"),
    Page(Activity, lambda label: ActivityFactory(title=label), "title"),
    Page(Conversation, _conversation, "subject"),
    Page(EmailMessage, lambda label: EmailMessageFactory(subject=label), "body"),
    Page(SmsMessage, lambda label: SmsMessageFactory(message_content=label), "message_content"),
    Page(EmailTemplate, lambda label: EmailTemplateFactory(name=label), "content"),
    Page(SlotOffer, lambda label: SlotOfferFactory(lead=LeadFactory(customer_name=label)), "duration_hours"),
    Page(Booking, lambda label: BookingFactory(customer_name=label), "address"),
    Page(Invoice, lambda label: InvoiceFactory(customer_name=label), "customer_address"),
    Page(SkippedEmail, _skipped_email, None),
    Page(MailboxState, lambda label: MailboxState.objects.create(name=label, cursor="4711"), None),
]


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_the_changelist_lists_the_rows(admin_client_logged_in, page):
    row = page.make("Zebrafisk")

    response = admin_client_logged_in.get(admin_url(page.model, "changelist"))

    assert response.status_code == 200
    assert row.pk in [obj.pk for obj in response.context["cl"].result_list]
    assert "Zebrafisk" in response.text


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_search_finds_the_row_and_only_that_row(admin_client_logged_in, page):
    wanted = page.make("Zebrafisk")
    page.make("Mariehoene")

    response = admin_client_logged_in.get(admin_url(page.model, "changelist"), {"q": "zebrafisk"})

    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [wanted.pk]


@pytest.mark.parametrize("page", [page for page in PAGES if page.add_field], ids=str)
def test_the_add_form_loads(admin_client_logged_in, page):
    response = admin_client_logged_in.get(admin_url(page.model, "add"))

    assert response.status_code == 200
    assert f'name="{page.add_field}"' in response.text


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_the_change_form_of_an_existing_row_loads(admin_client_logged_in, page):
    row = page.make("Zebrafisk")

    response = admin_client_logged_in.get(admin_url(row, "change", row.pk))

    assert response.status_code == 200
    assert response.context["original"].pk == row.pk
    assert "Zebrafisk" in response.text


def _load(client, url: str) -> tuple[int, int]:
    """(queries, rows shown) for one changelist request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_a_long_changelist_costs_no_more_queries_than_a_short_one(admin_client_logged_in, page):
    url = admin_url(page.model, "changelist")
    for number in range(3):
        page.make(f"Kunde {number}")
    _load(admin_client_logged_in, url)  # warm the per-process caches (content types, site)
    few_queries, few_rows = _load(admin_client_logged_in, url)

    for number in range(3, 25):
        page.make(f"Kunde {number}")
    many_queries, many_rows = _load(admin_client_logged_in, url)

    assert many_rows == few_rows + 22
    assert many_queries <= few_queries, f"{many_queries} queries for {many_rows} rows, {few_queries} for {few_rows}"
