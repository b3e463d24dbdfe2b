"""The admin views that belong to no single model, mounted under the admin site (each needs a staff login)."""

from __future__ import annotations

from collections.abc import Callable


def backoffice_views() -> list[tuple[str, Callable, str]]:
    """(route, view, url name) for each back-office page; the site wraps every view in its login check."""
    from renos.backoffice.analytics_admin import analytics_view
    from renos.backoffice.language import language_view

    return [
        ("language/", language_view, "language"),
        ("analytics/", analytics_view, "analytics"),
    ]
