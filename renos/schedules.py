"""The beat schedule, kept in code: `manage.py sync_schedules` writes it to django-celery-beat's tables."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Every:
    seconds: int


@dataclass(frozen=True)
class Cron:
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"


SCHEDULES: dict[str, tuple[str, Every | Cron]] = {
    # name: (task, when)
    "Hent nye e-mails": ("renos.pipeline.poll_inbox", Every(seconds=60)),
    "Forny Gmail-overvågning": ("renos.pipeline.renew_gmail_watch", Cron(minute="15", hour="3")),
    "Påmindelser om morgendagens bookinger": ("renos.pipeline.send_booking_reminders", Cron(minute="5")),
    "Forfaldne fakturaer og rykkere": ("renos.pipeline.mark_overdue_and_remind", Cron(minute="0", hour="7")),
    "Betalinger fra Billy": ("renos.pipeline.sync_billy_payments", Cron(minute="30")),
    "Sletning af persondata efter opbevaringsperioden": (
        "renos.tasks.anonymise_inactive_customers",
        Cron(minute="45", hour="4", day_of_month="1"),
    ),
}


@transaction.atomic
def sync_schedules() -> list[str]:
    """Create or update every schedule above; schedules of ours no longer listed are switched off."""
    names = []
    for name, (task, when) in SCHEDULES.items():
        defaults: dict[str, object] = {"task": task, "enabled": True, "interval": None, "crontab": None}
        if isinstance(when, Every):
            defaults["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=when.seconds, period=IntervalSchedule.SECONDS
            )
        else:
            defaults["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=when.minute,
                hour=when.hour,
                day_of_week=when.day_of_week,
                day_of_month=when.day_of_month,
                month_of_year="*",
                timezone="Europe/Copenhagen",
            )
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)
        names.append(name)
    ours = {task for task, _when in SCHEDULES.values()}
    PeriodicTask.objects.filter(task__startswith="renos.").exclude(name__in=names).exclude(task__in=ours).update(
        enabled=False
    )
    return names
