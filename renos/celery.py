"""The Celery application: configured from Django settings (the CELERY_ namespace, see renos/settings_celery.py:
queues and routes, late acknowledgement, time limits).

Workers consume every queue: `celery -A renos worker --queues=default,messaging,sync` (Procfile, docker-compose.yml).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renos.settings")

app = Celery("renos")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Logs: the task id on every line a task writes, and settings.LOGGING in worker and beat instead of Celery's own.
from renos.observability.celery_signals import connect_celery_signals  # noqa: E402

connect_celery_signals()
