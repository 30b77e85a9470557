"""Activity compared with classmates (Foresight's own indicator)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


def mid_rank_share(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per entry, the share of its group below it plus half the share equal to it
    (the entry itself included), in [0, 1]: the mid-rank percentile."""
    if not len(values):
        return np.zeros(0)
    order = np.lexsort((values, groups))
    keys_g, keys_v = groups[order], values[order]
    sizes = np.bincount(groups, minlength=int(groups.max()) + 1)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    # Positions of the first and past-the-last equal (group, value) in sorted order.
    change = np.ones(len(order), dtype=bool)
    change[1:] = (keys_g[1:] != keys_g[:-1]) | (keys_v[1:] != keys_v[:-1])
    run_start = np.maximum.accumulate(np.where(change, np.arange(len(order)), 0))
    run_id = np.cumsum(change) - 1
    run_end = np.append(np.flatnonzero(change)[1:], len(order))[run_id]
    below = run_start - first[keys_g]
    equal = run_end - run_start
    share = np.empty(len(order))
    share[order] = (below + 0.5 * equal) / sizes[keys_g]
    return share


class RelativeActivity(LinearIndicator):
    """Where the student's number of events in the range stands among the students
    analysed with them in the same course and range.

    The value is the mid-rank percentile mapped to [-1, 1]: the most active student
    of a large class is near 1, the median 0, the least active near -1, and a
    student with no event at all is -1. Everyone equal gives 0. Unlike a fixed scale
    it reads the same in a course full of short pages and in one of long videos.
    Classmates are every valid sample of the course in that range, the ones already
    predicted or trained on included (the chunk keeps them as reference rows). No
    "/mean" column: the mean of percentiles says nothing.
    """

    key = "relative_activity"
    label = _("Activity compared with classmates")
    moodle_id = "\\foresight\\analytics\\indicator\\relative_activity"
    include_averages = False
    group_relative: ClassVar[bool] = True

    def calculate(self, data: AnalysisData) -> np.ndarray:
        events = data.count_rows()
        share = mid_rank_share(events, data.rows.pos)
        return np.where(events > 0, php_round(-1 + 2 * share, 2), -1.0)
