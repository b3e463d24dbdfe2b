"""Only active staff use the API (the seed: "admin users only")."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from renos.api.throttling import AnonThrottle


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
        return bool(user.is_active and user.is_staff)


class IsSuperuserOrReadOnly(IsActiveStaff):
    """Staff read; only superusers write (the service catalogue)."""

    message = "Kun administratorer kan ændre dette."

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request.user.is_superuser
