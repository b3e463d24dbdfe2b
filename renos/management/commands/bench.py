"""Print the benchmark table: each figure, its target, and whether this machine meets it."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from renos.benchmarks import BENCHMARKS


class Command(BaseCommand):
    help = "Measure throughput and latency (parse, ingest, ...) and print them next to their targets."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="Run only these benchmarks.")

    def handle(self, *args, only: list[str] | None = None, **options) -> None:
        names = only or list(BENCHMARKS)
        call_command("migrate", verbosity=0, interactive=False)
        figures = []
        for name in names:
            self.stderr.write(f"running {name} ...")
            figures.append(BENCHMARKS[name]())
        width = max(len(figure.name) for figure in figures)
        self.stdout.write(f"{'Figure':<{width}}  {'Measured':>14}  {'Target':>14}  Met")
        for figure in figures:
            sign = "≥" if figure.higher_is_better else "≤"
            measured = f"{figure.value:,.1f} {figure.unit}"
            target = f"{sign} {figure.target:,.0f} {figure.unit}"
            self.stdout.write(f"{figure.name:<{width}}  {measured:>14}  {target:>14}  {'yes' if figure.met else 'NO'}")
        if not all(figure.met for figure in figures):
            raise CommandError("Some figures miss their target.")
