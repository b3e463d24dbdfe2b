"""Celery: late acknowledgement, one task at a time, JSON only, time limits, and a queue for each kind of work."""

from __future__ import annotations

import re
from pathlib import Path

import environ
import pytest
import redis
import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from renos import pipeline
from renos.celery import app
from renos.settings_celery import LONGEST_COUNTDOWN_SECONDS, QUEUES, celery_settings
from tests.deploy.helpers import ROOT

EXPECTED_QUEUE = {
    "poll_inbox": "sync",
    "renew_gmail_watch": "sync",
    "answer_lead": "messaging",
    "offer_slots": "messaging",
    "handle_sms_reply": "default",
    "apply_delivery_report": "default",
    "sync_calendar": "sync",
    "confirm_booking": "messaging",
    "notify_booking_change": "messaging",
    "send_booking_reminders": "default",
    "send_booking_reminder": "messaging",
    "mark_overdue_and_remind": "default",
    "send_invoice_reminder": "messaging",
    "sync_invoice_to_billy": "sync",
    "sync_billy_payments": "default",
    "sync_billy_payment": "sync",
}
# Not safe to run twice (see renos/settings_celery.py): acknowledged when they start.
ACKED_EARLY = {"handle_sms_reply", "notify_booking_change"}


def pipeline_tasks() -> dict[str, object]:
    return {name.rsplit(".", 1)[1]: task for name, task in app.tasks.items() if name.startswith("renos.pipeline.")}


def test_a_task_is_acknowledged_after_it_ran_and_handed_back_when_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_only_json_is_sent_and_accepted():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_tasks_have_a_soft_limit_below_the_hard_limit():
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_every_pipeline_task_has_a_decided_queue():
    assert set(pipeline_tasks()) == set(EXPECTED_QUEUE), "a new task in renos/pipeline.py needs a route"


@pytest.mark.parametrize(("task_name", "queue"), sorted(EXPECTED_QUEUE.items()))
def test_each_pipeline_task_is_routed_to_its_queue(task_name, queue):
    route = app.amqp.router.route({}, f"renos.pipeline.{task_name}")

    assert route["queue"].name == queue
    assert queue in QUEUES


@pytest.mark.parametrize("task_name", sorted(EXPECTED_QUEUE))
def test_only_the_tasks_that_cannot_run_twice_are_acknowledged_early(task_name):
    assert pipeline_tasks()[task_name].acks_late is (task_name not in ACKED_EARLY)


@pytest.mark.django_db
def test_a_queued_sms_step_lands_in_the_messaging_queue_of_the_broker():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test runs against Redis"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*QUEUES)
    try:
        pipeline.offer_slots.delay(lead_id="00000000-0000-0000-0000-000000000001")
        pipeline.poll_inbox.delay()

        assert {name: client.llen(name) for name in QUEUES} == {"default": 0, "messaging": 1, "sync": 1}
    finally:
        client.delete(*QUEUES)


def test_redis_redelivers_only_after_the_longest_countdown_and_the_hard_limit(monkeypatch, tmp_path):
    for name in ("CELERY_VISIBILITY_TIMEOUT", "CELERY_TASK_TIME_LIMIT", "CELERY_TASK_SOFT_TIME_LIMIT"):
        monkeypatch.delenv(name, raising=False)

    values = celery_settings(environ.Env(), redis_url="redis://redis:6379/0", var_dir=tmp_path, time_zone="UTC")

    visibility = values["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"]
    assert visibility > LONGEST_COUNTDOWN_SECONDS + values["CELERY_TASK_TIME_LIMIT"]
    assert pipeline.RETRY["retry_backoff_max"] <= LONGEST_COUNTDOWN_SECONDS


def test_nothing_schedules_further_ahead_than_the_retry_backoff():
    # LONGEST_COUNTDOWN_SECONDS holds while no code queues a task with its own countdown or ETA.
    pattern = re.compile(r"\b(countdown|eta)\s*=|apply_async\(")
    sources = [path for path in ROOT.glob("*/**/*.py") if not path.is_relative_to(ROOT / ".venv")]
    offenders = [
        str(path.relative_to(ROOT))
        for path in sources
        if not path.is_relative_to(ROOT / "tests") and pattern.search(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CELERY_VISIBILITY_TIMEOUT": "900"}, "CELERY_VISIBILITY_TIMEOUT"),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": "400", "CELERY_TASK_TIME_LIMIT": "300"}, "CELERY_TASK_SOFT_TIME_LIMIT"),
    ],
)
def test_limits_that_would_run_a_task_twice_are_refused(monkeypatch, tmp_path, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        celery_settings(environ.Env(), redis_url="redis://redis:6379/0", var_dir=tmp_path, time_zone="UTC")


def _worker_queues(command: str) -> set[str]:
    match = re.search(r"--queues[= ](\S+)", command)
    assert match, command
    return set(match.group(1).split(","))


def test_every_worker_consumes_every_queue_and_beat_reads_the_database_schedule():
    procfile = dict(line.split(": ", 1) for line in Path(ROOT / "Procfile").read_text().splitlines() if line)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    scheduler = "--scheduler=django_celery_beat.schedulers:DatabaseScheduler"

    assert _worker_queues(procfile["worker"]) == set(QUEUES)
    assert _worker_queues(" ".join(compose["worker"]["command"])) == set(QUEUES)
    assert scheduler in procfile["beat"]
    assert scheduler in compose["beat"]["command"]
    # A worker started without --queues consumes them all too.
    assert {queue.name for queue in app.conf.task_queues} == set(QUEUES)
