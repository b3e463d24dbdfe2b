"""The beat schedule is kept in code and written to the database by a command."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from renos import pipeline


@pytest.mark.django_db
def test_sync_schedules_polls_the_inbox_renews_the_gmail_watch_and_sends_reminders(capsys):
    call_command("sync_schedules")
    call_command("sync_schedules")

    poll = PeriodicTask.objects.get(task="renos.pipeline.poll_inbox")
    assert poll.enabled and poll.interval.every == 60 and poll.interval.period == "seconds"
    watch = PeriodicTask.objects.get(task="renos.pipeline.renew_gmail_watch")
    assert (watch.crontab.hour, watch.crontab.minute) == ("3", "15")
    reminders = PeriodicTask.objects.get(task="renos.pipeline.send_booking_reminders")
    assert (reminders.crontab.hour, reminders.crontab.minute) == ("*", "5")
    sweep = PeriodicTask.objects.get(task="renos.pipeline.mark_overdue_and_remind")
    assert (sweep.crontab.hour, sweep.crontab.minute) == ("7", "0")
    payments = PeriodicTask.objects.get(task="renos.pipeline.sync_billy_payments")
    assert (payments.crontab.hour, payments.crontab.minute) == ("*", "30")
    retention = PeriodicTask.objects.get(task="renos.tasks.anonymise_inactive_customers")
    assert (retention.crontab.day_of_month, retention.crontab.hour, retention.crontab.minute) == ("1", "4", "45")
    assert PeriodicTask.objects.filter(task__startswith="renos.").count() == 6
    assert "Hent nye e-mails" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_schedule_changed_by_hand_is_put_back():
    call_command("sync_schedules")
    PeriodicTask.objects.filter(task="renos.pipeline.poll_inbox").update(enabled=False)
    call_command("sync_schedules")
    assert PeriodicTask.objects.get(task="renos.pipeline.poll_inbox").enabled


def test_every_scheduled_task_exists():
    from renos.schedules import SCHEDULES

    for task, _when in SCHEDULES.values():
        module, name = task.rsplit(".", 1)
        assert hasattr(import_module(module), name), task


@pytest.mark.django_db
def test_the_watch_is_not_renewed_without_gmail(settings):
    settings.GMAIL_PUBSUB_TOPIC = ""
    assert pipeline.renew_gmail_watch() == "not configured"
