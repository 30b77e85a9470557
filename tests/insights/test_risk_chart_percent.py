"""The risk-over-runs table says the same percent as the page's header."""

from __future__ import annotations

from types import SimpleNamespace

from insights.charts import risk_over_runs_chart
from insights.risk import risk_percent


def test_a_probability_below_one_is_never_a_hundred_percent_in_the_chart():
    predictions = [
        SimpleNamespace(pk=1, rangeindex=0, predictionscore=0.62, timeend=None),
        SimpleNamespace(pk=2, rangeindex=1, predictionscore=0.996, timeend=None),
    ]
    rows = risk_over_runs_chart(predictions).rows
    assert [row["score"] for row in rows] == [62, 99]
    assert rows[1]["score"] == risk_percent(0.996)
