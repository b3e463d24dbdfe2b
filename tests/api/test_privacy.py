"""`/api/customers/{id}/export/` for staff and `/api/customers/{id}/erase/` for superusers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer
from invoicing.models import Invoice
from tests.factories import BookingFactory, LeadFactory
from tests.privacy.helpers import EMAIL, NAME, customer_with_everything

pytestmark = pytest.mark.django_db


def export_url(customer_id) -> str:
    return f"/api/customers/{customer_id}/export/"


def erase_url(customer_id) -> str:
    return f"/api/customers/{customer_id}/erase/"


def test_staff_download_the_export_as_a_json_attachment(api_client):
    e = customer_with_everything()

    response = api_client.get(export_url(e.customer.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="persondata-{e.customer.pk}.json"'
    data = response.json()
    assert (data["customer"]["name"], data["customer"]["email"]) == (NAME, EMAIL)
    assert data["invoices"][0]["lines"][0]["amount"] == "1221.50"


def test_the_export_endpoint_has_a_query_budget_that_does_not_grow_with_rows(api_client, django_assert_max_num_queries):
    e = customer_with_everything()
    for _ in range(5):
        BookingFactory(lead=LeadFactory(customer=e.customer), booking_date=timezone.now() - timedelta(days=3))

    with django_assert_max_num_queries(20):
        response = api_client.get(export_url(e.customer.pk))

    assert len(response.json()["leads"]) == 6


def test_the_export_is_for_staff_only(anon_api_client):
    e = customer_with_everything()

    response = anon_api_client.get(export_url(e.customer.pk))

    assert response.status_code == 401
    assert NAME not in response.content.decode()


@pytest.mark.parametrize("customer_id", [uuid.uuid4(), "not-a-uuid"])
def test_an_unknown_customer_is_a_json_404(api_client, customer_id):
    response = api_client.get(export_url(customer_id))

    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_superuser_erases_with_confirm_true(superuser_api_client):
    e = customer_with_everything()

    response = superuser_api_client.post(
        erase_url(e.customer.pk), {"confirm": True, "reason": f"{NAME} bad om det"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(e.customer.pk) and body["anonymised_at"]
    assert "bogføringsloven" in body["detail"]
    customer = Customer.objects.get(pk=e.customer.pk)
    assert (customer.name, customer.email) == ("Slettet kunde", None)
    assert Invoice.objects.get(pk=e.invoice.pk).customer_name == NAME


@pytest.mark.parametrize("body", [{}, {"confirm": False}, {"reason": "bad om det"}])
def test_the_erase_needs_confirm_true(superuser_api_client, body):
    e = customer_with_everything()

    response = superuser_api_client.post(erase_url(e.customer.pk), body, format="json")

    assert response.status_code == 400
    assert "confirm" in response.json()
    assert Customer.objects.get(pk=e.customer.pk).name == NAME


def test_staff_who_are_not_superusers_cannot_erase(api_client):
    e = customer_with_everything()

    response = api_client.post(erase_url(e.customer.pk), {"confirm": True}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Kun administratorer kan slette persondata."
    assert Customer.objects.get(pk=e.customer.pk).name == NAME


def test_anonymous_callers_cannot_erase(anon_api_client):
    e = customer_with_everything()

    response = anon_api_client.post(erase_url(e.customer.pk), {"confirm": True}, format="json")

    assert response.status_code == 401
    assert Customer.objects.get(pk=e.customer.pk).name == NAME


def test_an_open_booking_is_a_400_with_the_reason(superuser_api_client):
    e = customer_with_everything()
    BookingFactory(lead=e.lead, booking_date=timezone.now() + timedelta(days=2))

    response = superuser_api_client.post(
        erase_url(e.customer.pk), {"confirm": True}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "not done yet" in response.json()["non_field_errors"][0]
    assert Customer.objects.get(pk=e.customer.pk).name == NAME


def test_erasing_an_unknown_customer_is_a_404(superuser_api_client):
    response = superuser_api_client.post(erase_url(uuid.uuid4()), {"confirm": True}, format="json")

    assert response.status_code == 404


def test_both_operations_are_in_the_openapi_schema(api_client):
    document = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert document["paths"]["/api/customers/{id}/export/"]["get"]["operationId"] == "customers_export_personal_data"
    erase = document["paths"]["/api/customers/{id}/erase/"]["post"]
    assert erase["operationId"] == "customers_erase_personal_data"
    assert {"200", "400", "403", "404"} <= set(erase["responses"])
