"""Throttles backed by the cache (Redis when configured), with rates like "100/15m", for the API and plain views."""

from __future__ import annotations

import math
import re
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

RATE = re.compile(r"^(?P<count>\d+)/(?P<amount>\d*)(?P<unit>[smhd])")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class PeriodRateMixin:
    """Accepts "100/15m" (100 requests per 15 minutes) besides DRF's "100/hour"."""

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        if rate is None:
            return (None, None)
        match = RATE.match(rate)
        if not match:
            raise ValueError(f"Invalid throttle rate {rate!r}")
        amount = int(match["amount"] or 1)
        return int(match["count"]), amount * SECONDS[match["unit"]]


class AnonThrottle(PeriodRateMixin, AnonRateThrottle):
    scope = "anon"


class StaffThrottle(PeriodRateMixin, UserRateThrottle):
    scope = "staff"


class LoginIPThrottle(PeriodRateMixin, SimpleRateThrottle):
    """Login attempts per client address."""

    scope = "login_ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(PeriodRateMixin, SimpleRateThrottle):
    """Login attempts per username, so guessing one account's password from many addresses is slowed too."""

    scope = "login_username"

    def get_cache_key(self, request, view) -> str | None:
        # request.data in the API; request.POST for the admin's login form (see rate_limited below).
        data = request.data if hasattr(request, "data") else request.POST
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.strip().lower()}


class WebhookThrottle(PeriodRateMixin, SimpleRateThrottle):
    """Webhook calls per source address: a flood of forged calls is cut off before any signature is checked."""

    scope = "webhook"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def rate_limited(*throttle_classes: type[SimpleRateThrottle], methods: tuple[str, ...] | None = None):
    """The DRF throttles above for a plain Django view: a 429 with Retry-After once any of them refuses.

    Only requests with one of `methods` count (all when None): a login page shown with GET costs no attempt.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if methods is None or request.method in methods:
                for throttle_class in throttle_classes:
                    throttle = throttle_class()
                    if not throttle.allow_request(request, None):
                        return _too_many_requests(throttle.wait())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _too_many_requests(wait: float | None) -> HttpResponse:
    response = HttpResponse(
        gettext("Too many requests. Please wait a few minutes and try again."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    if wait is not None:
        response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


login_rate_limited = rate_limited(LoginIPThrottle, LoginUsernameThrottle, methods=("POST",))
webhook_rate_limited = rate_limited(WebhookThrottle)
