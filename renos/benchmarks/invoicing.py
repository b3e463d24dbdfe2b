"""The invoicing benchmark printed by `make bench`: the morning sweep marking overdue invoices among many.

Like the booking figure it builds its own data inside a transaction that is rolled back, so nothing stays.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from invoicing.models import Invoice
from invoicing.services import invoices_mark_overdue
from renos.benchmarks.core import Figure

BENCH_TODAY = date(2026, 9, 7)


def bench_overdue_sweep(invoices: int = 100_000) -> Figure:
    """Seconds for the sweep's one UPDATE over `invoices` invoices: half sent and past due (marked), the rest paid
    or sent and not yet due (left alone), so the WHERE has to tell them apart."""
    with transaction.atomic():
        _fill_invoices(count=invoices, today=BENCH_TODAY)
        started = time.perf_counter()
        marked = invoices_mark_overdue(today=BENCH_TODAY)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    if marked != invoices // 2:
        raise RuntimeError(f"The benchmark should mark {invoices // 2:,} invoices overdue, not {marked:,}")
    return Figure(f"Overdue sweep over {invoices:,} invoices (marking step)", elapsed, "s", 2, higher_is_better=False)


def _fill_invoices(*, count: int, today: date) -> None:
    def row(number: int) -> Invoice:
        # Even: sent and past due (marked). 1 mod 4: sent, not yet due. 3 mod 4: paid late (past due, not sent).
        sent = number % 4 != 3
        past_due = number % 2 == 0 or not sent
        status = Invoice.Status.SENT if sent else Invoice.Status.PAID
        return Invoice(
            invoice_number=f"B{number}",
            customer_name="Benchmark",
            customer_address="Søvej 12, 8240 Risskov",
            service_description="Fast rengøring",
            hours_worked=Decimal("3.50"),
            hourly_rate=Decimal("349.00"),
            subtotal=Decimal("977.20"),
            vat_amount=Decimal("244.30"),
            total_amount=Decimal("1221.50"),
            status=status,
            due_date=today - timedelta(days=1 + number % 30) if past_due else today + timedelta(days=number % 14),
        )

    Invoice.objects.bulk_create((row(number) for number in range(count)), batch_size=5000)
