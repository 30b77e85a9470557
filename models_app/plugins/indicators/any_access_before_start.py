"""Course accessed before start date (Moodle's any_access_before_start)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import BinaryIndicator, binary

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class AnyAccessBeforeStart(BinaryIndicator):
    """1 when the student has an event in the course context before the course start.

    Ignores the range, as Moodle does.
    """

    key = "any_access_before_start"
    label = _("Course accessed before start date")
    moodle_id = "\\core\\analytics\\indicator\\any_access_before_start"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        courses = data.courses()
        start = np.array(
            [courses.get(int(c), {}).get("start") or 0 for c in data.samples.course],
            dtype=np.int64,
        )
        first = data.summary_per_sample("first_course_ctx")
        return binary((first >= 0) & (first < start))[data.rows.sample]
