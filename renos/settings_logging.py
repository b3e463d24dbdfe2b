"""Logs and Sentry: read from the environment, called once from renos.settings.

- LOG_FORMAT: `json` (one object per line, for a log collector) or `console` (a readable line). Default: console
  with DJANGO_DEBUG on (`make run`), json otherwise (the Docker image, production).
- LOG_LEVEL: the least severe level written (default INFO).
- SENTRY_DSN: errors go to Sentry when set; SENTRY_ENVIRONMENT (default: DJANGO_ENV), SENTRY_RELEASE and
  SENTRY_TRACES_SAMPLE_RATE (0 to 1, default 0: errors only) describe them.

Web, worker and beat all log through settings.LOGGING (Celery's own setup is switched off in renos/celery.py), and
so does gunicorn's error and access log once its worker has loaded Django.
"""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

from renos.observability.sentry import sentry_init

LOG_FORMATS = ("json", "console")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def logging_settings(env: environ.Env, *, debug: bool) -> dict[str, object]:
    log_format = env.str("LOG_FORMAT", default="").strip().lower() or ("console" if debug else "json")
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be json or console, not {log_format!r}")
    level = env.str("LOG_LEVEL", default="").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ImproperlyConfigured(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return {"LOG_FORMAT": log_format, "LOG_LEVEL": level, "LOGGING": logging_config(log_format, level)}


def logging_config(log_format: str, level: str) -> dict[str, object]:
    """One handler on stderr, on the root logger: every logger (Django's, Celery's, gunicorn's, ours) ends there."""
    # Django's and gunicorn's loggers say a lot at DEBUG (every SQL query with DEBUG on): INFO at most.
    library_level = "INFO" if level == "DEBUG" else level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "renos.observability.logs.ContextFilter"},
            "scrub": {"()": "renos.observability.logs.ScrubPersonalData"},
        },
        "formatters": {
            "json": {"()": "renos.observability.logs.JsonFormatter"},
            "console": {"()": "renos.observability.logs.ConsoleFormatter"},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context", "scrub"]},
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # Django's defaults give these handlers of their own (plain text, mail to ADMINS): through ours instead.
            "django": {"handlers": [], "level": library_level, "propagate": True},
            "django.server": {"handlers": [], "level": library_level, "propagate": True},
            "gunicorn.error": {"handlers": ["default"], "level": library_level, "propagate": False},
            "gunicorn.access": {"handlers": ["default"], "level": library_level, "propagate": False},
            # fpdf2 subsets the invoice font with fontTools, which reports every table it touches at INFO.
            "fontTools": {"level": "WARNING"},
        },
    }


def sentry_settings(env: environ.Env, *, environment: str) -> dict[str, object]:
    """The SENTRY_ settings; starts Sentry when SENTRY_DSN is set (in settings, so web, worker and beat all report)."""
    dsn = env.str("SENTRY_DSN", default="").strip()
    sentry_environment = env.str("SENTRY_ENVIRONMENT", default="").strip() or environment
    release = env.str("SENTRY_RELEASE", default="").strip()
    raw_rate = env.str("SENTRY_TRACES_SAMPLE_RATE", default="").strip() or "0"
    try:
        rate = float(raw_rate)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, not {raw_rate!r}")
    sentry_init(dsn=dsn, environment=sentry_environment, release=release, traces_sample_rate=rate)
    return {
        "SENTRY_DSN": dsn,
        "SENTRY_ENVIRONMENT": sentry_environment,
        "SENTRY_RELEASE": release,
        "SENTRY_TRACES_SAMPLE_RATE": rate,
    }
