"""Per row, how the student stands with the graded activities due by the range's end.

Foresight's own indicators `assessments_submitted`, `assessments_on_time` and
`assessment_scores` read this.
An activity counts for a row when it is visible, graded (a maximum grade above 0),
has a due date at or before the range's end, and fell due after the student's
enrolment began (a late enrolment is not blamed for what was due before it).
"Submitted by the end" means a submission time at or before the range's end; a grade
without a submission time counts as submitted at the due date. "On time" means
submitted by the end and at or before the due date. A score is known from
the later of the submission and the due date (marking is not instant; this keeps a
model from learning a grade before a teacher could have given it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.db.models import FloatField
from django.db.models.functions import Cast

from models_app.analysis.data import UnixTime, lookup_sorted, pair_keys, take

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


@dataclass
class AssessmentProgress:
    """One entry per row: activities due, submitted by the end, submitted by the end
    and by the due date (on time), and score facts.

    `score_sum` adds grade / maximum grade over the due activities whose score is
    known by the end (0 for those not submitted by the end); `score_count` counts
    the activities in that sum.
    """

    due: np.ndarray
    submitted: np.ndarray
    on_time: np.ndarray
    score_sum: np.ndarray
    score_count: np.ndarray


def _graded_activities(data: AnalysisData) -> dict[str, np.ndarray]:
    from lms.models import Activity

    def load() -> dict[str, np.ndarray]:
        rows = list(
            Activity.objects.filter(
                course_id__in=data.course_ids,
                visible=True,
                duedate__isnull=False,
                grade_max__gt=0,
            )
            .annotate(due=UnixTime("duedate"), top=Cast("grade_max", FloatField()))
            .values_list("id", "course_id", "due", "top")
        )
        return {
            "id": np.array([r[0] for r in rows], dtype=np.int64),
            "course": np.array([r[1] for r in rows], dtype=np.int64),
            "due": np.array([r[2] for r in rows], dtype=np.int64),
            "grade_max": np.array([r[3] for r in rows], dtype=np.float64),
        }

    return data.memo("graded_activities", load)


def assessment_progress(data: AnalysisData) -> AssessmentProgress:
    """The chunk's rows, with one pass per graded activity over its course's rows."""

    def load() -> AssessmentProgress:
        n = len(data.rows)
        out = AssessmentProgress(
            np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        )
        activities = _graded_activities(data)
        if not len(activities["id"]) or not n:
            return out
        grades = data.activity_grades()
        row_course, row_user, row_end = data.row_course, data.row_user, data.row_end
        enrol_start = data.samples.enrol_start[data.rows.sample]
        by_course = np.argsort(row_course, kind="stable")
        sorted_course = row_course[by_course]
        for activity, course, due, grade_max in zip(
            activities["id"].tolist(),
            activities["course"].tolist(),
            activities["due"].tolist(),
            activities["grade_max"].tolist(),
            strict=True,
        ):
            in_course = by_course[
                np.searchsorted(sorted_course, course, "left") : np.searchsorted(
                    sorted_course, course, "right"
                )
            ]
            # An unknown (NaN) enrolment start counts the activity.
            rows = in_course[
                (row_end[in_course] >= due) & ~(enrol_start[in_course] > due)
            ]
            if not len(rows):
                continue
            at = lookup_sorted(
                grades["key"], pair_keys(row_user[rows], np.full(len(rows), activity))
            )
            grade = take(grades["grade"], at, np.nan)
            submitted_at = take(grades["submitted"], at, -1)
            # A grade without a submission time was handed in by the due date.
            submitted_at = np.where(
                (submitted_at < 0) & ~np.isnan(grade), due, submitted_at
            )
            end = row_end[rows]
            handed_in = (submitted_at >= 0) & (submitted_at <= end)
            known = (
                handed_in & ~np.isnan(grade) & (np.maximum(submitted_at, due) <= end)
            )
            missing = ~handed_in
            out.due[rows] += 1
            out.submitted[rows] += handed_in
            out.on_time[rows] += handed_in & (submitted_at <= due)
            score = np.clip(np.nan_to_num(grade) / grade_max, 0.0, 1.0)
            out.score_sum[rows] += np.where(known, score, 0.0)
            out.score_count[rows] += known | missing
        return out

    return data.memo(("rows", "assessment_progress"), load, "facts")
