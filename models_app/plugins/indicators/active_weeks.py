"""Weeks with any activity so far (Foresight's own indicator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.analysis.daily import daily_activity, row_pairs, row_window_days
from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class ActiveWeeks(LinearIndicator):
    """Share of the weeks since the student started the course with at least one
    event in it, from -1 (none) to 1 (every week).

    Regularity is what a click total hides: 40 events in the first week and none
    since look like 40 events spread over ten weeks. Weeks are counted from the
    later of the course and enrolment starts to the range end (a last, partial week
    counts), at day resolution.
    """

    key = "active_weeks"
    label = _("Weeks with activity")
    moodle_id = "\\foresight\\analytics\\indicator\\active_weeks"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        daily = daily_activity(data)
        pair = row_pairs(data, daily)
        first, last = row_window_days(data)
        span = last - first + 1
        weeks = np.ceil(np.maximum(span, 0) / 7).astype(np.int64)
        active = np.zeros(len(pair))
        for week in range(int(weeks.max()) if len(weeks) else 0):
            lo = first + 7 * week
            hi = np.minimum(lo + 6, last)
            inside = week < weeks
            active += inside & (daily.days(pair, lo, hi) > 0)
        share = active / np.maximum(weeks, 1)
        return np.where(weeks > 0, php_round(2 * share - 1, 2), np.nan)
