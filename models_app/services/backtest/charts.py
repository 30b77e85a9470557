"""Geometry of the backtest's charts, drawn as SVG by templates/models_app/charts/.

As the insights pages do (insights/charts.py), figures become coordinates and
labels here, and the templates write the SVG with a title, a description and a
table of the same figures. Per point of the backtest: the ROC curve (the model's
and the weekly-clicks baseline's) and the calibration (mean predicted against
observed share per tenth of probability); over the points: the students flagged,
rightly and wrongly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SIZE = 200  # square charts: ROC and calibration
PAD = 30
WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 34


@dataclass
class SquareChart:
    """A unit square (rates or probabilities on both axes)."""

    key: str
    size: int = SIZE + 2 * PAD
    low: int = PAD
    high: int = SIZE + PAD
    span: int = SIZE
    line: str = ""  # the model's polyline
    baseline: str = ""  # the baseline's polyline
    dots: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    value: float | None = None  # ROC AUC


def _x(value: float) -> float:
    return round(PAD + value * SIZE, 1)


def _y(value: float) -> float:
    return round(PAD + (1 - value) * SIZE, 1)


def _ticks() -> list[dict[str, Any]]:
    return [{"x": _x(v), "y": _y(v), "label": f"{v:g}"} for v in (0.0, 0.5, 1.0)]


def _polyline(pairs: list[list[float]]) -> str:
    return " ".join(f"{_x(x)},{_y(y)}" for x, y in pairs)


def roc_chart(row: dict[str, Any]) -> SquareChart:
    chart = SquareChart(key=row["point"], ticks=_ticks())
    chart.line = _polyline(row["model"].get("roc") or [])
    chart.baseline = _polyline((row.get("clicks_baseline") or {}).get("roc") or [])
    chart.value = row["model"].get("roc_auc")
    return chart


def calibration_chart(row: dict[str, Any]) -> SquareChart:
    chart = SquareChart(key=row["point"], ticks=_ticks())
    table = row["model"].get("calibration") or []
    biggest = max([b["n"] for b in table] or [1])
    for b in table:
        if b["predicted"] is None or b["observed"] is None:
            continue
        chart.dots.append(
            {
                "x": _x(b["predicted"]),
                "y": _y(b["observed"]),
                "r": round(2 + 5 * math.sqrt(b["n"] / biggest), 1),
                "n": b["n"],
                "predicted": round(100 * b["predicted"]),
                "observed": round(100 * b["observed"]),
            }
        )
    chart.line = " ".join(f"{d['x']},{d['y']}" for d in chart.dots)
    return chart


@dataclass
class FlagsChart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    bottom_y: int = HEIGHT - BOTTOM
    bars: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)


def _nice_max(value: float) -> int:
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)


def flags_chart(points: list[dict[str, Any]]) -> FlagsChart:
    """Per point, a bar of the flagged students: those who then left (or failed)
    at the bottom, those flagged wrongly above them."""
    chart = FlagsChart()
    top = _nice_max(max([p["model"]["flagged"] for p in points] or [1]))
    plot_h = chart.bottom_y - TOP
    scale = plot_h / top
    slot = (chart.right_x - chart.left) / max(1, len(points))
    for i, row in enumerate(points):
        figures = row["model"]
        right = figures.get("flagged_right", 0)
        wrong = figures["flagged"] - right
        x = chart.left + i * slot + slot * 0.2
        chart.bars.append(
            {
                "x": round(x, 1),
                "width": round(slot * 0.6, 1),
                "label_x": round(chart.left + i * slot + slot / 2, 1),
                "right_y": round(chart.bottom_y - right * scale, 1),
                "right_h": round(right * scale, 1),
                "wrong_y": round(chart.bottom_y - (right + wrong) * scale, 1),
                "wrong_h": round(wrong * scale, 1),
                "point": row["point"],
                "right": right,
                "wrong": wrong,
                "students": figures["students"],
                "positives": figures["positives"],
            }
        )
    chart.ticks = [
        {"y": round(chart.bottom_y - v * scale, 1), "label": f"{v:g}"}
        for v in (0, top / 2, top)
        if v == int(v)
    ]
    return chart


def report_charts(report: dict[str, Any]) -> dict[str, Any]:
    """Everything the page draws for one backtest report."""
    points = report.get("points") or []
    return {
        "points": [
            {
                "row": row,
                "roc": roc_chart(row),
                "calibration": calibration_chart(row),
            }
            for row in points
        ],
        "flags": flags_chart(points),
    }
