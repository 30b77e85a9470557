"""Assessments handed in (Foresight's own indicator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.analysis.assessments import assessment_progress
from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AssessmentsSubmitted(LinearIndicator):
    """The share of graded activities due so far that the student handed in.

    Counts every graded activity due from the student's enrolment to the range's end,
    whatever the range's start (see models_app.analysis.assessments): all handed in
    is 1, none -1, half 0. No value before anything fell due.
    """

    key = "assessments_submitted"
    label = _("Assessments handed in so far")
    moodle_id = "\\foresight\\analytics\\indicator\\assessments_submitted"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        progress = assessment_progress(data)
        share = progress.submitted / np.maximum(progress.due, 1)
        return np.where(progress.due > 0, php_round(-1 + 2 * share, 2), np.nan)
