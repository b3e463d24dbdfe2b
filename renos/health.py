"""`GET /health/`: is the database, the cache and the broker answering, is beat polling, are the queues keeping up?

Every check answers "ok", "unknown" (it cannot tell here, e.g. queue lengths with the file broker of `make run`) or
the word for what is wrong ("error", "stale", "backlog"); anything but ok and unknown makes the answer a 503. The body
names each check and holds no secrets, versions or error details.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from messaging.models import MailboxState
from renos.celery import app as celery_app

OK, UNKNOWN = "ok", "unknown"
HEALTHY = (OK, UNKNOWN)


class Degraded(Exception):
    """A check that ran and found a problem; its status word ("stale", "backlog") is the message."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=5)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)
    return OK


def check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return OK


def check_beat() -> str:
    """Beat queues an inbox poll every minute and the poll records its time: none for a while means beat (or the
    worker that runs the poll) has stopped, and new leads wait unanswered."""
    last_poll = MailboxState.objects.aggregate(last=Max("last_polled_at"))["last"]
    if last_poll is None or timezone.now() - last_poll > timedelta(seconds=settings.HEALTH_BEAT_MAX_AGE_SECONDS):
        raise Degraded("stale")
    return OK


def queue_lengths() -> dict[str, int] | None:
    """Tasks waiting in each queue, or None when the broker is not Redis (nothing to count)."""
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        # kombu's Redis transport keeps each queue as a list named after it.
        pipe = client.pipeline(transaction=False)
        for name in settings.RENOS_CELERY_QUEUES:
            pipe.llen(name)
        return dict(zip(settings.RENOS_CELERY_QUEUES, pipe.execute(), strict=True))
    finally:
        client.close()


def check_queues() -> str:
    lengths = queue_lengths()
    if lengths is None:
        return UNKNOWN
    if any(length > settings.HEALTH_QUEUE_BACKLOG_MAX for length in lengths.values()):
        raise Degraded("backlog")
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "beat": check_beat,
    "queues": check_queues,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Degraded as exc:
            results[name] = str(exc)
        except Exception:  # noqa: BLE001 - any failure means "not healthy", and its details stay private
            results[name] = "error"
    return results


@never_cache
@require_GET
def health(request):
    results = run_checks()
    failing = sorted(name for name, value in results.items() if value not in HEALTHY)
    body = {"status": "error" if failing else "ok", "checks": results}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
