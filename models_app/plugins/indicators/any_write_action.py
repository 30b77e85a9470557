"""Any write action (Moodle's any_write_action)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import BinaryIndicator, binary

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AnyWriteAction(BinaryIndicator):
    """1 when the student created or updated something in the sample's context.

    Moodle filters by the sample context exactly: for an enrolment that is the course
    context itself, so writes inside activities do not count here (they do in
    any_write_action_in_course).
    """

    key = "any_write_action"
    label = _("Any write action")
    moodle_id = "\\core\\analytics\\indicator\\any_write_action"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        return binary(data.count_rows(crud="cu", course_context=True) > 0)
