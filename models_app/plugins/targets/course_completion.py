"""Students at risk of not meeting the course completion conditions (Moodle's
course_completion)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Analysable
from models_app.plugins.targets.course_enrolments import CourseEnrolments

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class CourseCompletion(CourseEnrolments):
    """1 (at risk) when the student has not completed the course. Only courses with
    completion enabled and criteria are analysed."""

    key = "course_completion"
    label = gettext_lazy(
        "Students at risk of not meeting the course completion conditions"
    )
    moodle_id = "\\core_course\\analytics\\target\\course_completion"

    def classes_description(self) -> list:
        return [
            gettext_lazy("Not at risk"),
            gettext_lazy(
                "Student at risk of not meeting the course completion conditions"
            ),
        ]

    def analysable_invalid_reason(
        self, *, analysable: Analysable, data: AnalysisData, mode: str, now: int
    ) -> str | None:
        reason = super().analysable_invalid_reason(
            analysable=analysable, data=data, mode=mode, now=now
        )
        if reason is None and analysable.id not in data.completion_with_criteria():
            return _("Completion is not enabled for this course.")
        return reason

    def calculate(
        self, *, data: AnalysisData, indicators: dict[str, np.ndarray]
    ) -> np.ndarray:
        completed = data.completed()
        samples = data.samples
        labels = np.array(
            [
                0.0 if (c, u) in completed else 1.0
                for c, u in zip(
                    samples.course.tolist(), samples.user.tolist(), strict=True
                )
            ],
            dtype=float,
        )
        return labels[data.rows.sample] if len(labels) else np.zeros(0)
