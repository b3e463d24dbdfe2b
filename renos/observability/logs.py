"""The pieces of settings.LOGGING: filters that add the ids and mask personal data, and the two formatters.

JSON (production): one object per line with time (ISO 8601, UTC), level, logger, message, request_id, task_id, the
call's `extra` fields, and an exception as one string field. Console (`make run`): one readable line with the ids.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from renos.observability import context
from renos.observability.scrub import scrub_text, scrub_value

ID_FIELDS = ("request_id", "task_id")
# Attributes of every LogRecord, and objects some libraries pass as `extra` that must not be printed whole:
# Django's `request` (its repr has the query string) and runserver's socket and time.
NOT_EXTRA = frozenset(RESERVED_ATTRS) | {
    "message",
    "asctime",
    "taskName",
    *ID_FIELDS,
    "request",
    "server_time",
}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What the log call passed as `extra`."""
    return {key: value for key, value in record.__dict__.items() if key not in NOT_EXTRA and not key.startswith("_")}


class ContextFilter(logging.Filter):
    """Puts `request_id` and `task_id` of the running request or task on every record (None outside them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in context.current_ids().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class ScrubPersonalData(logging.Filter):
    """Masks email addresses and phone numbers in the message and in `extra` text (fields named *_id excepted:
    they carry ids by design, and a long numeric id must stay readable). Exceptions are masked by the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: the handler reports it
            return True
        record.msg, record.args = scrub_text(message), None
        for key, value in extra_fields(record).items():
            if key != "id" and not key.endswith("_id"):
                setattr(record, key, scrub_value(value))
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        return True


class _ScrubbedExceptions(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return scrub_text(super().formatException(ei))


class JsonFormatter(_ScrubbedExceptions, BaseJsonFormatter):
    """One JSON object per line; the fields collectors index first come first."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            reserved_attrs=sorted(NOT_EXTRA),
            rename_fields={"exc_info": "exception", "stack_info": "stack"},
            json_ensure_ascii=False,
            **kwargs,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = (
            datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for name in ID_FIELDS:
            log_data[name] = getattr(record, name, None)
        super().add_fields(log_data, record, message_dict)


class ConsoleFormatter(_ScrubbedExceptions):
    """`14:03:07 INFO    renos.pipeline [request=… task=…] message key=value`, then the traceback if any."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fmt="%(asctime)s", datefmt="%H:%M:%S", **kwargs)

    def formatMessage(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{name[:-3]}={value}" for name in ID_FIELDS if (value := getattr(record, name, None)))
        extras = " ".join(f"{key}={value}" for key, value in extra_fields(record).items())
        parts = (
            record.asctime,
            f"{record.levelname:<7}",
            record.name,
            f"[{ids}]" if ids else "",
            record.message,
            extras,
        )
        return " ".join(part for part in parts if part)
