"""How fast leads hear from us: the median time from a lead arriving to its first answer, and to its booking.

The first answer is the first outbound email sent in the lead's conversations; the booking is its first booking.
On PostgreSQL the medians are `percentile_cont(0.5)` in the database (one query); elsewhere (SQLite under
`make run`) the durations of the period are read and the medians taken in Python, with the same result.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from bookings.models import Booking
from leads.models import Lead
from messaging.models import Direction, EmailMessage
from renos.backoffice.charts import Bar, Group, grouped_bar_chart
from renos.backoffice.dashboard.figures import Chart, Row
from renos.backoffice.dashboard.links import changelist_url
from renos.backoffice.dashboard.periods import local_date, local_midnight, local_zone


@dataclass
class Medians:
    """Median seconds to the first answer and to the booking, and how many leads each is taken over."""

    answer: float | None = None
    booking: float | None = None
    answered: int = 0
    booked: int = 0
    leads: int = 0


def leads_with_times(since: datetime) -> QuerySet:
    """Leads received since `since`, with `answer_at` (first email sent to them) and `booked_at` (first booking)."""
    first_answer = (
        EmailMessage.objects.filter(
            conversation__lead=OuterRef("pk"),
            direction=Direction.OUTBOUND,
            status=EmailMessage.Status.SENT,
            sent_at__gte=OuterRef("created_at"),
        )
        .order_by("sent_at")
        .values("sent_at")[:1]
    )
    first_booking = Booking.objects.filter(lead=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
    return Lead.objects.filter(created_at__gte=since).annotate(
        answer_at=Subquery(first_answer), booked_at=Subquery(first_booking)
    )


MEDIANS_SQL = """
SELECT week,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (answer_at - created_at))),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (booked_at - created_at))),
       COUNT(answer_at), COUNT(booked_at), COUNT(*)
FROM ({leads}) AS leads
GROUP BY ROLLUP (week)
"""


def medians_in_database(since: datetime) -> tuple[Medians, dict[date, Medians]]:
    """One query (PostgreSQL): each lead's times worked out once, then the medians per week of arrival and over
    the whole period (the ROLLUP row, whose week is NULL)."""
    leads = (
        leads_with_times(since)
        .annotate(week=TruncWeek("created_at", tzinfo=local_zone()))
        .values("week", "created_at", "answer_at", "booked_at")
        .order_by()
    )
    inner, params = leads.query.sql_with_params()
    overall, per_week = Medians(), {}
    with connection.cursor() as cursor:
        cursor.execute(MEDIANS_SQL.format(leads=inner), params)
        for week, answer, booking, answered, booked, count in cursor.fetchall():
            medians = Medians(answer, booking, answered, booked, count)
            if week is None:
                overall = medians
            else:
                # The week is a local midnight without a zone (DATE_TRUNC of the Copenhagen time).
                per_week[week.date() if isinstance(week, datetime) else week] = medians
    return overall, per_week


def medians_in_python(since: datetime) -> tuple[Medians, dict[date, Medians]]:
    """One query: the times of the period's leads, and the medians taken here (for databases without
    percentile_cont)."""
    rows = leads_with_times(since).values_list("created_at", "answer_at", "booked_at").order_by()
    everything: list[tuple[datetime, datetime | None, datetime | None]] = list(rows)
    by_week: dict[date, list] = defaultdict(list)
    for row in everything:
        arrived = local_date(row[0])
        by_week[arrived - timedelta(days=arrived.weekday())].append(row)
    return _medians(everything), {week: _medians(week_rows) for week, week_rows in by_week.items()}


def _medians(rows: list[tuple[datetime, datetime | None, datetime | None]]) -> Medians:
    answers = [(answer - created).total_seconds() for created, answer, _booked in rows if answer is not None]
    bookings = [(booked - created).total_seconds() for created, _answer, booked in rows if booked is not None]
    return Medians(
        answer=statistics.median(answers) if answers else None,
        booking=statistics.median(bookings) if bookings else None,
        answered=len(answers),
        booked=len(bookings),
        leads=len(rows),
    )


def response_medians(since: datetime) -> tuple[Medians, dict[date, Medians]]:
    if connection.vendor == "postgresql":
        return medians_in_database(since)
    return medians_in_python(since)


def response_times(weeks: list[date], *, with_bookings: bool) -> tuple[Medians, list[Chart]]:
    """The medians over the period as figures, and per week of arrival as one chart each (bookings when allowed)."""
    overall, per_week = response_medians(local_midnight(weeks[0]))
    charts = [
        _weekly_chart(
            weeks,
            per_week,
            "answer",
            title=_("Median time to the first answer"),
            counted=_("Leads answered"),
        )
    ]
    if with_bookings:
        charts.append(
            _weekly_chart(weeks, per_week, "booking", title=_("Median time to booking"), counted=_("Leads booked"))
        )
    return overall, charts


UNITS = ((2 * 3600, 60), (4 * 86400, 3600), (None, 86400))


def _weekly_chart(weeks: list[date], per_week: dict[date, Medians], measure: str, *, title: str, counted: str) -> Chart:
    count_of = {"answer": "answered", "booking": "booked"}[measure]
    values = [getattr(per_week.get(monday, Medians()), measure) for monday in weeks]
    top = max((value for value in values if value is not None), default=0)
    divisor = next(unit for limit, unit in UNITS if limit is None or top < limit)
    unit_label = {60: _("Minutes"), 3600: _("Hours"), 86400: _("Days")}[divisor]
    groups, rows = [], []
    for monday, seconds in zip(weeks, values, strict=True):
        count = getattr(per_week.get(monday, Medians()), count_of)
        week = _("Week %(number)s") % {"number": monday.isocalendar().week}
        href = changelist_url(
            Lead, created_at__gte=local_midnight(monday), created_at__lt=local_midnight(monday + timedelta(weeks=1))
        )
        tooltip = _("%(week)s: %(time)s (%(count)s leads)") % {
            "week": week,
            "time": format_duration(seconds),
            "count": count,
        }
        groups.append(Group(str(monday.isocalendar().week), [Bar(round((seconds or 0) / divisor, 2), href, tooltip)]))
        rows.append(Row(week, [(format_duration(seconds), href), (str(count), href)]))
    svg = grouped_bar_chart(
        title=title,
        description=_("%(title)s per week the lead arrived, in %(unit)s.")
        % {"title": title, "unit": unit_label.lower()},
        series=[_("Median")],
        groups=groups,
        x_label=_("Week the lead arrived"),
        y_label=unit_label,
        whole=False,
    )
    return Chart(title, svg, [_("Median"), counted], rows)


def format_duration(seconds: float | None) -> str:
    """A span of time as staff say it: "4 min", "3 h 20 min", "2 d 5 h"; a dash when there is none."""
    if seconds is None:
        return "–"
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
