"""Fixtures for the resilience tests: a real Celery worker in a subprocess, the fake outside world on loopback,
and control over the PostgreSQL and Redis that scripts/with-services.sh started (stop, start, restart).

The worker reads the same database as the test (pytest-django's test_renos…, passed in DATABASE_URL), so the tests
use `transactional_db`: what a test writes is committed and the worker sees it. Every process started here is
stopped at teardown, and a stopped Redis is started again, also when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connections

from tests.resilience.edge import EDGE_URL_VARIABLE, Edge, wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVICE_VARIABLES = ("RENOS_TEST_PG_CTL", "RENOS_TEST_PGDATA", "RENOS_TEST_PG_LOG", "RENOS_TEST_REDIS_SERVER")
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
OUR_NUMBER = "+4578787878"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "resilience: runs a real Celery worker and stops or restarts PostgreSQL and Redis (tests/resilience)"
    )


@pytest.fixture(autouse=True)
def _needs_the_test_services() -> None:
    missing = [name for name in SERVICE_VARIABLES if not os.environ.get(name)]
    if missing:
        pytest.skip(f"run through scripts/with-services.sh (make test): {', '.join(missing)} not set")


# --- The outside world and the worker ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _world() -> Iterator[Edge]:
    world = Edge()
    yield world
    world.close()


@pytest.fixture
def edge(_world, monkeypatch) -> Iterator[Edge]:
    """The fake outside world (Twilio, Gmail, Gemini), for this process and for the worker; fresh for each test."""
    _world.reset()
    monkeypatch.setenv(EDGE_URL_VARIABLE, _world.url)
    yield _world
    _world.reset()


def worker_settings(folder: Path, edge: Edge) -> dict[str, str]:
    """The environment (RenOS settings) of the worker: the test database, SMS through Twilio at the edge, Gemini
    at the edge, the local inbox folder and our own bookings as the calendar."""
    db = settings.DATABASES["default"]
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "RENOS_VAR_DIR": str(folder / "var"),
        "INBOX_BACKEND": "integrations.inbox.LocalFolderInbox",
        "INBOX_LOCAL_DIR": str(folder / "inbox"),
        "INBOX_LOCAL_GRACE_SECONDS": "0",
        "MAIL_SENDER_BACKEND": "integrations.mail.DjangoMailSender",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "SMS_BACKEND": "tests.resilience.edge.EdgeTwilioSms",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": "test-token",
        "TWILIO_PHONE_NUMBER": OUR_NUMBER,
        "TWILIO_TIMEOUT_SECONDS": "5",
        "PUBLIC_BASE_URL": "https://renos.example.dk",
        "AI_BACKEND": "tests.resilience.edge.EdgeGeminiAdvisor",
        "GEMINI_API_KEY": "test-key",
        "GEMINI_MAX_ATTEMPTS": "1",
        "CALENDAR_BACKEND": "integrations.calendar.LocalCalendar",
        "BILLING_BACKEND": "integrations.billy.LocalBilling",
        "CELERY_WORKER_CONCURRENCY": "1",
        EDGE_URL_VARIABLE: edge.url,
    }


class Worker:
    """`celery -A renos worker` consuming every queue with one pool process, logging to a file."""

    def __init__(self, *, env: dict[str, str], log_file: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_file = log_file
        self.inbox = Path(env["INBOX_LOCAL_DIR"])
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> Worker:
        queues = ",".join(settings.RENOS_CELERY_QUEUES)
        command = [sys.executable, "-m", "celery", "-A", "renos", "worker", "--pool=prefork", "--concurrency=1"]
        command += [f"--queues={queues}", f"--hostname=resilience-{uuid.uuid4().hex[:8]}@localhost"]
        command += ["--without-gossip", "--without-mingle", "--loglevel=INFO"]
        with self.log_file.open("ab") as log:
            # A session of its own: stopping it stops its pool processes too.
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(lambda: " ready." in self.log() or self._died(), timeout=60, what="the worker to be ready")
        return self

    def pool_children(self) -> list[int]:
        """The ids of the worker's pool processes (the ones that run tasks)."""
        if not self.running:
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                children.append(int(stat.parent.name))
        return children

    def kill_pool_child(self) -> int:
        """SIGKILL the pool process (as the kernel's OOM killer would); the main process starts a new one."""
        (child,) = wait_until(self.pool_children, timeout=10, what="the pool process")
        os.kill(child, signal.SIGKILL)
        return child

    def stop(self) -> None:
        """Kill the worker and its pool at once: what it had not acknowledged stays in the broker."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def _died(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the worker exited with {self.process.returncode}:\n{self.log()[-3000:]}")
        return False


@pytest.fixture
def worker(seeded_catalogue, edge, tmp_path, request) -> Iterator[Worker]:
    """A running worker against this test's committed data (transactional_db), an empty inbox and the edge.

    Killed at teardown, before the test database is emptied: a task it was still running (the answer to a new lead,
    a retry waiting for its countdown) would otherwise hold locks the emptying waits for, or leak into the next
    test. What it had not acknowledged is wiped with Redis by the next test's cache clearing.
    """
    running = Worker(env=worker_settings(tmp_path, edge), log_file=tmp_path / "worker.log")
    running.inbox.mkdir(parents=True)
    declare_queues()
    try:
        yield running.start()
    finally:
        running.stop()
        if request.node.stash.get(FAILED, False):
            sys.stderr.write(f"--- worker log ---\n{running.log()[-6000:]}\n")


def declare_queues() -> None:
    """Declare the task queues in Redis again: each test empties Redis (tests/conftest.py clears the cache), and a
    message published to an exchange whose bindings are gone is dropped."""
    from renos.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in app.amqp.queues.values():
            queue.bind(channel).declare()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


# --- The servers ------------------------------------------------------------------------------------------------


class Redis:
    """The test run's Redis: stop it (data and all: it keeps nothing on disk) and start it again."""

    def __init__(self) -> None:
        self.url = settings.REDIS_URL
        self.command = shlex.split(os.environ["RENOS_TEST_REDIS_SERVER"])

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    def is_up(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        with contextlib.suppress(redis.ConnectionError):  # SHUTDOWN closes the connection it came on
            self.client().shutdown(nosave=True)
        wait_until(lambda: not self.is_up(), timeout=10, what="Redis to stop")

    def start(self) -> None:
        if not self.is_up():
            subprocess.run(self.command, check=True, capture_output=True, timeout=20)
            wait_until(self.is_up, timeout=10, what="Redis to start")
            declare_queues()


@pytest.fixture
def redis_server() -> Iterator[Redis]:
    server = Redis()
    yield server
    server.start()


def restart_postgres() -> None:
    """`pg_ctl restart -m fast`: every open connection is cut, and the server is back when this returns."""
    command = shlex.split(os.environ["RENOS_TEST_PG_CTL"])
    command += [
        "restart",
        "-m",
        "fast",
        "-w",
        "-D",
        os.environ["RENOS_TEST_PGDATA"],
        "-l",
        os.environ["RENOS_TEST_PG_LOG"],
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    # This process's connections died with the old server: open new ones for the assertions.
    for connection in connections.all():
        connection.close_if_unusable_or_obsolete()
        connection.close()
