"""Read the inbox once, the same way the beat task does."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from integrations.inbox import InboxError
from renos.pipeline import poll_inbox


class Command(BaseCommand):
    help = "Ingest what is new in the inbox (Gmail or var/inbox/) and queue the answers."

    def handle(self, *args, **options) -> None:
        try:
            counts = poll_inbox()
        except InboxError as exc:
            raise CommandError(f"The inbox could not be read: {exc}") from exc
        if "error" in counts:
            raise CommandError(f"The inbox could not be read: {counts['error']}")
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        self.stdout.write(summary)
