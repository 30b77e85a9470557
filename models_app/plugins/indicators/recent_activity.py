"""The last two weeks' activity against the student's own earlier weeks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.analysis.daily import daily_activity, row_pairs, row_window_days
from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

#: Days that count as "recent".
RECENT_DAYS = 14


class RecentActivity(LinearIndicator):
    """Events per week in the last two weeks against events per week before them.

    (recent - earlier) / (recent + earlier): 1 when all of the student's activity is
    recent, 0 when steady, -1 when it stopped (or never began). A falling trend
    warns before the total does. No value in the first three weeks, when there is
    no "before" to compare with.
    """

    key = "recent_activity"
    label = _("Recent activity against earlier weeks")
    moodle_id = "\\foresight\\analytics\\indicator\\recent_activity"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        daily = daily_activity(data)
        pair = row_pairs(data, daily)
        first, last = row_window_days(data)
        split = last - RECENT_DAYS  # last day of "before"
        before_days = split - first + 1
        recent = daily.events(pair, split + 1, last) / (RECENT_DAYS / 7)
        earlier = daily.events(pair, first, split) / np.maximum(before_days / 7, 1e-9)
        total = recent + earlier
        trend = np.where(
            total > 0, (recent - earlier) / np.where(total > 0, total, 1), -1
        )
        return np.where(before_days >= 7, php_round(trend, 2), np.nan)
