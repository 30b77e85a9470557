"""Each student's activity per day in the chunk's courses, for regularity indicators.

One query per chunk (`LogReader.daily_counts`): events per (course, user, UTC day)
up to the latest range end. Ranges are then read at day resolution: a range
(start, end] covers the days from `start`'s to the one before `end`'s, which is
exact for ranges that start and end at midnight UTC (every interval on courses that
start at midnight) but for an event at the very second `end`, and one day off at
most otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models_app.analysis.data import lookup_sorted, pair_keys

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

DAY = 86400
#: Days per (course, user) fit below this, so (pair index, day) makes one key.
_DAY_SPAN = 1 << 22


@dataclass
class DailyActivity:
    """Sorted (course, user) pairs and, per pair, its active days and their events.

    `keys[i]` is pair index * _DAY_SPAN + day, sorted; `cumulative[i]` the events of
    the pair up to and including that day (a running total per pair).
    """

    pairs: np.ndarray
    keys: np.ndarray
    cumulative: np.ndarray

    def _bounds(self, pair: np.ndarray, first: np.ndarray, last: np.ndarray):
        found = pair >= 0
        base = np.where(found, pair, 0).astype(np.int64) * _DAY_SPAN
        lo = np.searchsorted(self.keys, base + np.maximum(first, 0), side="left")
        hi = np.searchsorted(
            self.keys, base + np.clip(last, -1, _DAY_SPAN - 1), "right"
        )
        return found & (hi > lo), lo, hi

    def events(self, pair: np.ndarray, first: np.ndarray, last: np.ndarray):
        """Events of each pair on the days first..last (inclusive)."""
        if len(self.keys) == 0:
            return np.zeros(len(pair))
        some, lo, hi = self._bounds(pair, first, last)
        total = np.where(some, self.cumulative[np.maximum(hi - 1, 0)], 0)
        before = np.where(
            some & (lo > 0) & (self._pair_at(lo - 1) == pair),
            self.cumulative[np.maximum(lo - 1, 0)],
            0,
        )
        return (total - before).astype(float)

    def days(self, pair: np.ndarray, first: np.ndarray, last: np.ndarray):
        """Active days of each pair among the days first..last (inclusive)."""
        some, lo, hi = self._bounds(pair, first, last)
        return np.where(some, hi - lo, 0)

    def _pair_at(self, index: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.full(len(index), -1)
        return self.keys[np.maximum(index, 0)] // _DAY_SPAN


def daily_activity(data: AnalysisData) -> DailyActivity:
    """The chunk's daily activity (one query, memoised with the chunk)."""

    def load() -> DailyActivity:
        until = int(data.range_set.end.max()) if len(data.range_set) else 0
        course, user, day, n = data.reader.daily_counts(
            course_ids=data.course_ids, until=until
        )
        pair_key = pair_keys(course, user)
        pairs = np.unique(pair_key)
        pair = np.searchsorted(pairs, pair_key)
        keys = pair.astype(np.int64) * _DAY_SPAN + day
        order = np.argsort(keys, kind="stable")
        keys, n, pair = keys[order], n[order], pair[order]
        cumulative = np.cumsum(n)
        # Restart the running total at each pair's first day.
        starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]) if len(pair) else []
        offsets = np.zeros(len(n), dtype=np.int64)
        if len(pair):
            before = np.r_[0, cumulative[:-1]][starts]
            offsets = np.repeat(before, np.diff(np.r_[starts, len(pair)]))
        return DailyActivity(pairs=pairs, keys=keys, cumulative=cumulative - offsets)

    return data.memo(("rs", "daily_activity"), load, "log_queries")


def row_pairs(data: AnalysisData, daily: DailyActivity) -> np.ndarray:
    """Per row, the index of its (course, user) pair in `daily` (-1: no event)."""
    return lookup_sorted(daily.pairs, pair_keys(data.row_course, data.row_user))


def day_of(times: np.ndarray) -> np.ndarray:
    return np.floor_divide(np.asarray(times, dtype=np.int64), DAY)


def row_window_days(data: AnalysisData) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first and last day of the student's time in the course so far:
    from the later of the course start and the enrolment start (the range start
    when the course has none) to the range end."""
    courses = data.courses()
    course_start = np.array(
        [courses.get(int(c), {}).get("start") or 0 for c in data.row_course],
        dtype=np.int64,
    )
    enrol_start = np.nan_to_num(data.samples.enrol_start[data.rows.sample], nan=0.0)
    begin = np.maximum(course_start, enrol_start.astype(np.int64))
    begin = np.where(begin > 0, begin, data.row_start)
    # A range (start, end] at midnights covers the days from `start`'s to the one
    # before `end`'s (an event at the very second `end` is the only one lost).
    return day_of(begin), day_of(data.row_end - 1)
