"""Who changed what: django-auditlog's actor for admin and API requests alike."""

from __future__ import annotations

from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


class AuditActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware, reading the user when a change is logged rather than when the request arrives.

    The admin's user is known here (the session), but the API's is not: DRF authenticates the JWT in the view, after
    every middleware, and then sets it on the request. Read lazily, both requests log the person who made the change.
    """

    @staticmethod
    def _get_actor(request: HttpRequest) -> Any:
        return SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))
