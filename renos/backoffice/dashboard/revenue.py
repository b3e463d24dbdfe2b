"""Money per month: what was invoiced (net of credit notes) and what was paid, DKK incl. moms."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.template.defaultfilters import date as date_filter
from django.utils.translation import gettext as _

from invoicing.models import Invoice
from messaging.templatetags.renos_format import dkk
from renos.backoffice.charts import Bar, Group, grouped_bar_chart
from renos.backoffice.dashboard.figures import Chart, Row
from renos.backoffice.dashboard.links import changelist_url
from renos.backoffice.dashboard.periods import local_date, local_midnight, local_zone, next_month


def revenue_by_month(months: list[date]) -> Chart:
    """Two queries: invoices and credit notes by the month they were issued, and invoices by the month paid."""
    invoiced = _by_month(
        Invoice.objects.filter(issue_date__gte=months[0]).annotate(month=TruncMonth("issue_date")), "total_amount"
    )
    paid = _by_month(
        Invoice.objects.filter(paid_date__gte=local_midnight(months[0])).annotate(
            month=TruncMonth("paid_date", tzinfo=local_zone())
        ),
        "amount_paid",
    )
    series = [_("Invoiced"), _("Paid")]
    groups, rows = [], []
    for first in months:
        after = next_month(first)
        name = date_filter(first, "F Y")
        invoiced_href = changelist_url(Invoice, issue_date__gte=first, issue_date__lt=after)
        paid_href = changelist_url(Invoice, paid_date__gte=local_midnight(first), paid_date__lt=local_midnight(after))
        amounts = (invoiced[first], paid[first])
        bars = [
            Bar(amount, href, f"{name}, {label}: {dkk(amount)}")
            for amount, href, label in zip(amounts, (invoiced_href, paid_href), series, strict=True)
        ]
        groups.append(Group(date_filter(first, "M"), bars))
        rows.append(Row(name, [(dkk(bar.value), bar.href) for bar in bars]))
    title = _("Revenue per month")
    total_invoiced, total_paid = sum(invoiced.values(), Decimal(0)), sum(paid.values(), Decimal(0))
    svg = grouped_bar_chart(
        title=title,
        description=_("The last %(months)s months: %(invoiced)s invoiced and %(paid)s paid, incl. moms.")
        % {"months": len(months), "invoiced": dkk(total_invoiced), "paid": dkk(total_paid)},
        series=series,
        groups=groups,
        x_label=_("Month"),
        y_label=_("DKK incl. moms"),
        tick_format=_thousands,
    )
    note = _(
        "Invoiced: issued invoices less credit notes, by issue date. Paid: invoices paid in full, by payment date."
    )
    return Chart(title, svg, series, rows, note)


def _by_month(queryset: QuerySet, amount_field: str) -> dict[date, Decimal]:
    sums: dict[date, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for row in queryset.values("month").annotate(total=Sum(amount_field)).order_by():
        sums[local_date(row["month"])] += row["total"] or Decimal("0.00")
    return sums


def _thousands(value: float) -> str:
    """An axis tick in Danish notation: 12.500."""
    return f"{value:,.0f}".replace(",", ".")
