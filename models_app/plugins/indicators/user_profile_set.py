"""User profile is completed (Moodle's core_user user_profile_set)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class UserProfileSet(LinearIndicator):
    """How complete the user's profile is.

    -1 for an inactive account (Moodle: unconfirmed or awaiting a policy). Otherwise
    -1, plus 1 for a description, plus 1 for a picture, plus 0.2 for each of city and
    country (Moodle also counts institution, department and address, which Foresight
    profiles do not hold), clamped to [-1, 1]. A user without a profile scores -1.
    """

    key = "user_profile_set"
    label = _("User profile is completed")
    moodle_id = "\\core_user\\analytics\\indicator\\user_profile_set"
    sample_kinds = frozenset({"enrolment", "user"})

    def calculate(self, data: AnalysisData) -> np.ndarray:
        def load() -> dict[int, float]:
            users = np.unique(data.samples.user).tolist()
            out = {}
            for uid, active, desc, picture, city, country in (
                get_user_model()
                .objects.filter(id__in=users)
                .values_list(
                    "id",
                    "is_active",
                    "profile__description",
                    "profile__picture",
                    "profile__city",
                    "profile__country",
                )
            ):
                score = -1.0
                if active:
                    score += 1 if desc else 0
                    score += 1 if picture else 0
                    score += 0.2 * (bool(city) + bool(country))
                out[uid] = min(max(score, -1.0), 1.0)
            return out

        scores = data.memo("user_profile_set", load)
        per_sample = np.array(
            [scores.get(int(u), -1.0) for u in data.samples.user], dtype=float
        )
        return php_round(per_sample, 2)[data.rows.sample]
