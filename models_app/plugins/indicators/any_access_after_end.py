"""Course accessed after end date (Moodle's any_access_after_end)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import BinaryIndicator, binary

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AnyAccessAfterEnd(BinaryIndicator):
    """1 when the student has an event in the course context after the course end.

    Ignores the range, as Moodle does: it says something about the student, not the
    moment. A course without an end date counts as ending at 0, as in Moodle.
    """

    key = "any_access_after_end"
    label = _("Course accessed after end date")
    moodle_id = "\\core\\analytics\\indicator\\any_access_after_end"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        courses = data.courses()
        end = np.array(
            [courses.get(int(c), {}).get("end") or 0 for c in data.samples.course],
            dtype=np.int64,
        )
        last = data.summary_per_sample("last_course_ctx")
        return binary((last >= 0) & (last > end))[data.rows.sample]
