"""The lead admin moves leads only through the services: every status change lands on the timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest

from leads.models import Activity, Lead, ServiceType
from tests.admin.helpers import admin_url, form_data, messages_of
from tests.factories import BookingFactory, CustomerFactory, LeadFactory, ServiceTypeFactory, service

pytestmark = pytest.mark.django_db

CONTACTED = "Status opdateret til Kontaktet"


def run_action(client, action: str, *leads: Lead):
    return client.post(
        admin_url(Lead, "changelist"), {"action": action, "_selected_action": [str(lead.pk) for lead in leads]}
    )


def test_mark_as_contacted_moves_the_lead_and_writes_the_timeline(admin_client_logged_in):
    lead = LeadFactory(customer_name="Mette Holm")

    response = run_action(admin_client_logged_in, "mark_contacted", lead)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONTACTED
    activity = lead.activities.get()
    assert activity.title == CONTACTED
    assert activity.metadata == {"from": "new", "to": "contacted"}
    assert ("success", "1 lead marked as Contacted.") in messages_of(response)


def test_an_invalid_transition_names_the_lead_and_changes_nothing(admin_client_logged_in):
    finished = LeadFactory(customer_name="Faktureret Kunde", status=Lead.Status.INVOICED)
    fresh = LeadFactory(customer_name="Ny Kunde")

    response = run_action(admin_client_logged_in, "mark_contacted", finished, fresh)

    assert response.status_code == 302
    finished.refresh_from_db()
    fresh.refresh_from_db()
    assert finished.status == Lead.Status.INVOICED
    assert not finished.activities.exists()
    assert fresh.status == Lead.Status.CONTACTED, "one refused lead does not stop the others"
    errors = [text for level, text in messages_of(response) if level == "error"]
    assert len(errors) == 1
    assert errors[0].startswith("Faktureret Kunde")


def test_booking_a_lead_by_phone_may_skip_contacted(admin_client_logged_in):
    lead = LeadFactory()

    run_action(admin_client_logged_in, "mark_booked", lead)

    lead.refresh_from_db()
    assert lead.status == Lead.Status.BOOKED
    assert lead.activities.get().title == "Status opdateret til Booket"


def test_clear_follow_up_hands_the_lead_back_to_automation(admin_client_logged_in):
    lead = LeadFactory(needs_follow_up=True, follow_up_reason="Intet telefonnummer", last_error="sms: 21211")

    response = run_action(admin_client_logged_in, "clear_follow_up", lead)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.needs_follow_up, lead.follow_up_reason, lead.last_error) == (False, "", "")


def _change_form(client, lead: Lead) -> dict:
    response = client.get(admin_url(lead, "change", lead.pk))
    assert response.status_code == 200
    return form_data(response)


def test_changing_the_status_in_the_form_writes_the_timeline(admin_client_logged_in):
    lead = LeadFactory(notes="")
    data = _change_form(admin_client_logged_in, lead)
    data.update(status=Lead.Status.CONTACTED, notes="Ringet op, vil gerne have tilbud")

    response = admin_client_logged_in.post(admin_url(lead, "change", lead.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONTACTED
    assert lead.notes == "Ringet op, vil gerne have tilbud"
    assert list(lead.activities.values_list("title", flat=True)) == [CONTACTED]


def test_an_invalid_status_in_the_form_is_a_form_error_and_saves_nothing(admin_client_logged_in):
    lead = LeadFactory(notes="")
    data = _change_form(admin_client_logged_in, lead)
    data.update(status=Lead.Status.COMPLETED, notes="Skal ikke gemmes")

    response = admin_client_logged_in.post(admin_url(lead, "change", lead.pk), data)

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert "A lead cannot go from New to Completed" in response.text
    lead.refresh_from_db()
    assert (lead.status, lead.notes) == (Lead.Status.NEW, "")
    assert not lead.activities.exists()


def test_editing_other_fields_writes_no_status_entry(admin_client_logged_in):
    lead = LeadFactory(status=Lead.Status.CONTACTED, priority=Lead.Priority.MEDIUM)
    data = _change_form(admin_client_logged_in, lead)
    data.update(priority=Lead.Priority.HIGH)

    response = admin_client_logged_in.post(admin_url(lead, "change", lead.pk), data)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.priority) == (Lead.Status.CONTACTED, Lead.Priority.HIGH)
    assert not lead.activities.exists()


def test_a_new_area_prices_the_lead_again(admin_client_logged_in):
    lead = LeadFactory(service_type=service("fast"), area_m2=110, estimated_hours=Decimal("3.5"))
    data = _change_form(admin_client_logged_in, lead)
    data.update(area_m2="210")  # 210 m² at 35 m² an hour: 6 hours

    admin_client_logged_in.post(admin_url(lead, "change", lead.pk), data)

    lead.refresh_from_db()
    assert lead.estimated_hours == Decimal("6")
    assert lead.estimated_price == Decimal("6") * Decimal("349.00")


def test_moving_a_lead_to_another_customer_recounts_both(admin_client_logged_in):
    lead = LeadFactory()
    before, after = lead.customer, CustomerFactory()
    before.total_leads = 1
    before.save()
    data = _change_form(admin_client_logged_in, lead)
    data.update(customer=str(after.pk))

    admin_client_logged_in.post(admin_url(lead, "change", lead.pk), data)

    lead.refresh_from_db()
    before.refresh_from_db()
    after.refresh_from_db()
    assert lead.customer == after
    assert (before.total_leads, after.total_leads) == (0, 1)


def test_a_lead_added_by_staff_is_priced_linked_and_starts_its_timeline(admin_client_logged_in):
    response = admin_client_logged_in.get(admin_url(Lead, "add"))
    data = form_data(response)
    assert data["source"] == Lead.Source.MANUAL
    data.update(
        customer_name="Jens Jensen",
        customer_email=" Jens@Example.DK ",
        customer_phone="20 11 22 33",
        service_type="fast",
        area_m2="110",
        city="Aarhus",
    )

    response = admin_client_logged_in.post(admin_url(Lead, "add"), data)

    assert response.status_code == 302
    lead = Lead.objects.get(customer_name="Jens Jensen")
    assert lead.source == Lead.Source.MANUAL
    assert (lead.customer_email, lead.customer_phone) == ("jens@example.dk", "+4520112233")
    assert lead.estimated_hours == Decimal("3.5")
    assert lead.estimated_price == Decimal("1221.50")
    assert lead.customer is not None and lead.customer.email == "jens@example.dk"
    assert lead.customer.total_leads == 1
    assert list(lead.activities.values_list("title", flat=True)) == ["Nyt lead oprettet"]


def test_a_bad_phone_on_a_new_lead_is_a_form_error(admin_client_logged_in):
    data = form_data(admin_client_logged_in.get(admin_url(Lead, "add")))
    data.update(customer_name="Jens Jensen", customer_phone="12")

    response = admin_client_logged_in.post(admin_url(Lead, "add"), data)

    assert response.status_code == 200
    assert "customer_phone" in response.context["adminform"].form.errors
    assert not Lead.objects.exists()


def test_a_lead_with_a_booking_cannot_be_deleted(admin_client_logged_in):
    booking = BookingFactory()

    response = admin_client_logged_in.post(admin_url(booking.lead, "delete", booking.lead.pk), {"post": "yes"})

    assert response.status_code == 200  # the page lists what protects it instead of deleting
    assert booking.customer_name in response.text
    assert Lead.objects.filter(pk=booking.lead.pk).exists()


def test_deleting_a_lead_recounts_its_customer(admin_client_logged_in):
    lead = LeadFactory()
    customer = lead.customer
    customer.total_leads = 1
    customer.save()

    response = admin_client_logged_in.post(admin_url(lead, "delete", lead.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()
    customer.refresh_from_db()
    assert customer.total_leads == 0


def test_the_code_of_a_service_cannot_be_edited_once_it_exists(admin_client_logged_in):
    service_type = ServiceTypeFactory(code="vinduer-ekstra")

    response = admin_client_logged_in.get(admin_url(service_type, "change", service_type.pk))

    assert response.status_code == 200
    assert 'name="code"' not in response.text
    assert 'name="name"' in response.text


def test_an_activity_added_by_hand_carries_the_customer_name(admin_client_logged_in):
    lead = LeadFactory(customer_name="Hanne Berg")
    data = form_data(admin_client_logged_in.get(admin_url(Activity, "add")))
    data.update(lead=str(lead.pk), type=Activity.Type.PENDING, title="Ringet til kunden", status="info")

    response = admin_client_logged_in.post(admin_url(Activity, "add"), data)

    assert response.status_code == 302
    activity = lead.activities.get()
    assert (activity.title, activity.customer) == ("Ringet til kunden", "Hanne Berg")


def test_a_service_added_by_staff_is_in_the_catalogue(admin_client_logged_in):
    data = form_data(admin_client_logged_in.get(admin_url(ServiceType, "add")))
    data.update(code="trappevask", name="Trappevask", m2_per_hour="50", default_hours="1.5")

    response = admin_client_logged_in.post(admin_url(ServiceType, "add"), data)

    assert response.status_code == 302
    added = ServiceType.objects.get(code="trappevask")
    assert added.estimate_hours(100) == Decimal("2")
    assert added.is_active
