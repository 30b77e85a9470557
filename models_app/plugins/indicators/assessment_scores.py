"""Assessment scores so far (Foresight's own indicator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.analysis.assessments import assessment_progress
from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AssessmentScores(LinearIndicator):
    """The student's mean score in the graded activities due so far, as a gradebook
    that counts missing work as zero would show it.

    Each activity due from the enrolment to the range's end scores its grade over its
    maximum grade once the grade is known, 0 when nothing was handed in by the end,
    and is left out while a submission waits for its grade (see
    models_app.analysis.assessments). A mean of 0 is -1, of 1 (full marks) 1. No value
    before any score is known.
    """

    key = "assessment_scores"
    label = _("Assessment scores so far")
    moodle_id = "\\foresight\\analytics\\indicator\\assessment_scores"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        progress = assessment_progress(data)
        mean = progress.score_sum / np.maximum(progress.score_count, 1)
        return np.where(progress.score_count > 0, php_round(-1 + 2 * mean, 2), np.nan)
