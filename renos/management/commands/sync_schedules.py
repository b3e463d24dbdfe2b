"""Write the beat schedule kept in renos/schedules.py to the database."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from renos.schedules import sync_schedules


class Command(BaseCommand):
    help = "Create or update the periodic tasks (inbox polling, reminders, sweeps) from renos/schedules.py."

    def handle(self, *args, **options) -> None:
        for name in sync_schedules():
            self.stdout.write(f"✅ {name}")
