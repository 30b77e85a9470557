"""Any write action in the course (Moodle's any_write_action_in_course)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import BinaryIndicator, binary

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AnyWriteActionInCourse(BinaryIndicator):
    """1 when the student created or updated anything in the course during the range
    (non-anonymous events, as Moodle filters with anonymous = 0)."""

    key = "any_write_action_in_course"
    label = _("Any write action in the course")
    moodle_id = "\\core\\analytics\\indicator\\any_write_action_in_course"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        return binary(data.count_rows(crud="cu", named=True) > 0)
