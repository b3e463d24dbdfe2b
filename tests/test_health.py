"""`/health/` answers without auth and names a failing check: database, cache, broker, beat and queue backlog."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from datetime import timedelta

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from messaging.models import MailboxState
from renos import health
from tests.deploy.helpers import ROOT

ALL_OK = {"database": "ok", "cache": "ok", "broker": "ok", "beat": "ok", "queues": "ok"}


@pytest.fixture
def polled_just_now(db):
    return MailboxState.objects.create(name="inbox", last_polled_at=timezone.now())


@pytest.fixture
def broker():
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(*django_settings.RENOS_CELERY_QUEUES)
    yield client
    client.delete(*django_settings.RENOS_CELERY_QUEUES)


@pytest.mark.django_db
def test_health_is_ok_when_everything_answers_and_beat_polls(client, polled_just_now, broker):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": ALL_OK}


@pytest.mark.django_db
def test_health_is_503_naming_the_check_that_failed(client, monkeypatch, polled_just_now):
    def broken() -> None:
        raise ConnectionError("redis://user:secret@host down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert response.json()["failing"] == ["broker"]
    assert "secret" not in response.content.decode()


@pytest.mark.django_db
def test_health_reveals_no_versions(client):
    body = client.get("/health/").content.decode().lower()
    assert "django" not in body
    assert "version" not in body


@pytest.mark.django_db
def test_a_beat_that_stopped_polling_the_inbox_is_reported_stale(client, broker):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        MailboxState.objects.create(name="inbox", last_polled_at=timezone.now())
        traveller.shift(timedelta(minutes=4, seconds=59))
        assert client.get("/health/").status_code == 200

        traveller.shift(timedelta(seconds=2))
        response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == "stale"
    assert response.json()["failing"] == ["beat"]


@pytest.mark.django_db
def test_an_inbox_never_polled_is_stale(client, broker):
    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == "stale"


@pytest.mark.django_db
def test_a_growing_queue_is_reported_as_a_backlog(client, settings, polled_just_now, broker):
    settings.HEALTH_QUEUE_BACKLOG_MAX = 3
    broker.rpush("messaging", *[f"task-{number}" for number in range(3)])
    assert client.get("/health/").status_code == 200

    broker.rpush("messaging", "task-3")
    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["queues"] == "backlog"
    assert response.json()["failing"] == ["queues"]


@pytest.mark.django_db
def test_queue_lengths_are_unknown_not_failing_with_the_file_broker(client, settings, polled_just_now):
    settings.CELERY_BROKER_URL = "filesystem://"  # make run's broker: nothing to count

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["checks"]["queues"] == "unknown"


@pytest.mark.django_db
def test_health_costs_the_same_few_queries_with_many_mailboxes(client, django_assert_max_num_queries, broker):
    for number in range(20):
        MailboxState.objects.create(name=f"inbox-{number}", last_polled_at=timezone.now())

    with django_assert_max_num_queries(2):
        assert client.get("/health/").status_code == 200


def _image_health_check() -> str:
    """The Python code of the Dockerfile's HEALTHCHECK."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    line = next(line for line in text.splitlines() if line.startswith("HEALTHCHECK"))
    command = shlex.split(line.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    return command[2]


@pytest.mark.django_db(transaction=True)
def test_the_containers_health_check_passes_on_200_and_fails_on_503(live_server, broker):
    port = live_server.url.rsplit(":", 1)[1]
    env = {"PATH": "/usr/bin:/bin", "PORT": port, "DJANGO_ALLOWED_HOSTS": "localhost,renos.example.dk"}

    def run_check() -> int:
        return subprocess.run([sys.executable, "-c", _image_health_check()], env=env, timeout=60).returncode

    assert run_check() != 0  # never polled: 503
    MailboxState.objects.create(name="inbox", last_polled_at=timezone.now())
    assert run_check() == 0
