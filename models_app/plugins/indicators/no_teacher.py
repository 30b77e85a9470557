"""Teacher availability (Moodle's core_course no_teacher)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import BinaryIndicator, binary

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class NoTeacher(BinaryIndicator):
    """1 when someone holds a teacher or non-editing teacher role in the course (or
    a parent context), -1 when nobody does."""

    key = "no_teacher"
    label = _("Teacher availability")
    moodle_id = "\\core_course\\analytics\\indicator\\no_teacher"
    sample_kinds = frozenset({"enrolment", "course"})
    course_wide = True  # one value per course: the class's, not a student's
    archetypes: tuple[str, ...] = ("editingteacher", "teacher")

    def calculate(self, data: AnalysisData) -> np.ndarray:
        holders = data.role_holders(self.archetypes)
        has = np.array([bool(holders.get(int(c))) for c in data.samples.course])
        return binary(has)[data.rows.sample] if len(has) else np.zeros(0)
