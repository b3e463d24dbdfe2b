"""Celery settings (the CELERY_ namespace of renos.celery): read from the environment, called once from renos.settings.

With REDIS_URL set, Redis is the broker; without it, kombu's filesystem transport under var/broker/ needs no server
and works across the web, worker and beat processes of `make run`.

Delivery: a task is acknowledged when it has finished (acks_late), and a worker that dies mid-task hands it back
(reject_on_worker_lost), so nothing is lost when a container is replaced. That means a task can run twice: the
journey's tasks are written for that (renos/pipeline.py), and the few that are not opt out in TASK_ANNOTATIONS.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from renos.settings_deploy import env_bool, env_int

# The queues a worker must consume (Procfile, docker-compose.yml): outbound messages to customers, calls that
# synchronise with outside systems (so a slow Billy or Google never holds up an SMS), and everything else.
QUEUE_DEFAULT = "default"
QUEUE_MESSAGING = "messaging"
QUEUE_SYNC = "sync"
QUEUES = (QUEUE_DEFAULT, QUEUE_MESSAGING, QUEUE_SYNC)

TASK_ROUTES = {
    # Outbound email and SMS to customers.
    "renos.pipeline.answer_lead": {"queue": QUEUE_MESSAGING},
    "renos.pipeline.offer_slots": {"queue": QUEUE_MESSAGING},
    "renos.pipeline.confirm_booking": {"queue": QUEUE_MESSAGING},
    "renos.pipeline.notify_booking_change": {"queue": QUEUE_MESSAGING},
    "renos.pipeline.send_booking_reminder": {"queue": QUEUE_MESSAGING},
    "renos.pipeline.send_invoice_reminder": {"queue": QUEUE_MESSAGING},
    "renos.backoffice.customer360.emails.send_customer_email": {"queue": QUEUE_MESSAGING},
    # Synchronising with Gmail, Google Calendar and Billy.
    "renos.pipeline.poll_inbox": {"queue": QUEUE_SYNC},
    "renos.pipeline.renew_gmail_watch": {"queue": QUEUE_SYNC},
    "renos.pipeline.sync_calendar": {"queue": QUEUE_SYNC},
    "renos.pipeline.sync_invoice_to_billy": {"queue": QUEUE_SYNC},
    "renos.pipeline.sync_billy_payment": {"queue": QUEUE_SYNC},
    # Booking an SMS reply and the sweeps that queue one task per row: quick database work.
    "renos.pipeline.handle_sms_reply": {"queue": QUEUE_DEFAULT},
    "renos.pipeline.apply_delivery_report": {"queue": QUEUE_DEFAULT},
    "renos.pipeline.send_booking_reminders": {"queue": QUEUE_DEFAULT},
    "renos.pipeline.mark_overdue_and_remind": {"queue": QUEUE_DEFAULT},
    "renos.pipeline.sync_billy_payments": {"queue": QUEUE_DEFAULT},
}

# Tasks that must not run twice, so they are acknowledged when they start: a worker lost mid-task loses them
# instead of repeating them.
TASK_ANNOTATIONS = {
    # An unclear reply is answered with a new clarification SMS on every run.
    "renos.pipeline.handle_sms_reply": {"acks_late": False},
    # The SMS about a moved or cancelled booking is not recorded on the booking, so a second run sends it again.
    "renos.pipeline.notify_booking_change": {"acks_late": False},
}

# The longest delay before a task runs again: the retry backoff's cap in renos/pipeline.py (RETRY). Nothing else
# schedules with a countdown or an ETA.
LONGEST_COUNTDOWN_SECONDS = 600


def celery_settings(env: environ.Env, *, redis_url: str, var_dir: Path, time_zone: str) -> dict[str, object]:
    soft_limit = env_int(env, "CELERY_TASK_SOFT_TIME_LIMIT", 300)
    hard_limit = env_int(env, "CELERY_TASK_TIME_LIMIT", 360)
    if not 0 < soft_limit < hard_limit:
        raise ImproperlyConfigured(
            f"CELERY_TASK_SOFT_TIME_LIMIT ({soft_limit}) must be above 0 "
            f"and below CELERY_TASK_TIME_LIMIT ({hard_limit})."
        )
    # Redis hands an unacknowledged task to another worker after this many seconds. A retry waiting for its
    # countdown and a task still running are both unacknowledged, so it must outlast the longest of each, or the
    # task would run twice at once.
    visibility_timeout = env_int(env, "CELERY_VISIBILITY_TIMEOUT", 3600)
    if visibility_timeout <= LONGEST_COUNTDOWN_SECONDS + hard_limit:
        raise ImproperlyConfigured(
            f"CELERY_VISIBILITY_TIMEOUT ({visibility_timeout}) must exceed the longest retry delay "
            f"({LONGEST_COUNTDOWN_SECONDS}) plus CELERY_TASK_TIME_LIMIT ({hard_limit})."
        )
    if redis_url:
        broker_url = redis_url
        transport_options: dict[str, object] = {"visibility_timeout": visibility_timeout}
    else:
        broker_dir = var_dir / "broker"
        for sub in ("queue", "processed", "control"):
            (broker_dir / sub).mkdir(parents=True, exist_ok=True)
        broker_url = "filesystem://"
        transport_options = {
            "data_folder_in": str(broker_dir / "queue"),
            "data_folder_out": str(broker_dir / "queue"),
            "processed_folder": str(broker_dir / "processed"),
            "control_folder": str(broker_dir / "control"),
            "store_processed": False,
        }
    return {
        "CELERY_BROKER_URL": broker_url,
        "CELERY_BROKER_TRANSPORT_OPTIONS": transport_options,
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        # JSON only: a message can never make a worker unpickle code.
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_RESULT_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
        "CELERY_TASK_IGNORE_RESULT": True,
        "CELERY_TIMEZONE": time_zone,
        "CELERY_TASK_ALWAYS_EAGER": env_bool(env, "CELERY_TASK_ALWAYS_EAGER", False),
        "CELERY_BEAT_SCHEDULER": "django_celery_beat.schedulers:DatabaseScheduler",
        "CELERY_TASK_ACKS_LATE": True,
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,
        # Without a broker connection a running task cannot be acknowledged and comes back anyway: stop it.
        "CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS": True,
        # One task at a time per process: a long Billy call never sits on SMS that another process could send.
        "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,
        "CELERY_TASK_SOFT_TIME_LIMIT": soft_limit,
        "CELERY_TASK_TIME_LIMIT": hard_limit,
        # Worker processes (each runs one task at a time).
        "CELERY_WORKER_CONCURRENCY": env_int(env, "CELERY_WORKER_CONCURRENCY", 2),
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE_DEFAULT,
        # Declared, so a worker started without --queues still consumes all three.
        "CELERY_TASK_QUEUES": tuple(Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES),
        "CELERY_TASK_ROUTES": TASK_ROUTES,
        "CELERY_TASK_ANNOTATIONS": TASK_ANNOTATIONS,
        "RENOS_CELERY_QUEUES": QUEUES,
        # /health/ answers 503 when a queue holds more waiting tasks than this.
        "HEALTH_QUEUE_BACKLOG_MAX": env_int(env, "HEALTH_QUEUE_BACKLOG_MAX", 500),
        # /health/ answers 503 when the inbox has not been polled (every minute by beat) for this long.
        "HEALTH_BEAT_MAX_AGE_SECONDS": env_int(env, "HEALTH_BEAT_MAX_AGE_SECONDS", 300),
    }
