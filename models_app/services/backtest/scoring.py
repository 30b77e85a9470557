"""Figures of one prediction point: how well the scores rank, and how the flags do.

`y` holds the true classes (1: the outcome the target warns of), `p` the predicted
probability of class 1 and `flagged` whether the insights would have shown the
student. A figure that cannot be computed (one class only, no flag) is None.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CALIBRATION_BINS = 10
#: At most this many points of a ROC curve are kept (enough to draw it).
ROC_POINTS = 60


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), digits)


def calibration_table(y: np.ndarray, p: np.ndarray) -> list[dict[str, Any]]:
    """Per tenth of predicted probability: rows, mean predicted, share observed."""
    bins = np.minimum((p * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    table = []
    for b in range(CALIBRATION_BINS):
        inside = bins == b
        n = int(inside.sum())
        if n == 0:
            continue
        table.append(
            {
                "from": b / CALIBRATION_BINS,
                "to": (b + 1) / CALIBRATION_BINS,
                "n": n,
                "predicted": _rounded(float(p[inside].mean())),
                "observed": _rounded(float(y[inside].mean())),
            }
        )
    return table


def roc_curve_points(y: np.ndarray, p: np.ndarray) -> list[list[float]]:
    """The ROC curve as [false positive rate, true positive rate] pairs, from
    (0, 0) to (1, 1), thinned to about ROC_POINTS for drawing."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, p)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), ROC_POINTS)).round())
    return [
        [round(float(fpr[i]), 4), round(float(tpr[i]), 4)] for i in keep.astype(int)
    ]


def point_figures(
    *, y: np.ndarray, p: np.ndarray, flagged: np.ndarray
) -> dict[str, Any]:
    """ROC AUC and curve, PR AUC, Brier score, precision and recall of the flags,
    calibration."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    flagged = np.asarray(flagged, dtype=bool)
    positives = int(y.sum())
    both_classes = 0 < positives < len(y)
    true_flags = int((flagged & (y == 1)).sum())
    return {
        "students": len(y),
        "positives": positives,
        "flagged": int(flagged.sum()),
        "flagged_right": true_flags,
        "roc_auc": _rounded(roc_auc_score(y, p)) if both_classes else None,
        "pr_auc": _rounded(average_precision_score(y, p)) if both_classes else None,
        "brier": _rounded(float(np.mean((p - y) ** 2))) if len(y) else None,
        "precision": _rounded(true_flags / flagged.sum()) if flagged.any() else None,
        "recall": _rounded(true_flags / positives) if positives else None,
        "calibration": calibration_table(y, p),
        "roc": roc_curve_points(y, p) if both_classes else [],
    }


def median_lead_days(
    *,
    first_flag: dict[int, int],
    outcome_time: dict[int, int],
) -> float | None:
    """Median days from each warned sample's first flag to its outcome (withdrawal,
    or the course end): how much time a teacher would have had to act."""
    leads = [
        (outcome_time[sample] - flagged_at) / 86400
        for sample, flagged_at in first_flag.items()
        if sample in outcome_time
    ]
    return round(float(np.median(leads)), 1) if leads else None
