"""Celery's side of the logs: the task id around every task run, and Django's LOGGING instead of Celery's own.

Connected by renos/celery.py, so worker, beat and eager runs (tests, CELERY_TASK_ALWAYS_EAGER) all behave alike.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from celery import signals

from renos.observability import context

# The reset token of each running task, by task id: a task run eagerly inside another one nests, and each
# postrun puts back exactly what its prerun replaced.
_tokens: dict[str, Token[str | None]] = {}


def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _tokens[task_id] = context.task_id.set(task_id)


def _task_finished(task_id: str | None = None, **_: Any) -> None:
    token = _tokens.pop(task_id, None) if task_id else None
    if token is not None:
        context.task_id.reset(token)


def _configure_logging(**_: Any) -> None:
    """Worker and beat log like the web process (settings.LOGGING): a connected receiver stops Celery from
    replacing the root logger's handlers with its own."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def connect_celery_signals() -> None:
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="renos.observability.task_started")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="renos.observability.task_finished")
    signals.setup_logging.connect(_configure_logging, weak=False, dispatch_uid="renos.observability.setup_logging")
