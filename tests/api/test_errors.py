"""Errors an API caller meets are JSON, never an HTML page or a 500."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/customers/not-a-uuid/", "/api/leads/12345/", "/api/no-such-resource/"])
def test_a_path_that_matches_nothing_is_a_json_404(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Ikke fundet."}


@pytest.mark.django_db
def test_outside_the_api_a_missing_page_is_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_configured_frontend_may_call_the_api_from_a_browser(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.rendetalje.dk"]
    allowed = client.options(
        "/api/leads/", HTTP_ORIGIN="https://app.rendetalje.dk", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://app.rendetalje.dk"

    other = client.options("/api/leads/", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert "Access-Control-Allow-Origin" not in other
