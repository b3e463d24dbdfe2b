"""The load figure: concurrent API clients against gunicorn for a while, as the frontend's users would be.

Each client is its own staff member with a JWT (so the per-user throttle counts each one apart, as in production),
on its own keep-alive connection, sending the frontend's reads one after another: the lead list, new leads, a
name search, one lead, the customer list. gunicorn runs as in production (`renos.wsgi`, DEBUG off) on a free
loopback port; the clients are threads of this process.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from leads.models import Lead
from renos.benchmarks.core import Figure, percentile
from renos.benchmarks.data import Dataset, office_staff_token
from renos.benchmarks.processes import BIN, free_port, running

# As the Dockerfile starts it (GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT defaults), with the database
# connections kept as production keeps them (DATABASE_CONN_MAX_AGE is 60 when DJANGO_ENV=production).
GUNICORN_ARGS = ["--workers=3", "--threads=4", "--timeout=60", "--max-requests=1000", "--max-requests-jitter=100"]
SERVER_ENV = {"DATABASE_CONN_MAX_AGE": "60"}


@dataclass
class Tally:
    """What the clients saw: every client thread appends here (list.append is atomic under the GIL)."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0

    def start(self) -> None:
        self.started = time.perf_counter()


def bench_load(*, dataset: Dataset, clients: int, seconds: float) -> list[Figure]:
    port = free_port()
    paths = _paths(dataset)
    tokens = _tokens(clients)
    server = [
        str(BIN / "gunicorn"),
        "renos.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        *GUNICORN_ARGS,
        "--preload",  # Django is loaded once, before the workers fork: a quicker start, the same serving
        "--log-level=warning",
    ]
    with running("gunicorn", server, ready=lambda: _answers(port), env=SERVER_ENV) as server_log:
        tally = Tally()
        # Every client first sends one round untimed (connections open, workers warm), then all start together.
        together = threading.Barrier(clients, action=tally.start)
        threads = [
            threading.Thread(target=_client, args=(port, token, paths, number, seconds, tally, together), daemon=True)
            for number, token in enumerate(tokens)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - tally.started
        log = server_log()
    name = f"API under load, {clients} clients × {seconds:g} s, gunicorn"
    count = len(tally.latencies)
    examples = "; ".join(sorted(set(tally.errors))[:3])
    if tally.errors and log.strip():
        examples += f"\ngunicorn said: {log.strip()[-1000:]}"
    return [
        Figure(f"{name}: failed requests", len(tally.errors), "", 0, higher_is_better=False, note=examples),
        Figure(f"{name}: throughput", count / elapsed, "req/s", None),
        Figure(f"{name}: p50", percentile(tally.latencies, 0.50) if count else 0, "ms", None, False),
        Figure(f"{name}: p99", percentile(tally.latencies, 0.99) if count else 0, "ms", None, False),
    ]


def _paths(dataset: Dataset) -> list[str]:
    recent = Lead.objects.order_by("-created_at", "-id").values_list("pk", flat=True)[:10]
    return [
        "/api/leads/",
        "/api/leads/?status=new",
        *(f"/api/leads/?{urlencode({'search': term})}" for term in dataset.search_terms[:2]),
        *(f"/api/leads/{pk}/" for pk in recent[:3]),
        "/api/customers/",
    ]


def _tokens(clients: int) -> list[str]:
    return [office_staff_token(f"client-{number}") for number in range(clients)]


def _answers(port: int) -> bool:
    """Any answer means a worker is up (the login required here is the cheapest answer there is)."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/leads/")
        connection.getresponse().read()
        connection.close()
    except OSError:
        return False
    return True


def _client(
    port: int, token: str, paths: list[str], number: int, seconds: float, tally: Tally, together: threading.Barrier
) -> None:
    client = _Client(port, token)
    for path in paths:
        client.get(path)
    together.wait()
    deadline = tally.started + seconds
    step = number  # clients start at different places in the round, like users doing different things
    while time.perf_counter() < deadline:
        path = paths[step % len(paths)]
        step += 1
        started = time.perf_counter()
        error = client.get(path)
        if error:
            tally.errors.append(error)
        else:
            tally.latencies.append((time.perf_counter() - started) * 1000)
    client.connection.close()


class _Client:
    """One user's keep-alive connection, opened again when the server has closed it."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.connection = self._connect()
        self.reused = False

    def get(self, path: str) -> str:
        """GET the path; "" when it answered 200, else what went wrong.

        A kept-alive connection the server closed just as the request went out is retried once on a new one, as
        browsers do (RFC 9112 §9.3.1: a GET may be retried); any other failure counts."""
        try:
            return self._get(path)
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
            if not self.reused:
                return self._failed(path, exc)
        except (OSError, http.client.HTTPException) as exc:
            return self._failed(path, exc)
        self.connection.close()
        self.connection = self._connect()
        try:
            return self._get(path)
        except (OSError, http.client.HTTPException) as exc:
            return self._failed(path, exc)

    def _get(self, path: str) -> str:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        self.reused = not response.will_close
        return "" if response.status == 200 else f"{path}: HTTP {response.status}"

    def _failed(self, path: str, exc: Exception) -> str:
        self.connection.close()
        self.connection = self._connect()
        return f"{path}: {type(exc).__name__}"

    def _connect(self) -> http.client.HTTPConnection:
        self.reused = False
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
