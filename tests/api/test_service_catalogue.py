"""`/api/services/`: the service catalogue; staff read, admins write, a service in use cannot be deleted."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from leads.models import ServiceType
from tests.conftest import bearer
from tests.factories import BookingFactory, LeadFactory, UserFactory, service

URL = "/api/services/"

NEW_SERVICE = {
    "code": "taepperens",
    "name": "Tæpperensning",
    "m2_per_hour": "25.0",
    "default_hours": "2.5",
    "billy_product_id": "prod-42",
    "billy_product_number": "42",
    "is_active": True,
}


def detail(service_type: ServiceType) -> str:
    return f"{URL}{service_type.id}/"


@pytest.mark.django_db
def test_anonymous_callers_get_401(anon_api_client):
    assert anon_api_client.get(URL).status_code == 401
    assert anon_api_client.get(detail(service("fast"))).status_code == 401
    assert anon_api_client.post(URL, NEW_SERVICE, format="json").status_code == 401


@pytest.mark.django_db
def test_users_who_are_not_staff_get_403():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(UserFactory(username="kunde", is_staff=False)))
    assert client.get(URL).status_code == 403
    assert client.get(detail(service("fast"))).status_code == 403


@pytest.mark.django_db
def test_staff_read_the_catalogue_by_name_with_decimals_as_strings(api_client):
    response = api_client.get(URL)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert response.json()["count"] == 7
    assert [row["name"] for row in rows] == sorted(row["name"] for row in rows)
    fast = next(row for row in rows if row["code"] == "fast")
    assert fast == {
        "id": str(service("fast").id),
        "code": "fast",
        "name": "Fast rengøring",
        "m2_per_hour": "35.0",
        "default_hours": "3.0",
        "billy_product_id": "",
        "billy_product_number": "",
        "is_active": True,
    }


@pytest.mark.django_db
def test_staff_read_one_service(api_client):
    response = api_client.get(detail(service("flytte")))

    assert response.status_code == 200
    assert response.json()["name"] == "Flytterengøring"


@pytest.mark.django_db
def test_the_catalogue_filters_by_active(api_client):
    ServiceType.objects.filter(code="andet").update(is_active=False)

    response = api_client.get(URL, {"is_active": "false"})

    assert [row["code"] for row in response.json()["results"]] == ["andet"]


@pytest.mark.django_db
@pytest.mark.parametrize("service_id", [str(uuid.uuid4()), "fast", "not-a-uuid"])
def test_an_unknown_or_malformed_id_is_a_404(superuser_api_client, service_id):
    response = superuser_api_client.get(f"{URL}{service_id}/")
    assert response.status_code == 404
    assert "detail" in response.json()
    assert superuser_api_client.patch(f"{URL}{service_id}/", {"name": "x"}, format="json").status_code == 404
    assert superuser_api_client.delete(f"{URL}{service_id}/").status_code == 404


@pytest.mark.django_db
def test_staff_who_are_not_admins_cannot_write(api_client):
    fast = service("fast")

    assert api_client.post(URL, NEW_SERVICE, format="json").status_code == 403
    assert api_client.patch(detail(fast), {"name": "Billig rengøring"}, format="json").status_code == 403
    assert api_client.delete(detail(service("andet"))).status_code == 403
    fast.refresh_from_db()
    assert fast.name == "Fast rengøring"
    assert ServiceType.objects.count() == 7


@pytest.mark.django_db
def test_an_admin_adds_a_service(superuser_api_client):
    response = superuser_api_client.post(URL, NEW_SERVICE, format="json")

    assert response.status_code == 201, response.content
    created = ServiceType.objects.get(code="taepperens")
    assert response.json() == {**NEW_SERVICE, "id": str(created.id)}
    assert created.estimate_hours(100) == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("code", "fast"),
        ("code", "med mellemrum"),
        ("m2_per_hour", "0"),
        ("m2_per_hour", "mange"),
        ("default_hours", "-1"),
        ("name", ""),
    ],
)
def test_bad_input_is_a_400_on_the_field(superuser_api_client, field, value):
    response = superuser_api_client.post(URL, {**NEW_SERVICE, field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert ServiceType.objects.count() == 7


@pytest.mark.django_db
def test_an_admin_changes_a_service(superuser_api_client):
    fast = service("fast")

    response = superuser_api_client.patch(detail(fast), {"m2_per_hour": "40", "is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["m2_per_hour"] == "40.0"
    fast.refresh_from_db()
    assert (fast.m2_per_hour, fast.is_active) == (40, False)


@pytest.mark.django_db
def test_the_code_of_a_service_in_use_cannot_change(superuser_api_client):
    LeadFactory(service_type=service("fast"))

    response = superuser_api_client.patch(detail(service("fast")), {"code": "basis"}, format="json")

    assert response.status_code == 400
    assert "code" in response.json()
    assert ServiceType.objects.filter(code="fast").exists()


@pytest.mark.django_db
def test_the_code_of_an_unused_service_can_change(superuser_api_client):
    response = superuser_api_client.patch(detail(service("andet")), {"code": "diverse"}, format="json")

    assert response.status_code == 200
    assert response.json()["code"] == "diverse"


@pytest.mark.django_db
def test_an_admin_deletes_an_unused_service(superuser_api_client):
    andet = service("andet")

    assert superuser_api_client.delete(detail(andet)).status_code == 204
    assert not ServiceType.objects.filter(pk=andet.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("used_by", ["lead", "booking"])
def test_a_service_in_use_cannot_be_deleted(superuser_api_client, used_by):
    vinduer = service("vinduer")
    if used_by == "lead":
        LeadFactory(service_type=vinduer)
    else:
        BookingFactory(lead=LeadFactory(service_type=service("fast")), service_type=vinduer)

    response = superuser_api_client.delete(detail(vinduer))

    assert response.status_code == 409
    assert "is_active" in response.json()["detail"]
    assert ServiceType.objects.filter(pk=vinduer.pk).exists()
