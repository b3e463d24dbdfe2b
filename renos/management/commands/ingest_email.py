"""Ingest one .eml file, the same way the inbox task does."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from messaging.ingest import email_ingest
from renos.pipeline import after_ingest


class Command(BaseCommand):
    help = "Ingest one email file: create the lead, customer and conversation (or record why not) and queue the answer."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options) -> None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        result = email_ingest(raw=raw)
        after_ingest(result)
        if result.lead is not None:
            self.stdout.write(f"{result.outcome}: lead {result.lead.pk} ({result.lead})")
        elif result.skipped is not None:
            self.stdout.write(f"{result.outcome}: {result.skipped.get_reason_display()} - {result.skipped.detail}")
        else:
            self.stdout.write(result.outcome)
