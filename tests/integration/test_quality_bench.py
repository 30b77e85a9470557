"""The quality bench on the two real OULAD presentations: predictions must beat clicks.

Runs `bench/quality.py` as an admin would (its own throw-away SQLite site): for both
targets with `quarters`, the default dropout model's indicators and the default
estimator and calibration, it trains on one presentation and replays the other,
both ways, and checks the claim the project makes: at 25% and 50% of the course,
among students still enrolled, the model ranks students better than a logistic
regression on weekly click counts, and the flags it raises are mostly right when
it learnt from the larger module.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlbackend.engine.estimators import DEFAULT_ESTIMATOR

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def report() -> dict:
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "quality.py"),
            "--targets",
            "course_dropout",
            "course_gradetopass",
            "--intervals",
            "quarters",
            "--estimators",
            DEFAULT_ESTIMATOR,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


@pytest.mark.parametrize("target", ["course_dropout", "course_gradetopass"])
@pytest.mark.parametrize("way", [0, 1])
def test_predictions_beat_weekly_clicks_both_ways(report, target, way):
    assert report["courses"] == ["AAA-2013J", "BBB-2013B"]
    runs = [r for r in report["results"] if r["target"] == target]
    assert [(r["train"], r["test"]) for r in runs] == [
        ("AAA-2013J", "BBB-2013B"),
        ("BBB-2013B", "AAA-2013J"),
    ]
    entry = runs[way]
    assert [p["point"] for p in entry["points"]] == ["25%", "50%"]
    for point in entry["points"]:
        assert point["students"] > 300
        assert point["roc_auc"] > point["clicks_roc_auc"], point
