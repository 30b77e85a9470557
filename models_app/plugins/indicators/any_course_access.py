"""Any course access (Moodle's any_course_access)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import BinaryIndicator

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AnyCourseAccess(BinaryIndicator):
    """1 when the student accessed the course in the range, else -1.

    Moodle reads the user's last access to the course first (user_lastaccess); here
    the last access is the user's last event in the course. Never accessed: -1; last
    access before the range: -1; last access inside the range (before its end): 1;
    otherwise the events of the range decide (start < time <= end).
    """

    key = "any_course_access"
    label = _("Any course access")
    moodle_id = "\\core\\analytics\\indicator\\any_course_access"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        last = data.summary_per_sample("last_any")[data.rows.sample]
        start, end = data.row_start, data.row_end
        in_range = data.count_rows() > 0
        value = np.where(in_range, 1.0, -1.0)
        value = np.where((last >= start) & (last < end), 1.0, value)
        value = np.where(last < start, -1.0, value)
        return np.where(last < 0, -1.0, value)
