"""The ids of the work running now: the HTTP request's id and the Celery task's id, for every log line and event.

Context variables rather than thread locals: each thread (gunicorn's threads, Celery's pool) and each asyncio task
sees its own values, and a task run eagerly inside a request sees both.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("renos_request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("renos_task_id", default=None)


def current_ids() -> dict[str, str | None]:
    return {"request_id": request_id.get(), "task_id": task_id.get()}
