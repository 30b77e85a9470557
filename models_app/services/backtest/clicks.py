"""The baseline a model must beat: a logistic regression on weekly click counts.

Per student, the number of log events in the course in each week from the course
start to the cut (events before the start count in the first week), log-scaled. It
is what a teacher could read off the log report, so a model that does not beat it
adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db.models import Count, F, IntegerField, QuerySet
from django.db.models.functions import Cast

from logstore.models import LegacyLogEntry, StandardLogEntry

WEEK = 7 * 86400


def weekly_clicks(
    *,
    store: str,
    course_id: int,
    course_start: int,
    user_ids: Sequence[int],
    cut: int,
    weeks: int,
) -> np.ndarray:
    """(len(user_ids), weeks) counts of events before `cut`, week 0 from the start."""
    rows: QuerySet[Any]
    if store == "legacy":
        rows = LegacyLogEntry.objects.filter(course=course_id, time__lt=cut)
        time_field, user_field = "time", "userid"
    else:
        rows = StandardLogEntry.objects.filter(courseid=course_id, timecreated__lt=cut)
        time_field, user_field = "timecreated", "userid"
    grouped = (
        rows.filter(**{f"{user_field}__in": list(user_ids)})
        .annotate(
            week=Cast(
                (F(time_field) - course_start) / WEEK, output_field=IntegerField()
            )
        )
        .values(user_field, "week")
        .annotate(n=Count("*"))
    )
    position = {user: i for i, user in enumerate(user_ids)}
    out = np.zeros((len(user_ids), max(weeks, 1)))
    for row in grouped:
        week = min(max(int(row["week"]), 0), out.shape[1] - 1)
        out[position[row[user_field]], week] += row["n"]
    return out


def baseline_probabilities(
    *,
    train_X: np.ndarray,
    train_y: np.ndarray,
    test_X: np.ndarray,
    random_state: int = 0,
) -> np.ndarray | None:
    """P(class 1) for the test rows; None when training has a single class."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(np.unique(train_y)) < 2 or len(test_X) == 0:
        return None
    width = max(train_X.shape[1], test_X.shape[1])
    train_X = _pad(train_X, width)
    test_X = _pad(test_X, width)
    estimator = make_pipeline(
        StandardScaler(),
        LogisticRegression(max_iter=2000, random_state=random_state),
    )
    estimator.fit(np.log1p(train_X), train_y)
    return estimator.predict_proba(np.log1p(test_X))[:, 1]


def _pad(matrix: np.ndarray, width: int) -> np.ndarray:
    if matrix.shape[1] >= width:
        return matrix
    return np.pad(matrix, ((0, 0), (0, width - matrix.shape[1])))
