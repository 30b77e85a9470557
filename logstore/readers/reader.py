"""LogReader: the queries analysis asks the activity log, answered by SQL aggregates.

Analysis never sees raw log rows: every method here is one SQL query that groups the
log in the database and returns numpy arrays (PostgreSQL sends all-integer results
by binary COPY, see binary_copy). Subclasses (see stores) name the columns of their
table. Range bounds follow Moodle's indicators: a range (start, end) holds the
events with start < timecreated <= end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from django.db import connection

from logstore.readers.binary_copy import copy_ints
from logstore.readers.buckets import Buckets, buckets_for_ranges
from logstore.readers.concurrent import aggregate_parts, ints_concurrently
from logstore.readers.results import (
    N_AGGREGATE_COLUMNS,
    Aggregates,
    CourseUserSummary,
    EventTimes,
    aggregates_empty,
)
from logstore.readers.sql import aggregate_sql, interval_parts
from logstore.readers.views import course_user_summary, event_times, groups_in_ranges
from logstore.rollups import rollup_aggregate, rollup_daily_counts, rollup_usable

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper


class LogReader:
    """Aggregates of the activity log. Subclasses name the columns of their table."""

    key = ""
    table = ""
    col: dict[str, str] = {}

    def __init__(self, *, rollup: bool = True) -> None:
        # False: always read the raw log (benchmarks, and the raw/rollup equality
        # tests); True: the activity rollup while it is up to date.
        self.rollup = rollup

    def _rollup_usable(self, courses: int | None = None) -> bool:
        return self.rollup and rollup_usable(self, courses=courses)

    def _fetch(self, sql: str, using: BaseDatabaseWrapper | None = None) -> list[tuple]:
        # No parameters: the SQL holds only our own literals, and without parameters
        # no driver reads the '%' of LIKE patterns as a placeholder.
        with (connection if using is None else using).cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def _fetch_ints(
        self, sql: str, n_columns: int, using: BaseDatabaseWrapper | None = None
    ) -> list[np.ndarray]:
        """An all-integer result as columns. PostgreSQL sends it by binary COPY,
        parsed by numpy in one go (no Python object per value). `using`: a
        connection of the caller's own instead of this thread's."""
        if (connection if using is None else using).vendor == "postgresql":
            return copy_ints(sql, n_columns, using=using)
        rows = self._fetch(sql, using)
        if not rows:
            return [np.zeros(0, dtype=np.int64) for _ in range(n_columns)]
        matrix = np.array(rows, dtype=np.int64)
        return [matrix[:, i] for i in range(n_columns)]

    # -- the one aggregate query ----------------------------------------------------

    def aggregate(
        self,
        *,
        buckets: Buckets,
        eventnames: Sequence[str] = (),
        activity_detail: bool = True,
    ) -> Aggregates:
        """The events of the buckets' courses, whatever their time, grouped by bucket,
        user, context, education level and event name (only `eventnames` are told
        apart), with counts per crud letter. One query, one pass over the log rows
        of these courses.

        `activity_detail=False`: the context instance is kept only where a reader
        other than the per-activity counts looks at it (the module of a named
        event in an activity, the course context of the row's course) and is 0
        elsewhere, so an activity's ordinary events merge into one group per
        (bucket, user, level, education level): every count, first and last time
        per range, course context or module context, every summary and named
        event's times stay the same, with a fraction of the groups (on the 10M-row
        bench site 156,000 a chunk instead of 706,000; see bench/analysis.py)."""
        if not buckets.course_ids:
            return aggregates_empty()
        if self._rollup_usable(len(buckets.course_ids)):
            return rollup_aggregate(
                self,
                buckets=buckets,
                eventnames=eventnames,
                activity_detail=activity_detail,
            )
        return self._aggregate(
            buckets=buckets,
            eventnames=eventnames,
            activity_detail=activity_detail,
            parts=self.aggregate_parts(buckets),
        )

    def aggregate_intervals(
        self,
        *,
        intervals: Iterable[Sequence[int]],
        eventnames: Sequence[str] = (),
        activity_detail: bool = True,
    ) -> Aggregates:
        """As `aggregate`, for explicit (course, bucket, lo, hi) time intervals (lo
        inclusive, hi exclusive): each interval's events are read through the
        (course, time) index. SQLite's form of the query, and the rollup's for
        the days a bucket boundary cuts."""
        return self._aggregate(
            intervals=intervals, eventnames=eventnames, activity_detail=activity_detail
        )

    def _aggregate(
        self,
        *,
        buckets: Buckets | None = None,
        intervals: Iterable[Sequence[int]] = (),
        eventnames: Sequence[str] = (),
        activity_detail: bool = True,
        parts: int = 1,
    ) -> Aggregates:
        """The aggregate query of `buckets` in `parts` (PostgreSQL: by width_bucket;
        SQLite: each bucket as an explicit interval, read by index), or of explicit
        `intervals`."""
        forms: list[dict] = [{"intervals": intervals}]
        if buckets is not None and connection.vendor == "postgresql":
            forms = [{"buckets": buckets, "part": (k, parts)} for k in range(parts)]
        elif buckets is not None:
            forms = [{"intervals": part} for part in interval_parts(buckets, parts)]
        sqls = [
            aggregate_sql(
                table=self.table,
                col=self.col,
                vendor=connection.vendor,
                eventnames=eventnames,
                activity_detail=activity_detail,
                **form,
            )
            for form in forms
        ]
        return self._fetch_aggregates([sql for sql in sqls if sql is not None])

    def _fetch_aggregates(self, sqls: list[str]) -> Aggregates:
        """The aggregate queries' rows together: one query on this connection,
        several at once on their own connections (concurrent.py)."""
        if not sqls:
            return aggregates_empty()
        if len(sqls) == 1:
            return Aggregates(*self._fetch_ints(sqls[0], N_AGGREGATE_COLUMNS))
        return Aggregates(
            *ints_concurrently(sqls, N_AGGREGATE_COLUMNS, self._fetch_ints)
        )

    def aggregate_parts(self, buckets: Buckets) -> int:
        """Over how many connections at once the aggregate of these buckets runs
        (concurrent.aggregate_parts)."""
        return aggregate_parts(self, buckets)

    # -- views of the aggregates ------------------------------------------------------

    def range_counts(
        self,
        *,
        course_ids: Sequence[int],
        starts: Sequence[int],
        ends: Sequence[int],
        eventnames: Sequence[str] = (),
    ) -> Aggregates:
        """Aggregates per range of a range set instead of per bucket: the i-th range
        is course_ids[i] between starts[i] (excluded) and ends[i] (included), and
        `bucket` holds i. Ranges may overlap. One query."""
        if len(course_ids) == 0:
            return aggregates_empty()
        buckets, members = buckets_for_ranges(course_ids, starts, ends)
        groups = self.aggregate(buckets=buckets, eventnames=eventnames)
        return groups_in_ranges(groups, members)

    def course_user_summary(
        self, *, course_ids: Sequence[int], starts: Sequence[int], ends: Sequence[int]
    ) -> CourseUserSummary:
        """First/last access per user and course, whatever the time (see the class).
        `starts`/`ends` are the courses' dates (0 when unset)."""
        inside = [
            (cid, s, e - 1) for cid, s, e in zip(course_ids, starts, ends, strict=True)
        ]
        buckets, members = (
            buckets_for_ranges(*zip(*inside, strict=True))
            if inside
            else (
                Buckets([], []),
                [],
            )
        )
        groups = self.aggregate(buckets=buckets)
        return course_user_summary(groups, buckets, members)

    def event_times(
        self,
        *,
        course_ids: Sequence[int],
        starts: Sequence[int],
        ends: Sequence[int],
        eventnames: Iterable[str],
    ) -> EventTimes:
        """Count, first and last time of the given events in course modules, per
        range of the range set, user, module and event name. One query."""
        names = sorted(set(eventnames))
        counts = self.range_counts(
            course_ids=course_ids, starts=starts, ends=ends, eventnames=names
        )
        return event_times(counts, names)

    def daily_counts(
        self, *, course_ids: Sequence[int], until: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(course, user, day, events) of every user's events per UTC day
        (time // 86400) in the given courses, up to `until` included. One query."""
        if not course_ids:
            return tuple(np.zeros(0, dtype=np.int64) for _ in range(4))
        if self._rollup_usable(len(course_ids)):
            return rollup_daily_counts(self, course_ids=course_ids, until=until)
        return self.raw_daily_counts(course_ids=course_ids, until=until)

    def raw_daily_counts(
        self, *, course_ids: Sequence[int], until: int, since: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`daily_counts` from the raw log, from `since` (included) when given."""
        c = self.col
        ids = ", ".join(str(int(cid)) for cid in course_ids)
        t = f"l.{c['timecreated']}"
        lower = "" if since is None else f" AND {t} >= {int(since)}"
        sql = f"""
            SELECT l.{c["courseid"]}, l.{c["userid"]}, {t} / 86400, COUNT(*)
            FROM {self.table} l
            WHERE l.{c["courseid"]} IN ({ids}) AND {t} <= {int(until)}{lower}
            GROUP BY 1, 2, 3
        """  # noqa: S608 - column expressions and integers are ours
        course, user, day, n = self._fetch_ints(sql, 4)
        return course, user, day, n

    def total_rows(self, *, course_ids: Sequence[int] | None = None) -> int:
        """How many log rows the store holds (for these courses)."""
        c = self.col
        where = ""
        if course_ids is not None:
            if not course_ids:
                return 0
            ids = ", ".join(str(int(cid)) for cid in course_ids)
            where = f" WHERE {c['courseid']} IN ({ids})"
        sql = f"SELECT COUNT(*) FROM {self.table}{where}"  # noqa: S608 - ours
        return int(self._fetch(sql)[0][0])

    def user_course_activity(
        self, *, course_id: int, user_id: int
    ) -> dict[tuple[int, int], tuple[int, int]]:
        """One user's events in one course, whatever their time:
        (context level, context instance id) -> (events, last event time)."""
        c = self.col
        sql = f"""
            SELECT {c["contextlevel"]}, {c["contextinstanceid"]}, COUNT(*),
                   MAX(l.{c["timecreated"]})
            FROM {self.table} l
            WHERE l.{c["courseid"]} = {int(course_id)} AND l.{c["userid"]} = {int(user_id)}
            GROUP BY 1, 2
        """  # noqa: S608 - column expressions and integers are ours
        return {
            (int(level), int(instance)): (int(n), int(last))
            for level, instance, n, last in self._fetch(sql)
        }
