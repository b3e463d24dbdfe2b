"""LOG_FORMAT and LOG_LEVEL, one handler for every logger, and Celery logging through it instead of its own."""

from __future__ import annotations

import logging

import environ
import pytest
from celery.app import log as celery_log
from celery.utils.log import ColorFormatter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from renos.celery import app as celery_app
from renos.observability.logs import ScrubPersonalData
from renos.settings_logging import logging_settings
from tests.observability.conftest import renos_handler


@pytest.fixture
def log_env(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    return monkeypatch


@pytest.mark.parametrize(("debug", "expected"), [(True, "console"), (False, "json")])
def test_the_format_is_readable_under_make_run_and_json_elsewhere(log_env, debug, expected):
    values = logging_settings(environ.Env(), debug=debug)

    assert values["LOG_FORMAT"] == expected
    assert values["LOGGING"]["handlers"]["default"]["formatter"] == expected
    assert values["LOG_LEVEL"] == "INFO"


def test_log_format_and_level_come_from_the_environment(log_env):
    log_env.setenv("LOG_FORMAT", "console")
    log_env.setenv("LOG_LEVEL", "warning")

    values = logging_settings(environ.Env(), debug=False)

    assert values["LOGGING"]["handlers"]["default"]["formatter"] == "console"
    assert values["LOGGING"]["root"]["level"] == "WARNING"
    assert values["LOGGING"]["loggers"]["django"]["level"] == "WARNING"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("LOG_FORMAT", "xml", "LOG_FORMAT must be json or console"), ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of")],
)
def test_a_mistyped_log_setting_stops_the_start(log_env, name, value, message):
    log_env.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        logging_settings(environ.Env(), debug=False)


def test_every_logger_writes_through_the_one_handler_with_the_ids_and_the_scrubbing():
    handler = renos_handler()

    assert any(isinstance(item, ScrubPersonalData) for item in handler.filters)
    for name in ("gunicorn.error", "gunicorn.access"):
        assert handler in logging.getLogger(name).handlers
        assert not logging.getLogger(name).propagate
    for name in ("django", "django.server", "celery"):
        logger = logging.getLogger(name)
        assert not [handler for handler in logger.handlers if not isinstance(handler, logging.NullHandler)]
        assert logger.propagate


def test_celery_worker_and_beat_log_through_settings_logging_not_their_own_handlers(monkeypatch):
    for name in ("_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(celery_log.Logging, "_setup", celery_log.Logging._setup)
    monkeypatch.setattr(celery_app.log, "already_setup", False)

    # What `celery worker --loglevel=DEBUG` and `celery beat` do at start.
    celery_app.log.setup_logging_subsystem(loglevel="DEBUG")

    root = logging.getLogger()
    assert renos_handler() in root.handlers
    assert logging.getLevelName(root.level) == settings.LOG_LEVEL
    for name in ("", "celery", "celery.task"):
        # Celery's own handler is the one with its (colour) formatter.
        assert not [
            handler for handler in logging.getLogger(name).handlers if isinstance(handler.formatter, ColorFormatter)
        ]
