"""Course potential social breadth (Moodle's core_course potential_social_breadth)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.potential_cognitive_depth import (
    PotentialCognitiveDepth,
)


class PotentialSocialBreadth(PotentialCognitiveDepth):
    """The broadest social level the course's activities allow, capped at 2: level 1
    gives -1 and level 2 gives 1 (Moodle's -1 + 2 * level - 2); no activity gives -1."""

    key = "potential_social_breadth"
    label = _("Course potential social breadth")
    moodle_id = "\\core_course\\analytics\\indicator\\potential_social_breadth"
    dimension: ClassVar[str] = "social"

    def level_value(self, level: np.ndarray) -> np.ndarray:
        level = np.minimum(level, 2)
        return np.where(level > 0, -1 + 2 * level - 2, -1.0)
