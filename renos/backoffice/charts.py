"""Charts drawn on the server as inline SVG: stacked and grouped bars, and a funnel.

Plain data in, markup out: no database, no JavaScript. Each chart is an image to assistive technology (`role="img"`,
a `<title>`, a `<desc>` and an `aria-label`), has a legend and axis labels, and every bar is a link with a tooltip.
Colours are classes (`series-1` … `series-4`) that the dashboard stylesheet sets for light and dark mode; the
`fill` attributes are the light colours, so a chart still reads without the stylesheet.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal

# Okabe–Ito colours: told apart with the common colour-vision deficiencies, readable on white.
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")

WIDTH, HEIGHT = 640, 280
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 72, 12, 44, 48

_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    """One bar (or one segment of a stacked bar): its value, where it links to and its tooltip."""

    value: Number
    href: str = ""
    tooltip: str = ""


@dataclass(frozen=True)
class Group:
    """One place on the x axis: its label and one bar per series, in the order of the series."""

    label: str
    bars: Sequence[Bar]


@dataclass(frozen=True)
class FunnelStep:
    """One step of a funnel: its name, how many reached it and the list behind the number."""

    label: str
    count: int
    href: str = ""
    tooltip: str = ""


def nice_ticks(top: float, *, count: int = 5, whole: bool = True) -> list[float]:
    """Axis ticks from 0 that cover `top` in steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1] if whole else [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)
    if whole:
        step = max(1, round(step))
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def stacked_bar_chart(
    *,
    title: str,
    description: str,
    series: Sequence[str],
    groups: Sequence[Group],
    x_label: str,
    y_label: str,
    tick_format: Callable[[float], str] = lambda value: f"{value:g}",
    whole: bool = True,
) -> SafeString:
    """Bars with one segment per series, stacked from the axis up, one bar per group."""
    totals = [sum(float(bar.value) for bar in group.bars if bar.value > 0) for group in groups]
    ticks = nice_ticks(max(totals, default=0), whole=whole)
    plot = _Plot(len(groups), ticks[-1])
    shapes = []
    for index, group in enumerate(groups):
        x, band = plot.band(index)
        bottom = 0.0
        for number, bar in enumerate(group.bars):
            value = max(float(bar.value), 0.0)
            if value:
                shapes.append(
                    _rect(x + band * 0.15, plot.y(bottom + value), band * 0.7, plot.height(value), number, bar)
                )
            bottom += value
    return _chart(title, description, series, plot, ticks, groups, shapes, x_label, y_label, tick_format)


def grouped_bar_chart(
    *,
    title: str,
    description: str,
    series: Sequence[str],
    groups: Sequence[Group],
    x_label: str,
    y_label: str,
    tick_format: Callable[[float], str] = lambda value: f"{value:g}",
    whole: bool = True,
) -> SafeString:
    """Bars side by side, one per series, for each group; negative values are drawn as nothing (the tooltip tells)."""
    top = max((float(bar.value) for group in groups for bar in group.bars), default=0)
    ticks = nice_ticks(top, whole=whole)
    plot = _Plot(len(groups), ticks[-1])
    shapes = []
    for index, group in enumerate(groups):
        x, band = plot.band(index)
        width = band * 0.8 / max(len(group.bars), 1)
        for number, bar in enumerate(group.bars):
            value = max(float(bar.value), 0.0)
            if value:
                left = x + band * 0.1 + number * width
                shapes.append(_rect(left, plot.y(value), width * 0.92, plot.height(value), number, bar))
    return _chart(title, description, series, plot, ticks, groups, shapes, x_label, y_label, tick_format)


def funnel_chart(*, title: str, description: str, steps: Sequence[FunnelStep], rates: Sequence[str]) -> SafeString:
    """One centred bar per step, as wide as its count; between two steps the rate from one to the next."""
    row, gap, label_width = 34, 22, 120
    height = len(steps) * row + max(len(steps) - 1, 0) * gap + 8
    widest = max((step.count for step in steps), default=0) or 1
    room = WIDTH - label_width - 80
    parts = []
    for index, step in enumerate(steps):
        top = 4 + index * (row + gap)
        width = max(room * step.count / widest, 2 if step.count else 0)
        left = label_width + (room - width) / 2
        bar = Bar(step.count, step.href, step.tooltip)
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                _n(label_width - 8),
                _n(top + row / 2),
                step.label,
            )
        )
        if width:
            parts.append(_rect(left, top, width, row, 0, bar))
        parts.append(
            format_html(
                '<text class="chart-value" x="{}" y="{}" dominant-baseline="middle">{}</text>',
                _n(label_width + room + 8),
                _n(top + row / 2),
                step.count,
            )
        )
        if index < len(rates):
            parts.append(
                format_html(
                    '<text class="chart-rate" x="{}" y="{}" text-anchor="middle" dominant-baseline="middle">'
                    "↓ {}</text>",
                    _n(label_width + room / 2),
                    _n(top + row + gap / 2),
                    rates[index],
                )
            )
    return _svg(title, description, height, mark_safe("".join(parts)))  # noqa: S308 - every part is escaped above


