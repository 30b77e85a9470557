"""Assessments handed in on time (Foresight's own indicator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.analysis.assessments import assessment_progress
from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AssessmentsOnTime(LinearIndicator):
    """The share of graded activities due so far that the student handed in by
    their due date.

    The same activities as assessments_submitted (see models_app.analysis.assessments):
    all on time is 1, none -1, half 0. Work handed in late, or still missing at the
    range's end, counts against it. No value before anything fell due.
    """

    key = "assessments_on_time"
    label = _("Assessments handed in on time so far")
    moodle_id = "\\foresight\\analytics\\indicator\\assessments_on_time"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        progress = assessment_progress(data)
        share = progress.on_time / np.maximum(progress.due, 1)
        return np.where(progress.due > 0, php_round(-1 + 2 * share, 2), np.nan)
