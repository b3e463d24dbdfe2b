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
