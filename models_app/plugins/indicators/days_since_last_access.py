"""How recently the student was active (Foresight's own indicator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

DAY = 86400
#: Days of silence at which the value reaches -1.
HORIZON_DAYS = 28


def last_event_in_rows(data: AnalysisData) -> np.ndarray:
    """Per row, the time of the sample user's last event in the range (-1: none)."""

    def load() -> np.ndarray:
        counts = data.range_counts()
        row = data._range_count_rows()
        last = np.full(len(data.rows), -1, dtype=np.int64)
        keep = row >= 0
        np.maximum.at(last, row[keep], counts.last[keep].astype(np.int64))
        return last

    return data.memo(("rows", "last_event"), load, "facts")


def recency(last: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per row, 1 for a last event on the range's last day, falling evenly to -1 at
    HORIZON_DAYS of silence; -1 without an event (`last` -1)."""
    days = np.floor(np.maximum(end - last, 0) / DAY)
    value = php_round(1 - 2 * np.minimum(days, HORIZON_DAYS) / HORIZON_DAYS, 2)
    return np.where(last >= 0, value, -1.0)


class DaysSinceLastAccess(LinearIndicator):
    """Days between the student's last event in the range and the range's end.

    Active on the last day is 1; each day of silence lowers the value evenly down to
    -1 at four weeks; no event in the range is -1. It separates a student who worked
    early in the range and then stopped from one who is still working, which event
    counts alone do not.
    """

    key = "days_since_last_access"
    label = _("Days since the last access")
    moodle_id = "\\foresight\\analytics\\indicator\\days_since_last_access"

    def calculate(self, data: AnalysisData) -> np.ndarray:
        return recency(last_event_in_rows(data), data.row_end)
