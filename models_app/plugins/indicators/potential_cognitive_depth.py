"""Course potential cognitive depth (Moodle's core_course potential_cognitive_depth)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.community_of_inquiry import MODULES
from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class PotentialCognitiveDepth(LinearIndicator):
    """The deepest cognitive level the course's activities allow: levels 1 to 5 give
    -1, -0.5, 0, 0.5, 1 (Moodle's -1 + 0.5 * level - 0.5); no activity gives -1."""

    key = "potential_cognitive_depth"
    label = _("Course potential cognitive depth")
    moodle_id = "\\core_course\\analytics\\indicator\\potential_cognitive_depth"
    sample_kinds = frozenset({"enrolment", "course"})
    course_wide = True  # one value per course: the class's, not a student's
    dimension: ClassVar[str] = "cognitive"

    def level_value(self, level: np.ndarray) -> np.ndarray:
        return np.where(level > 0, -1 + 0.5 * level - 0.5, -1.0)

    def calculate(self, data: AnalysisData) -> np.ndarray:
        acts = data.activities()
        best: dict[int, int] = {}
        for course, modname in zip(
            acts["course"].tolist(), acts["modname"].tolist(), strict=True
        ):
            module = MODULES.get(modname)
            if module is not None:
                level = getattr(module, self.dimension)
                best[course] = max(best.get(course, 0), level)
        level = np.array(
            [best.get(int(c), 0) for c in data.samples.course], dtype=float
        )
        return php_round(self.level_value(level), 2)[data.rows.sample]
