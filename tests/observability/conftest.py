"""The log lines RenOS writes, caught at the handler settings.LOGGING puts on the root logger."""

from __future__ import annotations

import io
import json
import logging

import pytest

from renos.observability.logs import ConsoleFormatter, ContextFilter, JsonFormatter


def renos_handler() -> logging.Handler:
    """The root handler settings.LOGGING configured (the one with the request/task id filter)."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(item, ContextFilter) for item in handler.filters)
    ]
    assert len(handlers) == 1, logging.getLogger().handlers
    return handlers[0]


class CapturedLog:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[str]:
        return self.text.splitlines()

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines()]


def _capture(formatter: logging.Formatter, level: int = logging.INFO):
    handler = renos_handler()
    root = logging.getLogger()
    stream = io.StringIO()
    saved = (handler.formatter, root.level)
    previous_stream = handler.setStream(stream)  # type: ignore[attr-defined]
    handler.setFormatter(formatter)
    root.setLevel(level)
    try:
        yield CapturedLog(stream)
    finally:
        handler.setStream(previous_stream)  # type: ignore[attr-defined]
        handler.setFormatter(saved[0])
        root.setLevel(saved[1])


@pytest.fixture
def json_log():
    """What the real handler writes as JSON lines, whatever LOG_FORMAT the test run has."""
    yield from _capture(JsonFormatter())


@pytest.fixture
def console_log():
    yield from _capture(ConsoleFormatter())
