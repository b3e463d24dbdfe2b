"""`/health/` answers without auth and names a failing check."""

from __future__ import annotations

import pytest

from renos import health


@pytest.mark.django_db
def test_health_is_ok_when_database_cache_and_broker_answer(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_health_is_503_naming_the_check_that_failed(client, monkeypatch):
    def broken() -> None:
        raise ConnectionError("redis://user:secret@host down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert "secret" not in response.content.decode()


@pytest.mark.django_db
def test_health_reveals_no_versions(client):
    body = client.get("/health/").content.decode().lower()
    assert "django" not in body
    assert "version" not in body