class _Plot:
    """The plotting area of a bar chart: groups side by side, values from 0 up to `top`."""

    def __init__(self, groups: int, top: float) -> None:
        self.left, self.top_px = MARGIN_LEFT, MARGIN_TOP
        self.width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
        self.bottom = HEIGHT - MARGIN_BOTTOM
        self.groups = max(groups, 1)
        self.top = top or 1

    def band(self, index: int) -> tuple[float, float]:
        band = self.width / self.groups
        return self.left + index * band, band

    def centre(self, index: int) -> float:
        x, band = self.band(index)
        return x + band / 2

    def y(self, value: float) -> float:
        return self.bottom - self.height(value)

    def height(self, value: float) -> float:
        return (self.bottom - self.top_px) * value / self.top


def _chart(
    title: str,
    description: str,
    series: Sequence[str],
    plot: _Plot,
    ticks: list[float],
    groups: Sequence[Group],
    shapes: list[SafeString],
    x_label: str,
    y_label: str,
    tick_format: Callable[[float], str],
) -> SafeString:
    grid = format_html_join(
        "",
        '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e8e8e8"/>'
        '<text class="chart-tick" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
        (
            (_n(plot.left), _n(plot.left + plot.width), _n(plot.y(t)), _n(plot.y(t)), _n(plot.left - 6), _n(plot.y(t)))
            + (tick_format(t),)
            for t in ticks
        ),
    )
    x_ticks = format_html_join(
        "",
        '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (_n(plot.band(i)[0] + plot.band(i)[1] / 2), _n(plot.bottom + 16), group.label)
            for i, group in enumerate(groups)
        ),
    )
    axes = format_html(
        '<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#666"/>'
        '<text class="chart-axis-label" x="{}" y="{}" text-anchor="middle">{}</text>'
        '<text class="chart-axis-label" transform="translate(14 {}) rotate(-90)" text-anchor="middle">{}</text>',
        _n(plot.left),
        _n(plot.left + plot.width),
        _n(plot.bottom),
        _n(plot.bottom),
        _n(plot.left + plot.width / 2),
        _n(HEIGHT - 8),
        x_label,
        _n((plot.top_px + plot.bottom) / 2),
        y_label,
    )
    body = mark_safe(grid + x_ticks + axes + "".join(shapes) + _legend(series))  # noqa: S308 - all parts escaped
    return _svg(title, description, HEIGHT, body)


def _legend(series: Sequence[str]) -> SafeString:
    items, x = [], MARGIN_LEFT
    for number, name in enumerate(series):
        items.append(
            format_html(
                '<rect class="series-{}" x="{}" y="10" width="12" height="12" fill="{}"/>'
                '<text class="chart-label" x="{}" y="20">{}</text>',
                number % len(SERIES_COLOURS) + 1,
                _n(x),
                SERIES_COLOURS[number % len(SERIES_COLOURS)],
                _n(x + 17),
                name,
            )
        )
        x += 17 + 7.5 * len(str(name)) + 18
    return format_html('<g class="chart-legend">{}</g>', mark_safe("".join(items)))  # noqa: S308


def _rect(x: float, y: float, width: float, height: float, number: int, bar: Bar) -> SafeString:
    colour = number % len(SERIES_COLOURS)
    rect = format_html(
        '<rect class="series-{}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        colour + 1,
        _n(x),
        _n(y),
        _n(width),
        _n(height),
        SERIES_COLOURS[colour],
        bar.tooltip or bar.value,
    )
    if bar.href:
        return format_html('<a href="{}">{}</a>', bar.href, rect)
    return rect


def _svg(title: str, description: str, height: int, body: SafeString) -> SafeString:
    number = next(_ids)
    return format_html(
        '<svg class="renos-chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'aria-labelledby="chart-{}-title chart-{}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-{}-title">{}</title><desc id="chart-{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        title,
        number,
        number,
        number,
        title,
        number,
        description,
        body,
    )


def _n(value: float) -> str:
    """A coordinate with one decimal at most: short markup, and the same text on every run."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
