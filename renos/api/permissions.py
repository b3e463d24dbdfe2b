"""Only active staff who run the business use the API (the seed: "admin users only").

The API serves the office's frontend: superusers and office staff (the Kontor group) use it. A cleaner (Rengøring) is
staff too, to log in to the admin and see their own bookings, but gets 403 from the API, which shows every customer.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from renos.api.throttling import AnonThrottle
from renos.api.tokens import OFFICE_CLAIM, runs_the_business_of


def runs_the_business(request) -> bool:
    """Whether the caller may use the API: read from the login token when it says (no query), else from the user."""
    token = request.auth
    if token is not None and hasattr(token, "get") and token.get(OFFICE_CLAIM) is not None:
        return bool(token[OFFICE_CLAIM])
    return runs_the_business_of(request.user)


class IsActiveStaff(BasePermission):
    message = "Kun aktive medarbejdere har adgang til API'et."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            # DRF checks permissions before throttles, so anonymous callers are counted here or never.
            throttle = AnonThrottle()
            if not throttle.allow_request(request, view):
                view.throttled(request, throttle.wait())
            return False
        if not (user.is_active and user.is_staff):
            return False
        return runs_the_business(request)


class IsSuperuserOrReadOnly(IsActiveStaff):
    """Staff read; only superusers write (the service catalogue)."""

    message = "Kun administratorer kan ændre dette."

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request.user.is_superuser
