"""Read actions amount (Moodle's read_actions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import LinearIndicator, classify

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

DAY = 86400


class ReadActions(LinearIndicator):
    """How much the student read in the course context, banded by the range's weeks.

    With w the range's whole days divided by 7 (Moodle's DateInterval days / 7): no
    read is -1, up to 3w reads (about one visit a week) -0.33, up to 30w 0.33, more
    1. Like Moodle, only events in the course context itself count, and a range
    without a start or an end gives no value.
    """

    key = "read_actions"
    label = _("Read actions amount")
    moodle_id = "\\core\\analytics\\indicator\\read_actions"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        n = data.count_rows(crud="r", course_context=True)
        start, end = data.row_start, data.row_end
        weeks = np.floor((end - start) / DAY) / 7
        value = classify(n, [np.zeros_like(weeks), weeks * 3, weeks * 30])
        return np.where((start > 0) & (end > 0), value, np.nan)
