"""Geometry of the pages' charts, drawn as SVG by templates/insights/charts/.

Charts are drawn on the server (no chart library, nothing fetched by the browser):
this module turns figures into coordinates and labels; the templates write the SVG
with a title, a description and a table of the same figures as text alternative.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from insights.activity import DAY, WEEK, CourseActivity
from insights.risk import BANDS, risk_band, risk_percent

WIDTH = 640
HEIGHT = 220
LEFT = 44
RIGHT = 12
TOP = 26
BOTTOM = 34


def _nice_max(value: float) -> int:
    """A round axis maximum at or above `value` (1, 2, 5, 10, 20, 50, ...)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)


#: Height (SVG units) of the frame drawn for a week without events.
SILENT_HEIGHT = 6


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    css: str = ""


@dataclass
class Marker:
    x: float
    label: str
    done: bool


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom_y: float = HEIGHT - BOTTOM
    right_x: float = WIDTH - RIGHT
    bars: list[Bar] = field(default_factory=list)
    line: str = ""  # polyline points
    points: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)  # y axis
    xlabels: list[dict[str, Any]] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # the table
    silent_weeks: int = 0  # weeks without a single event of the student


def _y_ticks(maximum: float, scale: float, bottom: float) -> list[dict[str, Any]]:
    return [
        {"y": bottom - value * scale, "label": f"{value:g}"}
        for value in (0, maximum / 2, maximum)
        if value == int(value)
    ]


def weekly_activity_chart(
    *, activity: CourseActivity, user_id: int, start: int, until: int
) -> Chart:
    """The student's events per week from `start` to `until` (bars) against the
    class median (line), with graded activities' due dates marked and whether the
    student handed each in by `until`."""
    chart = Chart()
    weeks = activity.weeks(start, until)
    if not weeks:
        return chart
    mine = [activity.events(user_id, w, w + WEEK - 1) for w in weeks]
    median = [activity.class_median(w, w + WEEK - 1) for w in weeks]
    maximum = _nice_max(max([*mine, *median, 1]))
    plot_w = chart.right_x - chart.left
    plot_h = chart.bottom_y - chart.top
    slot = plot_w / len(weeks)
    scale = plot_h / maximum
    points = []
    every = max(1, math.ceil(len(weeks) / 10))
    for i, (week, n, m) in enumerate(zip(weeks, mine, median, strict=True)):
        x = chart.left + i * slot
        # A week without events is drawn as an empty frame on the axis, so that
        # "nothing" is seen, and not mistaken for a missing week.
        height = n * scale if n else SILENT_HEIGHT
        day = dt.datetime.fromtimestamp(week, tz=dt.UTC).date()
        chart.bars.append(
            Bar(
                x=x + slot * 0.15,
                y=chart.bottom_y - height,
                width=slot * 0.7,
                height=height,
                label=str(i + 1),
                value=n,
                css="" if n else "silent",
            )
        )
        chart.silent_weeks += not n
        points.append(f"{x + slot / 2:.1f},{chart.bottom_y - m * scale:.1f}")
        if i % every == 0:
            chart.xlabels.append({"x": x + slot / 2, "label": str(i + 1)})
        chart.rows.append({"week": i + 1, "start": day, "student": n, "median": m})
    chart.line = " ".join(points)
    chart.ticks = _y_ticks(maximum, scale, chart.bottom_y)
    for graded in activity.due_by(until):
        if graded.due < weeks[0]:
            continue
        x = chart.left + (graded.due - weeks[0]) / WEEK * slot
        done = user_id in graded.submitted and (
            (graded.submitted[user_id] or graded.due) <= until
        )
        chart.markers.append(Marker(x=x, label=graded.name, done=done))
    return chart


def risk_over_runs_chart(predictions: list[Any]) -> Chart:
    """The probability of the predicted class at each analysed range (a line)."""
    chart = Chart(height=160)
    chart.bottom_y = chart.height - BOTTOM
    if not predictions:
        return chart
    ordered = sorted(predictions, key=lambda p: (p.rangeindex, p.pk))
    plot_w = chart.right_x - chart.left
    plot_h = chart.bottom_y - chart.top
    slot = plot_w / len(ordered)
    coords = []
    for i, prediction in enumerate(ordered):
        x = chart.left + i * slot + slot / 2
        y = chart.bottom_y - prediction.predictionscore * plot_h
        band = risk_band(prediction.predictionscore)
        coords.append(f"{x:.1f},{y:.1f}")
        chart.points.append({"x": x, "y": y, "css": band})
        chart.xlabels.append({"x": x, "label": str(prediction.rangeindex + 1)})
        chart.rows.append(
            {
                "range": prediction.rangeindex + 1,
                "score": risk_percent(prediction.predictionscore),
                "band": band,
                "when": prediction.timeend,
            }
        )
    chart.line = " ".join(coords)
    chart.ticks = [
        {"y": chart.bottom_y - v * plot_h, "label": f"{round(v * 100)} %"}
        for v in (0, 0.5, 1)
    ]
    return chart


def risk_distribution_chart(scores: list[float]) -> Chart:
    """How many flagged students per 5-point probability bin, coloured by band."""
    chart = Chart(height=180)
    chart.bottom_y = chart.height - BOTTOM
    low = min([0.6, *scores]) if scores else 0.6
    first = math.floor(low * 20) / 20
    edges = [round(first + k * 0.05, 2) for k in range(round((1 - first) / 0.05))]
    counts = [0] * len(edges)
    for score in scores:
        index = min(len(edges) - 1, max(0, int((score - first) / 0.05 + 1e-9)))
        counts[index] += 1
    maximum = _nice_max(max([*counts, 1]))
    plot_w = chart.right_x - chart.left
    plot_h = chart.bottom_y - chart.top
    slot = plot_w / max(1, len(edges))
    scale = plot_h / maximum
    for i, (edge, n) in enumerate(zip(edges, counts, strict=True)):
        band = risk_band(edge + 0.001)
        label = f"{round(edge * 100)}–{round((edge + 0.05) * 100)} %"
        chart.bars.append(
            Bar(
                x=chart.left + i * slot + slot * 0.1,
                y=chart.bottom_y - n * scale,
                width=slot * 0.8,
                height=n * scale,
                label=label,
                value=n,
                css=band,
            )
        )
        chart.xlabels.append({"x": chart.left + i * slot + slot / 2, "label": label})
        chart.rows.append({"bin": label, "count": n, "band": band})
    chart.ticks = _y_ticks(maximum, scale, chart.bottom_y)
    return chart


__all__ = [
    "BANDS",
    "DAY",
    "Chart",
    "risk_distribution_chart",
    "risk_over_runs_chart",
    "weekly_activity_chart",
]
