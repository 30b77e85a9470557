"""Students at risk of not reaching the grade to pass the course (Moodle's
course_gradetopass)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Analysable
from models_app.plugins.targets.course_enrolments import CourseEnrolments

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class CourseGradeToPass(CourseEnrolments):
    """1 (at risk) when the student's final course grade is below the grade to pass.

    Moodle compares a missing grade as PHP's `null >= x`, which is false: a student
    without a final grade is at risk. Foresight keeps that.
    """

    key = "course_gradetopass"
    label = gettext_lazy(
        "Students at risk of not achieving the minimum grade to pass the course"
    )
    moodle_id = "\\core_course\\analytics\\target\\course_gradetopass"

    def classes_description(self) -> list:
        return [
            gettext_lazy("Not at risk"),
            gettext_lazy("Student at risk of not achieving the grade to pass"),
        ]

    def analysable_invalid_reason(
        self, *, analysable: Analysable, data: AnalysisData, mode: str, now: int
    ) -> str | None:
        reason = super().analysable_invalid_reason(
            analysable=analysable, data=data, mode=mode, now=now
        )
        course = data.courses().get(analysable.id, {})
        if reason is None and not course.get("grade_to_pass"):
            return _("The course has no grade to pass: set one in the course settings.")
        return reason

    def calculate(
        self, *, data: AnalysisData, indicators: dict[str, np.ndarray]
    ) -> np.ndarray:
        grades = data.course_grades()
        courses = data.courses()
        samples = data.samples
        labels = np.empty(len(samples), dtype=float)
        for i, (c, u) in enumerate(
            zip(samples.course.tolist(), samples.user.tolist(), strict=True)
        ):
            grade = grades.get((c, u))
            passed = grade is not None and grade >= courses[c]["grade_to_pass"]
            labels[i] = 0.0 if passed else 1.0
        return labels[data.rows.sample]
