"""Root URLs: the staff admin, the API and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found

from renos import webhooks
from renos.api.throttling import login_rate_limited
from renos.health import health

urlpatterns = [
    # The admin's own login view, with the API login's limits per address and per username (before admin.site.urls,
    # so this path wins; reverse("admin:login") still gives it).
    path(f"{settings.ADMIN_URL}login/", login_rate_limited(admin.site.login)),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", include("renos.api.urls")),
    path("health/", health, name="health"),
    path("api/webhooks/gmail/push/", webhooks.gmail_push, name="gmail-push"),
    path("api/webhooks/twilio/sms/", webhooks.twilio_sms, name="twilio-sms"),
    path("api/webhooks/twilio/status/", webhooks.twilio_status, name="twilio-status"),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """API callers get JSON for a path that matches nothing (a malformed id too), everyone else the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Ikke fundet."}, status=404)
    return page_not_found(request, exception)


handler404 = not_found
