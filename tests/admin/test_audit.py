"""The audit trail: who changed what on customers, leads, bookings and invoices, in the admin, the API or the system."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from bookings.models import Booking
from customers import services as customer_services
from customers.models import Customer
from invoicing.models import Invoice
from leads.models import Lead
from messaging.ingest import email_ingest
from tests.admin.helpers import admin_url, form_data
from tests.conftest import sample_email
from tests.factories import BookingFactory, CustomerFactory, InvoiceFactory, LeadFactory

pytestmark = pytest.mark.django_db


def last_change(obj) -> LogEntry:
    return LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.UPDATE).latest("timestamp")


def edit_in_admin(client, obj, **changes):
    data = form_data(client.get(admin_url(obj, "change", obj.pk)))
    data.update(changes)
    return client.post(admin_url(obj, "change", obj.pk), data)


@pytest.mark.parametrize(
    ("make", "field", "value"),
    [
        (lambda: CustomerFactory(notes="Gammel note"), "notes", "Nøglen ligger under måtten"),
        (lambda: LeadFactory(notes="Gammel note"), "notes", "Kunden ringer tilbage"),
        (lambda: BookingFactory(notes="Gammel note"), "notes", "Husk stige til vinduerne"),
        (lambda: InvoiceFactory(customer_address="Søvej 12, 8240 Risskov"), "customer_address", "Strandvej 1, Aarhus"),
    ],
    ids=["customer", "lead", "booking", "invoice"],
)
def test_an_admin_edit_records_the_staff_member_and_the_changed_field(
    admin_client_logged_in, superuser, make, field, value
):
    obj = make()
    old = getattr(obj, field)

    response = edit_in_admin(admin_client_logged_in, obj, **{field: value})

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    changes = LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.UPDATE)
    [entry] = [entry for entry in changes if field in entry.changes_dict]
    assert entry.actor == superuser
    assert entry.changes_dict[field] == [old, value]
    assert "updated_at" not in entry.changes_dict


def test_an_api_edit_with_a_jwt_records_the_staff_member(api_client, staff_user):
    customer = CustomerFactory(phone="+4520112233")

    response = api_client.patch(f"/api/customers/{customer.pk}/", {"phone": "30 99 88 77"}, format="json")

    assert response.status_code == 200, response.content
    entry = last_change(customer)
    assert entry.actor == staff_user
    assert entry.changes_dict["phone"] == ["+4520112233", "+4530998877"]


def test_an_api_lead_edit_records_the_staff_member(api_client, staff_user):
    lead = LeadFactory(notes="")

    response = api_client.patch(f"/api/leads/{lead.pk}/", {"notes": "Ring efter kl. 16"}, format="json")

    assert response.status_code == 200, response.content
    assert last_change(lead).actor == staff_user


def test_a_change_made_by_the_system_has_no_actor_and_a_tag_change_names_the_tag():
    customer = CustomerFactory(tags=["fast"])

    customer_services.customer_update(customer=customer, data={"tags": ["fast", "vip"]})

    entry = LogEntry.objects.get_for_object(customer).latest("timestamp")
    assert entry.actor is None
    assert entry.changes_dict["tags"] == {"type": "m2m", "operation": "add", "objects": ["vip"]}


def test_recounted_statistics_are_not_audited():
    customer = CustomerFactory()
    LeadFactory(customer=customer)
    entries = LogEntry.objects.get_for_object(customer).count()

    customer_services.customer_update_stats(customer=customer)

    assert customer.total_leads == 1
    assert LogEntry.objects.get_for_object(customer).count() == entries


def test_the_history_button_shows_who_changed_what(admin_client_logged_in):
    customer = CustomerFactory(phone="+4520112233")
    edit_in_admin(admin_client_logged_in, customer, phone="30 99 88 77")

    response = admin_client_logged_in.get(admin_url(Customer, "history", customer.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "chef" in page
    assert "+4520112233" in page and "+4530998877" in page


@pytest.mark.parametrize(
    ("model", "make"),
    [(Customer, CustomerFactory), (Lead, LeadFactory), (Booking, BookingFactory), (Invoice, InvoiceFactory)],
    ids=["customer", "lead", "booking", "invoice"],
)
def test_the_history_page_costs_no_more_queries_for_a_long_history(
    admin_client_logged_in, django_assert_max_num_queries, model, make
):
    obj = make()
    url = admin_url(model, "history", obj.pk)
    with django_assert_max_num_queries(40) as short:
        admin_client_logged_in.get(url)
    for number in range(15):
        LogEntry.objects.log_create(obj, action=LogEntry.Action.UPDATE, changes={"notes": ["", f"note {number}"]})

    with django_assert_max_num_queries(len(short.captured_queries)):
        response = admin_client_logged_in.get(url)

    assert response.status_code == 200
    assert "note 14" in response.content.decode()


def test_the_history_of_an_unknown_row_is_not_found(admin_client_logged_in):
    customer = CustomerFactory()
    url = admin_url(Customer, "history", customer.pk).replace(str(customer.pk), "00000000-0000-0000-0000-000000000000")

    assert admin_client_logged_in.get(url).status_code == 404


def test_the_audit_log_lists_every_entry_with_its_actor(admin_client_logged_in):
    customer = CustomerFactory(name="Mette Holm")
    edit_in_admin(admin_client_logged_in, customer, notes="Ny note")

    response = admin_client_logged_in.get(admin_url(LogEntry, "changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Mette Holm" in page
    assert "chef" in page


def test_what_the_inbox_creates_is_on_the_timeline_not_in_the_audit_log(api_client, staff_user):
    email_ingest(raw=sample_email("leadmail-fast"), provider_id="gm-1", provider_thread_id="th-1")
    lead = Lead.objects.get()

    assert lead.activities.filter(title="Nyt lead oprettet").exists()
    assert not LogEntry.objects.get_for_object(lead).exists()
    assert not LogEntry.objects.get_for_object(lead.customer).exists()

    response = api_client.patch(f"/api/leads/{lead.pk}/", {"notes": "Ring efter kl. 16"}, format="json")

    assert response.status_code == 200, response.content
    assert last_change(lead).actor == staff_user, "what people change afterwards is audited as always"
