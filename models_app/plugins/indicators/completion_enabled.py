"""Completion tracking enabled (Moodle's core_course completion_enabled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import BinaryIndicator, binary

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class CompletionEnabled(BinaryIndicator):
    """1 when the course tracks completion and has completion criteria (see
    AnalysisData.completion_with_criteria for what criteria mean here)."""

    key = "completion_enabled"
    label = _("Completion tracking enabled")
    moodle_id = "\\core_course\\analytics\\indicator\\completion_enabled"
    sample_kinds = frozenset({"enrolment", "course"})
    course_wide = True  # one value per course: the class's, not a student's

    def calculate(self, data: AnalysisData) -> np.ndarray:
        enabled = data.completion_with_criteria()
        per_sample = np.isin(data.samples.course, list(enabled))
        return binary(per_sample)[data.rows.sample]
