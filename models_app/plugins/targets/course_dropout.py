"""Students at risk of dropping out (Moodle's course_dropout)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Analysable
from models_app.plugins.targets.course_enrolments import CourseEnrolments, for_training

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

#: Moodle's minimum of student events per student for a course to train on.
MIN_LOGS_PER_STUDENT = 10


class CourseDropout(CourseEnrolments):
    """1 (at risk) when the student did not complete the course, for courses with
    completion criteria; otherwise when the student has no event in the course after
    the start of the course's last quarter (end - duration / 4; events after the end
    count, as in Moodle)."""

    key = "course_dropout"
    label = gettext_lazy("Students at risk of dropping out")
    moodle_id = "\\core_course\\analytics\\target\\course_dropout"

    def classes_description(self) -> list:
        return [
            gettext_lazy("Not at risk"),
            gettext_lazy("Student at risk of dropping out"),
        ]

    def analysable_invalid_reason(
        self, *, analysable: Analysable, data: AnalysisData, mode: str, now: int
    ) -> str | None:
        reason = super().analysable_invalid_reason(
            analysable=analysable, data=data, mode=mode, now=now
        )
        if reason is not None or not for_training(mode):
            return reason
        students = data.role_holders(("student",)).get(analysable.id, set())
        summary = data.course_user_summary()
        mine = summary.courseid == analysable.id
        is_student = np.isin(summary.userid[mine], list(students))
        n_logs = int(summary.n_named_inside[mine][is_student].sum())
        if n_logs / len(students) < MIN_LOGS_PER_STUDENT:
            return _(
                "Not enough course activity between the start and the end of the "
                "course."
            )
        return None

    def calculate(
        self, *, data: AnalysisData, indicators: dict[str, np.ndarray]
    ) -> np.ndarray:
        samples = data.samples
        courses = data.courses()
        with_criteria = data.completion_with_criteria()
        completed = data.completed()
        last = data.summary_per_sample("last_any")
        labels = np.empty(len(samples), dtype=float)
        for i, (course, user) in enumerate(
            zip(samples.course.tolist(), samples.user.tolist(), strict=True)
        ):
            if course in with_criteria:
                labels[i] = 0.0 if (course, user) in completed else 1.0
                continue
            start = courses[course]["start"] or 0
            end = courses[course]["end"] or 0
            limit = int(end - (end - start) / 4)
            labels[i] = 0.0 if last[i] > limit else 1.0
        return labels[data.rows.sample]
