"""Starting the processes some figures need (a Celery worker, gunicorn) against this run's database and broker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BIN = Path(sys.executable).parent
STOP_SECONDS = 3


def process_env() -> dict[str, str]:
    """This process's environment, pointed at the database it uses now (under pytest, the test database)."""
    database = connection.settings_dict
    if connection.vendor != "postgresql":
        raise RuntimeError("The worker and load figures need PostgreSQL (run them with `make bench`).")
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    port = f":{database['PORT']}" if database["PORT"] else ""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{credentials}@{host}{port}/{quote(database['NAME'], safe='')}"
    env["DJANGO_SETTINGS_MODULE"] = "renos.settings"
    env["RENOS_VAR_DIR"] = str(settings.VAR_DIR)
    # The same key, so JWTs this process signs are valid there.
    env["DJANGO_SECRET_KEY"] = settings.SECRET_KEY
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(
    name: str, args: list[str], *, ready: Callable[[], bool], env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[Callable[[], str]]:
    """Run `args` until the block ends; `ready` is polled until it answers True (its output is shown if it dies).
    The block gets a function that returns what the process has printed so far.

    It is stopped with SIGQUIT, the quick shutdown of both gunicorn and Celery (nothing is left to finish by then),
    and killed with its children if it takes longer than STOP_SECONDS.
    """
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            args,
            env={**process_env(), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"The {name} did not start:\n{_read(log)[-2000:]}")
                time.sleep(0.2)
            yield lambda: _read(log)
        finally:
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                # Its own process group (start_new_session): the workers it forked go with it.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _read(log: IO[str]) -> str:
    log.flush()
    log.seek(0)
    text = log.read()
    log.seek(0, os.SEEK_END)
    return text
