"""Small helpers the API tests share."""

from __future__ import annotations


def ids(response) -> list[str]:
    """The ids on a page of a list response (which must be a 200)."""
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]
