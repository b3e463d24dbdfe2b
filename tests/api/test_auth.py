"""JWT login, refresh with rotation, verify, logout; who may use the API; login throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from renos.api.throttling import AnonThrottle, LoginIPThrottle, LoginUsernameThrottle
from tests.conftest import bearer
from tests.factories import UserFactory

PASSWORD = "kodeord-123"


def login(client: APIClient, username: str, password: str = PASSWORD, **extra):
    return client.post("/api/auth/token/", {"username": username, "password": password}, format="json", **extra)


@pytest.mark.django_db
def test_staff_logs_in_and_reads_the_api_with_the_access_token(staff_user):
    client = APIClient()
    tokens = login(client, staff_user.username).json()
    assert set(tokens) == {"access", "refresh"}

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/services/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_is_a_401_without_tokens(staff_user):
    response = login(APIClient(), staff_user.username, "forkert")
    assert response.status_code == 401
    assert "access" not in response.json()


@pytest.mark.django_db
def test_anonymous_callers_get_401_and_are_told_how_to_authenticate(anon_api_client):
    response = anon_api_client.get("/api/leads/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_a_logged_in_user_who_is_not_staff_gets_403():
    user = UserFactory(username="kunde", is_staff=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    assert client.get("/api/leads/").status_code == 403


@pytest.mark.django_db
def test_a_deactivated_staff_member_is_locked_out_at_once(staff_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))
    staff_user.is_active = False
    staff_user.save()
    assert client.get("/api/leads/").status_code == 401


@pytest.mark.django_db
def test_an_expired_access_token_is_refused(staff_user):
    client = APIClient()
    with time_machine.travel(timezone.now() - timedelta(hours=2), tick=False):
        client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))
    response = client.get("/api/leads/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_a_tampered_access_token_is_refused(staff_user):
    token = bearer(staff_user)
    header, payload, signature = token.removeprefix("Bearer ").split(".")
    forged = f"Bearer {header}.{payload}.{signature[::-1]}"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=forged)
    assert client.get("/api/leads/").status_code == 401


@pytest.mark.django_db
def test_refresh_rotates_and_the_old_refresh_token_is_blacklisted(staff_user):
    client = APIClient()
    first = login(client, staff_user.username).json()

    rotated = client.post("/api/auth/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]

    reused = client.post("/api/auth/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401


@pytest.mark.django_db
def test_verify_tells_a_valid_token_from_a_bad_one(staff_user):
    client = APIClient()
    access = login(client, staff_user.username).json()["access"]
    assert client.post("/api/auth/token/verify/", {"token": access}, format="json").status_code == 200
    assert client.post("/api/auth/token/verify/", {"token": access + "x"}, format="json").status_code == 401


@pytest.mark.django_db
def test_logout_blacklists_the_refresh_token(staff_user):
    client = APIClient()
    tokens = login(client, staff_user.username).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    assert client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    again = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert again.status_code == 401


@pytest.mark.django_db
def test_logout_without_a_refresh_token_names_the_field(staff_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))
    response = client.post("/api/auth/logout/", {}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()


@pytest.mark.django_db
def test_logout_with_a_garbage_token_is_a_401_not_a_500(staff_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(staff_user))
    assert client.post("/api/auth/logout/", {"refresh": "nonsense"}, format="json").status_code == 401


@pytest.mark.django_db
def test_login_attempts_per_username_are_limited_across_addresses(staff_user, monkeypatch):
    monkeypatch.setattr(LoginUsernameThrottle, "THROTTLE_RATES", {"login_username": "3/15m"})
    client = APIClient()
    for number in range(3):
        response = login(client, staff_user.username, "forkert", REMOTE_ADDR=f"10.0.0.{number}")
        assert response.status_code == 401

    locked = login(client, staff_user.username, REMOTE_ADDR="10.0.0.99")
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    assert login(client, "someone-else", "forkert", REMOTE_ADDR="10.0.0.99").status_code == 401


@pytest.mark.django_db
def test_login_attempts_per_address_are_limited_across_usernames(staff_user, monkeypatch):
    monkeypatch.setattr(LoginIPThrottle, "THROTTLE_RATES", {"login_ip": "2/15m"})
    client = APIClient()
    assert login(client, "a", "x").status_code == 401
    assert login(client, "b", "x").status_code == 401
    locked = login(client, staff_user.username)
    assert locked.status_code == 429
    assert "Retry-After" in locked


@pytest.mark.django_db
def test_anonymous_requests_are_limited_per_address(monkeypatch):
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", {"anon": "2/15m"})
    client = APIClient()
    assert client.get("/api/leads/").status_code == 401
    assert client.get("/api/leads/").status_code == 401
    limited = client.get("/api/leads/")
    assert limited.status_code == 429
    assert "Retry-After" in limited


def test_rates_accept_minutes_in_multiples():
    assert AnonThrottle().parse_rate("100/15m") == (100, 900)
    assert AnonThrottle().parse_rate("5/hour") == (5, 3600)
