"""Throttles backed by the cache (Redis when configured), with rates like "100/15m"."""

from __future__ import annotations

import re

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
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.strip().lower()}
