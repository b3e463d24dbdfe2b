"""Where leads come from week by week, and how far they get: new → contacted → booked → completed → invoiced."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from leads.models import Lead
from renos.backoffice.charts import Bar, FunnelStep, Group, funnel_chart, stacked_bar_chart
from renos.backoffice.dashboard.figures import Chart, Row
from renos.backoffice.dashboard.links import changelist_url
from renos.backoffice.dashboard.periods import local_date, local_midnight, local_zone

FUNNEL = (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.BOOKED, Lead.Status.COMPLETED, Lead.Status.INVOICED)


def leads_by_source(weeks: list[date]) -> Chart:
    """One query: leads received per week (Monday to Sunday, Copenhagen) and source."""
    start = local_midnight(weeks[0])
    counted = (
        Lead.objects.filter(created_at__gte=start)
        .annotate(week=TruncWeek("created_at", tzinfo=local_zone()))
        .values("week", "source")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for row in counted:
        counts[(local_date(row["week"]), row["source"])] += row["count"]
    sources = Lead.Source
    groups, rows = [], []
    for monday in weeks:
        first, after = local_midnight(monday), local_midnight(monday + timedelta(weeks=1))
        week = _("Week %(number)s") % {"number": monday.isocalendar().week}
        span = _week_span(monday)
        bars = [
            Bar(
                counts[(monday, source.value)],
                changelist_url(Lead, source__exact=source.value, created_at__gte=first, created_at__lt=after),
                f"{week} ({span}), {source.label}: {counts[(monday, source.value)]}",
            )
            for source in sources
        ]
        groups.append(Group(str(monday.isocalendar().week), bars))
        total = sum(bar.value for bar in bars)
        week_href = changelist_url(Lead, created_at__gte=first, created_at__lt=after)
        rows.append(Row(f"{week} ({span})", [(str(bar.value), bar.href) for bar in bars] + [(str(total), week_href)]))
    title = _("Leads per week by source")
    total = sum(counts.values())
    svg = stacked_bar_chart(
        title=title,
        description=_("%(count)s leads in the last %(weeks)s weeks, stacked by source.")
        % {"count": total, "weeks": len(weeks)},
        series=[str(source.label) for source in sources],
        groups=groups,
        x_label=_("Week"),
        y_label=_("Leads"),
    )
    return Chart(title, svg, [str(source.label) for source in sources] + [_("All")], rows)


def funnel(weeks: list[date]) -> Chart:
    """One query: of the leads received in the period, how many got to each status (or past it)."""
    start = local_midnight(weeks[0])
    row = Lead.objects.filter(created_at__gte=start).aggregate(
        **{status.value: Count("id", filter=Q(status=status)) for status in FUNNEL}
    )
    steps, rows = [], []
    for index, status in enumerate(FUNNEL):
        reached = FUNNEL[index:]
        count = sum(row[later.value] for later in reached)
        href = changelist_url(Lead, status__in=[later.value for later in reached], created_at__gte=start)
        steps.append(
            FunnelStep(
                str(status.label), count, href, _("%(step)s: %(count)s") % {"step": status.label, "count": count}
            )
        )
    rates = [_rate(before.count, after.count) for before, after in zip(steps, steps[1:], strict=False)]
    for index, step in enumerate(steps):
        rate = rates[index - 1] if index else ""
        rows.append(Row(step.label, [(str(step.count), step.href), (rate, "")]))
    title = _("From lead to invoice")
    since = date_format(weeks[0], "j. F Y")
    svg = funnel_chart(
        title=title,
        description=_("Leads received since %(date)s by how far they got: %(steps)s.")
        % {"date": since, "steps": ", ".join(f"{step.label} {step.count}" for step in steps)},
        steps=steps,
        rates=rates,
    )
    overall = _rate(steps[0].count, steps[-1].count)
    note = _("Leads received since %(date)s. %(rate)s of them are invoiced.") % {"date": since, "rate": overall}
    return Chart(title, svg, [_("Leads"), _("From the step before")], rows, note)


def _rate(before: int, after: int) -> str:
    """The share that went on, as a whole percentage; a dash when there was nobody to go on."""
    if not before:
        return "–"
    return f"{round(100 * after / before)} %"


def _week_span(monday: date) -> str:
    return f"{date_format(monday, 'j/n')}–{date_format(monday + timedelta(days=6), 'j/n')}"
