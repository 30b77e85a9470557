"""The quality report on the real OULAD presentation: predictions must beat clicks.

Runs `bench/quality.py` as an admin would (its own throw-away SQLite site), for both
targets with `quarters`, the default dropout model's indicators and the default
estimator, and checks the claim the project
makes in its notes: at 25% and 50% of the course, among students still enrolled,
the model's ROC AUC beats a logistic regression on weekly click counts by a clear
margin, and its weighted F1 beats always predicting the majority class.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlbackend.engine.estimators import DEFAULT_ESTIMATOR

ROOT = Path(__file__).resolve().parents[2]
#: What "clearly" means here, in ROC AUC. On this data the margin is 0.12-0.23.
MARGIN = 0.05

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
            "--indicators",
            "default",
            "--estimators",
            DEFAULT_ESTIMATOR,
            "--no-mlbackend",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


@pytest.mark.parametrize("target", ["course_dropout", "course_gradetopass"])
@pytest.mark.parametrize("cut", ["25%", "50%"])
def test_predictions_beat_weekly_clicks_and_the_majority(report, target, cut):
    (entry,) = [r for r in report["results"] if r["target"] == target]
    figures = entry["cuts"][cut]
    (model,) = figures["processors"]
    clicks = figures["weekly_clicks_logistic_regression"]
    # The students still enrolled at the cut were predicted (the analysis leaves out
    # the odd one enrolled for less than 70% of the range, as Moodle's rule says).
    assert clicks["n"] == figures["students"] > 300
    assert figures["students"] >= model["n"] >= 0.99 * figures["students"]
    assert model["roc_auc"] >= clicks["roc_auc"] + MARGIN, (model, clicks)
    assert model["f1_weighted"] > model["baseline_f1_weighted"], model
