"""The dashboard on the admin index."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    return {}
