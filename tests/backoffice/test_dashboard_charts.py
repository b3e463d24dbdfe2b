"""The SVG charts as drawn, and the medians without percentile_cont (SQLite) against those with it (PostgreSQL)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from messaging.models import Direction
from renos.backoffice.charts import (
    Bar,
    FunnelStep,
    Group,
    funnel_chart,
    grouped_bar_chart,
    nice_ticks,
    stacked_bar_chart,
)
from renos.backoffice.dashboard.response_times import format_duration, medians_in_database, medians_in_python
from tests.factories import BookingFactory, ConversationFactory, EmailMessageFactory, LeadFactory

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def rect_heights(svg: str) -> list[float]:
    """The heights of the bars (the legend's swatches have no tooltip)."""
    return [float(height) for height in re.findall(r'<rect class="series-\d" [^>]*height="([\d.]+)"[^>]*><title>', svg)]


def test_axis_ticks_are_round_numbers_that_cover_the_highest_bar():
    assert nice_ticks(37) == [0, 10, 20, 30, 40]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(84500) == [0, 20000, 40000, 60000, 80000, 100000]
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(0.3, whole=False)[-1] >= 0.3


def test_a_stacked_chart_is_an_accessible_image_with_a_legend_axes_and_linked_segments():
    svg = str(
        stacked_bar_chart(
            title="Leads <per> week",
            description="3 leads",
            series=["Leadpoint.dk", "Manual"],
            groups=[
                Group("10", [Bar(2, "/admin/leads/lead/?a=1&b=2", "Week 10: 2"), Bar(0, "/x", "none")]),
                Group("11", [Bar(1, "/y", "Week 11: 1"), Bar(3, "/z", "Week 11 manual: 3")]),
            ],
            x_label="Week",
            y_label="Leads",
        )
    )

    assert svg.startswith('<svg class="renos-chart"') and 'role="img"' in svg
    assert 'aria-label="Leads &lt;per&gt; week"' in svg  # labels are escaped, never markup
    assert re.search(
        r'<title id="chart-\d+-title">Leads &lt;per&gt; week</title><desc id="chart-\d+-desc">3 leads', svg
    )
    assert ">Leadpoint.dk</text>" in svg and ">Manual</text>" in svg  # the legend
    assert ">Week</text>" in svg and ">Leads</text>" in svg  # the axis labels
    assert '<a href="/admin/leads/lead/?a=1&amp;b=2">' in svg
    assert "none" not in svg  # an empty segment is not drawn
    # The tallest stack (1 + 3) reaches the top tick (4), twice as high as the bar of 2.
    heights = rect_heights(svg)
    assert len(heights) == 3
    assert heights[0] * 2 == heights[1] + heights[2]


def test_a_grouped_chart_draws_bars_side_by_side_and_negative_money_as_nothing():
    svg = str(
        grouped_bar_chart(
            title="Revenue",
            description="",
            series=["Invoiced", "Paid"],
            groups=[Group("Jan", [Bar(Decimal("1500.00")), Bar(Decimal("-300.00"), tooltip="credited")])],
            x_label="Month",
            y_label="DKK",
            tick_format=lambda value: f"{value:,.0f}".replace(",", "."),
        )
    )

    assert len(rect_heights(svg)) == 1
    assert ">1.500</text>" in svg  # the top tick, in Danish notation


def test_the_funnel_shows_counts_and_the_rate_between_steps():
    svg = str(
        funnel_chart(
            title="Funnel",
            description="",
            steps=[FunnelStep("New", 10, "/new"), FunnelStep("Booked", 4, "/booked"), FunnelStep("Invoiced", 0)],
            rates=["40 %", "0 %"],
        )
    )

    assert ">New</text>" in svg and ">10</text>" in svg and ">0</text>" in svg
    assert "↓ 40 %" in svg and "↓ 0 %" in svg
    assert svg.count("<a href=") == 2  # nobody invoiced: no bar to click


def test_durations_read_as_staff_say_them():
    assert format_duration(None) == "–"
    assert format_duration(4 * 60 + 20) == "4 min"
    assert format_duration(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert format_duration(2 * 86400 + 5 * 3600) == "2 d 5 h"


def test_medians_without_percentile_cont_are_the_same_as_with_it(db):
    monday = datetime(2025, 3, 3, 9, 0, tzinfo=CPH)
    spans = {0: [7, 19, 33], 1: [5, 80], 2: []}  # minutes to the first answer, per week
    for week, minutes_list in spans.items():
        arrived = monday + timedelta(weeks=week)
        for number, minutes in enumerate(minutes_list):
            with time_machine.travel(arrived, tick=False):
                lead = LeadFactory()
            conversation = ConversationFactory(lead=lead)
            EmailMessageFactory(
                conversation=conversation, direction=Direction.OUTBOUND, sent_at=arrived + timedelta(minutes=minutes)
            )
            if number == 0:
                with time_machine.travel(arrived + timedelta(hours=3 + week), tick=False):
                    BookingFactory(lead=lead)
        with time_machine.travel(arrived + timedelta(days=6, hours=14), tick=False):  # Sunday night: same week
            LeadFactory()

    since = monday - timedelta(hours=9)
    overall, weekly = medians_in_database(since)

    assert (overall, weekly) == medians_in_python(since)
    assert overall.answer == 19 * 60
    assert overall.answered == 5 and overall.leads == 8
    assert weekly[monday.date()].answer == 19 * 60
    assert weekly[monday.date() + timedelta(weeks=1)].answer == (5 + 80) / 2 * 60
    assert weekly[monday.date() + timedelta(weeks=1)].booking == 4 * 3600
    assert weekly[monday.date() + timedelta(weeks=2)].answer is None
