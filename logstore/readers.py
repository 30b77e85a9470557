"""One reader interface over both log stores, answering analysis with SQL aggregates.

Analysis never sees raw log rows: every method here is one SQL query that groups the
log in the database and returns numpy arrays. The standard store is read as is; the
legacy store (Moodle's old `log` table) is mapped to the standard columns by SQL
expressions, so both give the same aggregates for the same events:

* crud: the first of "delete", "add", "update" found in the action (Moodle's legacy
  reader turns `crud = 'c'` into `action LIKE '%add%'`, 'u' into '%update%', 'd' into
  '%delete%', 'r' into '%view%'); an action matching none of them (e.g. "login",
  "talk") counts as a read, since reading is what most such actions are.
* edulevel: the legacy log does not record it; every row counts as "participating".
* context: a row with a course module id is in that module's context (level 70),
  one with a course in the course context (level 50), the rest in the system context.
* eventname: the (module, action) pairs that analysis looks for by event name are
  mapped by LEGACY_EVENTS; other rows get "\\mod_<module>\\event\\<action>".
* anonymous: the legacy log has no anonymous events.

Range bounds follow Moodle's indicators: a range (start, end) holds the events with
start < timecreated <= end.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np
from django.db import connection, transaction

from logstore.rollups import rollup_aggregate, rollup_daily_counts, rollup_usable

_EVENTNAME = re.compile(r"^[\\A-Za-z0-9_]+$")

#: Codes of crud letters in the arrays (the letters themselves stay in SQL).
CRUD_CODES = {"c": 1, "r": 2, "u": 3, "d": 4}

#: Legacy (module, action) -> the standard event name analysis looks for.
LEGACY_EVENTS: dict[tuple[str, str], str] = {
    ("course", "view"): "\\core\\event\\course_viewed",
    ("assign", "view feedback"): "\\mod_assign\\event\\feedback_viewed",
    ("assign", "submit"): "\\mod_assign\\event\\assessable_submitted",
    ("quiz", "view"): "\\mod_quiz\\event\\course_module_viewed",
    ("quiz", "close attempt"): "\\mod_quiz\\event\\attempt_submitted",
    ("lesson", "end"): "\\mod_lesson\\event\\lesson_ended",
    ("forum", "add post"): "\\mod_forum\\event\\assessable_uploaded",
    ("forum", "add discussion"): "\\mod_forum\\event\\assessable_uploaded",
    ("forum", "view discussion"): "\\mod_forum\\event\\discussion_viewed",
    ("forum", "view forum"): "\\mod_forum\\event\\course_module_viewed",
    ("chat", "talk"): "\\mod_chat\\event\\message_sent",
    ("chat", "view"): "\\mod_chat\\event\\course_module_viewed",
    ("workshop", "view"): "\\mod_workshop\\event\\course_module_viewed",
    ("workshop", "view submission"): "\\mod_workshop\\event\\submission_viewed",
    ("workshop", "add submission"): "\\mod_workshop\\event\\submission_created",
    ("workshop", "update submission"): "\\mod_workshop\\event\\submission_updated",
    ("workshop", "add assessment"): "\\mod_workshop\\event\\submission_assessed",
    ("workshop", "update assessment"): "\\mod_workshop\\event\\submission_reassessed",
    ("lti", "view"): "\\mod_lti\\event\\course_module_viewed",
    ("scorm", "view"): "\\mod_scorm\\event\\course_module_viewed",
}


@dataclass
class CourseUserSummary:
    """Per (course, user): first and last event in the course context, last event
    anywhere in the course, and non-anonymous events strictly inside the course's
    dates (Moodle's minimum-activity rule for dropout). Missing times are -1."""

    courseid: np.ndarray
    userid: np.ndarray
    first_course_ctx: np.ndarray
    last_course_ctx: np.ndarray
    last_any: np.ndarray
    n_named_inside: np.ndarray

    def __len__(self) -> int:
        return len(self.courseid)


@dataclass
class EventTimes:
    """Per (range position, user, course module, event name): count, first, last."""

    pos: np.ndarray
    userid: np.ndarray
    cmid: np.ndarray
    eventname: list[str]
    n: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.pos)


@dataclass
class Aggregates:
    """Events grouped by time bucket, user, context, education level and named event
    (see `aggregate`); crud letters are pivoted into counts.

    `bucket` is a global bucket number; `event` the position (1-based) of the event
    name in the names asked for, 0 for other events; then the number of events, of
    creates, reads and updates (deletes are the rest), of non-anonymous events, of
    non-anonymous creates and updates, and the first and last event time.
    """

    bucket: np.ndarray
    userid: np.ndarray
    contextlevel: np.ndarray
    contextinstanceid: np.ndarray
    edulevel: np.ndarray
    event: np.ndarray
    n: np.ndarray
    n_c: np.ndarray
    n_r: np.ndarray
    n_u: np.ndarray
    n_named: np.ndarray
    n_named_cu: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.bucket)

    def take(self, index: np.ndarray) -> Aggregates:
        return Aggregates(*(getattr(self, f.name)[index] for f in fields(self)))


@dataclass
class Buckets:
    """Cuts each course's time axis at sorted thresholds.

    Course i's buckets are numbered base[i] .. base[i] + len(thresholds[i]): bucket
    base + k holds the times t with thresholds[k-1] <= t < thresholds[k] (the first
    one everything before thresholds[0], the last everything from the last
    threshold on), so every event of the course falls in exactly one bucket.
    """

    course_ids: list[int]
    thresholds: list[list[int]]

    @property
    def base(self) -> list[int]:
        out, total = [], 0
        for th in self.thresholds:
            out.append(total)
            total += len(th) + 1
        return out

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(course, lo, hi) of every bucket, lo inclusive and hi exclusive."""
        courses, los, his = [], [], []
        for cid, th in zip(self.course_ids, self.thresholds, strict=True):
            edges = [-INFINITY, *th, INFINITY]
            courses.extend([cid] * (len(th) + 1))
            los.extend(edges[:-1])
            his.extend(edges[1:])
        return (
            np.array(courses, dtype=np.int64),
            np.array(los, dtype=np.int64),
            np.array(his, dtype=np.int64),
        )


#: work_mem of the aggregate query on PostgreSQL (a chunk's groups fit in it).
PG_WORK_MEM = "256MB"

#: Stand-ins for minus and plus infinity in bucket bounds (fit in a bigint).
INFINITY = 1 << 62


def buckets_for_ranges(
    course_ids: Sequence[int], starts: Sequence[int], ends: Sequence[int]
) -> tuple[Buckets, list[np.ndarray]]:
    """Buckets whose unions are the given ranges (start < t <= end), and for each
    range the buckets it is made of."""
    per_course: dict[int, set[int]] = {}
    for cid, s, e in zip(course_ids, starts, ends, strict=True):
        per_course.setdefault(int(cid), set()).update((int(s) + 1, int(e) + 1))
    ids = sorted(per_course)
    buckets = Buckets(ids, [sorted(per_course[c]) for c in ids])
    base = dict(zip(ids, buckets.base, strict=True))
    th = dict(zip(ids, buckets.thresholds, strict=True))
    members = []
    for cid, s, e in zip(course_ids, starts, ends, strict=True):
        lo = th[int(cid)].index(int(s) + 1)
        hi = th[int(cid)].index(int(e) + 1)
        members.append(np.arange(base[int(cid)] + lo + 1, base[int(cid)] + hi + 1))
    return buckets, members


def _expand(
    members: list[np.ndarray], bucket: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(group index, range position) for every group inside every range."""
    if not members:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flat_bucket = np.concatenate(members)
    flat_range = np.repeat(np.arange(len(members)), [len(m) for m in members])
    order = np.argsort(flat_bucket, kind="stable")
    flat_bucket, flat_range = flat_bucket[order], flat_range[order]
    lo = np.searchsorted(flat_bucket, bucket, side="left")
    hi = np.searchsorted(flat_bucket, bucket, side="right")
    counts = hi - lo
    group = np.repeat(np.arange(len(bucket)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return group, flat_range[np.repeat(lo, counts) + within]


def _values(rows: Iterable[Sequence[int]]) -> str:
    """A VALUES body of integer tuples, written inline.

    Integers only (every item goes through int()), so nothing from outside reaches
    the SQL text; inline rather than parameters because a range set can hold more
    values than SQLite accepts as parameters.
    """
    return ", ".join("(" + ", ".join(str(int(v)) for v in row) + ")" for row in rows)


def _event_code(expression: str, names: Sequence[str]) -> str:
    if not names:
        return "0"
    for name in names:
        if not _EVENTNAME.match(name):
            raise ValueError(f"Not an event name: {name!r}")
    whens = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(names, 1))
    return f"(CASE {expression} {whens} ELSE 0 END)"


N_AGGREGATE_COLUMNS = len(fields(Aggregates))


class LogReader:
    """Aggregates of the activity log. Subclasses name the columns of their table."""

    key = ""
    table = ""
    col: dict[str, str] = {}

    def __init__(self, *, rollup: bool = True) -> None:
        # False: always read the raw log (benchmarks, and the raw/rollup equality
        # tests); True: the activity rollup while it is up to date.
        self.rollup = rollup

    def _rollup_usable(self) -> bool:
        return self.rollup and rollup_usable(self)

    def _fetch(self, sql: str) -> list[tuple]:
        # No parameters: the SQL holds only our own literals, and without parameters
        # no driver reads the '%' of LIKE patterns as a placeholder.
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def _fetch_ints(self, sql: str, n_columns: int) -> list[np.ndarray]:
        """An all-integer result as columns. PostgreSQL sends it by binary COPY,
        parsed by numpy in one go (no Python object per value)."""
        if connection.vendor == "postgresql":
            return _copy_ints(sql, n_columns)
        rows = self._fetch(sql)
        if not rows:
            return [np.zeros(0, dtype=np.int64) for _ in range(n_columns)]
        matrix = np.array(rows, dtype=np.int64)
        return [matrix[:, i] for i in range(n_columns)]

    # -- the one aggregate query ----------------------------------------------------

    def aggregate(
        self, *, buckets: Buckets, eventnames: Sequence[str] = ()
    ) -> Aggregates:
        """The events of the buckets' courses, whatever their time, grouped by bucket,
        user, context, education level and event name (only `eventnames` are told
        apart), with counts per crud letter. One query, one pass over the log rows
        of these courses."""
        if not buckets.course_ids:
            return Aggregates(*[np.zeros(0, dtype=np.int64)] * N_AGGREGATE_COLUMNS)
        if self._rollup_usable():
            return rollup_aggregate(self, buckets=buckets, eventnames=eventnames)
        if connection.vendor != "postgresql":
            course, lo, hi = buckets.bounds()
            intervals = zip(course, np.arange(len(course)), lo, hi, strict=True)
            return self.aggregate_intervals(intervals=intervals, eventnames=eventnames)
        return self._aggregate(buckets=buckets, eventnames=eventnames)

    def aggregate_intervals(
        self,
        *,
        intervals: Iterable[Sequence[int]],
        eventnames: Sequence[str] = (),
    ) -> Aggregates:
        """As `aggregate`, for explicit (course, bucket, lo, hi) time intervals (lo
        inclusive, hi exclusive): each interval's events are read through the
        (course, time) index. SQLite's form of the query, and the rollup's for
        the days a bucket boundary cuts."""
        return self._aggregate(intervals=intervals, eventnames=eventnames)

    def _aggregate(
        self,
        *,
        buckets: Buckets | None = None,
        intervals: Iterable[Sequence[int]] = (),
        eventnames: Sequence[str] = (),
    ) -> Aggregates:
        c = self.col
        t = f"l.{c['timecreated']}"
        if buckets is not None:
            courses = ", ".join(str(int(cid)) for cid in buckets.course_ids)
            arrays = _values_arrays(buckets)
            source = (
                f"{self.table} l JOIN (VALUES {arrays}) AS b(courseid, base, th) "
                f"ON l.{c['courseid']} = b.courseid"
            )
            bucket = f"(b.base + width_bucket({t}, b.th))"
            prefix = ""
            where = f"l.{c['courseid']} IN ({courses})"
        else:
            rows = _values(intervals)
            if not rows:
                return Aggregates(*[np.zeros(0, dtype=np.int64)] * N_AGGREGATE_COLUMNS)
            # b first: the database walks the intervals and reads each one's
            # events through the (course, time) index, so each row is read once
            # (LATERAL with OFFSET 0 on PostgreSQL, which would otherwise pull the
            # subquery up and hash-join a scan of the whole table).
            prefix = f"WITH b(courseid, bucket, lo, hi) AS (VALUES {rows}) "
            bucket = "b.bucket"
            inside = f"l.{c['courseid']} = b.courseid AND {t} >= b.lo AND {t} < b.hi"
            if connection.vendor == "postgresql":
                source = (
                    f"b CROSS JOIN LATERAL (SELECT * FROM {self.table} l "  # noqa: S608
                    f"WHERE {inside} OFFSET 0) l"
                )
                where = "TRUE"
            else:
                source = f"b CROSS JOIN {self.table} l"
                where = inside
        crud = c["crud"]
        named = f"NOT ({c['anonymous']})"
        columns = [
            bucket,
            f"l.{c['userid']}",
            c["contextlevel"],
            c["contextinstanceid"],
            c["edulevel"],
            # Named events are only looked for in activities: other rows skip the
            # string comparisons.
            f"CASE WHEN {c['contextlevel']} = 70 THEN "
            f"{_event_code(c['eventname'], list(eventnames))} ELSE 0 END",
            "COUNT(*)",
            f"SUM(CASE WHEN {crud} = 'c' THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {crud} = 'r' THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {crud} = 'u' THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {named} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {named} AND {crud} IN ('c', 'u') THEN 1 ELSE 0 END)",
            f"MIN({t})",
            f"MAX({t})",
        ]
        # Every column a bigint: PostgreSQL's binary COPY is then fixed-width rows.
        select_list = ", ".join(f"CAST({col} AS BIGINT)" for col in columns)
        select = f"""
            SELECT {select_list}
            FROM {source}
            WHERE {where}
            GROUP BY 1, 2, 3, 4, 5, 6
        """  # noqa: S608 - table, column expressions and integers are ours
        sql = prefix + select
        return Aggregates(*self._fetch_ints(sql, N_AGGREGATE_COLUMNS))

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
            return Aggregates(*[np.zeros(0, dtype=np.int64)] * N_AGGREGATE_COLUMNS)
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
        if self._rollup_usable():
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


def groups_in_ranges(groups: Aggregates, members: list[np.ndarray]) -> Aggregates:
    """Bucket groups summed into ranges (`bucket` becomes the range position)."""
    group, pos = _expand(members, groups.bucket)
    if len(group) == 0:
        return groups.take(np.zeros(0, dtype=np.int64))
    picked = groups.take(group)
    picked.bucket = pos
    return regroup(picked)


def regroup(groups: Aggregates) -> Aggregates:
    """Sum the groups that share (bucket, user, context, event)."""
    if len(groups) == 0:
        return groups
    keys = (
        groups.event,
        groups.edulevel,
        groups.contextinstanceid,
        groups.contextlevel,
        groups.userid,
        groups.bucket,
    )
    order = np.lexsort(keys)
    sorted_keys = [k[order] for k in keys]
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for k in sorted_keys:
        change[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(change)
    if len(starts) == len(order):  # already one group per key
        return groups.take(order)

    def total(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[order], starts)

    return Aggregates(
        groups.bucket[order][starts],
        groups.userid[order][starts],
        groups.contextlevel[order][starts],
        groups.contextinstanceid[order][starts],
        groups.edulevel[order][starts],
        groups.event[order][starts],
        total(groups.n),
        total(groups.n_c),
        total(groups.n_r),
        total(groups.n_u),
        total(groups.n_named),
        total(groups.n_named_cu),
        np.minimum.reduceat(groups.first[order], starts),
        np.maximum.reduceat(groups.last[order], starts),
    )


def course_user_summary(
    groups: Aggregates, buckets: Buckets, inside: list[np.ndarray]
) -> CourseUserSummary:
    """Per (course, user) first/last course-context event, last event, and the
    non-anonymous events in the buckets of `inside` (one array per course)."""
    if not buckets.course_ids:
        return CourseUserSummary(*[np.zeros(0, dtype=np.int64)] * 6)
    base = np.array(buckets.base, dtype=np.int64)
    course_of = np.array(buckets.course_ids, dtype=np.int64)[
        np.searchsorted(base, groups.bucket, side="right") - 1
    ]
    inside_buckets = np.concatenate(inside) if inside else np.zeros(0, dtype=np.int64)
    is_inside = np.isin(groups.bucket, inside_buckets)
    uniq, inverse = np.unique(
        course_of * (1 << 31) + groups.userid, return_inverse=True
    )
    inverse = inverse.ravel()
    size = len(uniq)
    in_course_ctx = (groups.contextlevel == 50) & (
        groups.contextinstanceid == course_of
    )
    first = np.full(size, INFINITY, dtype=np.int64)
    np.minimum.at(first, inverse[in_course_ctx], groups.first[in_course_ctx])
    last = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last, inverse[in_course_ctx], groups.last[in_course_ctx])
    last_any = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last_any, inverse, groups.last)
    named = np.bincount(
        inverse, weights=np.where(is_inside, groups.n_named, 0), minlength=size
    ).astype(np.int64)
    return CourseUserSummary(
        uniq >> 31,
        uniq & ((1 << 31) - 1),
        np.where(first == INFINITY, -1, first),
        last,
        last_any,
        named,
    )


def event_times(counts: Aggregates, names: Sequence[str]) -> EventTimes:
    """The named-event groups of range counts, as EventTimes (module contexts)."""
    keep = (counts.event > 0) & (counts.contextlevel == 70)
    picked = counts.take(np.flatnonzero(keep))
    return EventTimes(
        picked.bucket,
        picked.userid,
        picked.contextinstanceid,
        [names[i - 1] for i in picked.event.tolist()],
        picked.n,
        picked.first,
        picked.last,
    )


def _values_arrays(buckets: Buckets) -> str:
    return ", ".join(
        f"({int(cid)}, {int(base)}, ARRAY[{', '.join(str(int(t)) for t in th)}]::bigint[])"
        for cid, base, th in zip(
            buckets.course_ids, buckets.base, buckets.thresholds, strict=True
        )
    )


def _copy_ints(sql: str, n_columns: int) -> list[np.ndarray]:
    """Run `sql` as a binary COPY and parse the all-bigint, non-null rows with numpy.

    Rows are fixed-width (a 2-byte field count, then a 4-byte length and 8 bytes per
    column), so blocks are parsed as they arrive: memory holds the columns and at
    most one batch of raw bytes, never the whole result twice.
    """
    row = [("count", ">i2")]
    for i in range(n_columns):
        row += [(f"len{i}", ">i4"), (f"v{i}", ">i8")]
    dtype = np.dtype(row)
    parts: list[list[np.ndarray]] = [[] for _ in range(n_columns)]
    pending = bytearray()
    header_done = False

    def parse(final: bool) -> None:
        nonlocal pending
        usable = len(pending) - (2 if final else 0)  # the trailer is a 2-byte -1
        usable -= usable % dtype.itemsize
        if usable <= 0:
            return
        records = np.frombuffer(bytes(pending[:usable]), dtype=dtype)
        if not (records["len0"] == 8).all():
            raise ValueError("Unexpected column in a binary COPY of integers.")
        for i in range(n_columns):
            parts[i].append(records[f"v{i}"].astype(np.int64))
        del pending[:usable]

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough memory to hash-aggregate a chunk's groups without spilling to disk;
        # SET LOCAL ends with the transaction.
        cursor.execute(f"SET LOCAL work_mem = '{PG_WORK_MEM}'")
        # Compiling these wide aggregates costs seconds per query (JIT inlining
        # and optimisation) and saves less than that.
        cursor.execute("SET LOCAL jit = off")
        raw = getattr(cursor, "cursor", cursor)
        with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
            for block in copy:
                pending += block
                if not header_done and len(pending) >= 19:
                    # 11-byte signature, 4-byte flags, 4-byte extension length.
                    ext = int.from_bytes(pending[15:19], "big")
                    if len(pending) < 19 + ext:
                        continue
                    del pending[: 19 + ext]
                    header_done = True
                if header_done and len(pending) >= COPY_BATCH:
                    parse(final=False)
    parse(final=True)
    if connection.queries_logged:
        connection.queries_log.append(
            {
                "sql": f"COPY ({sql}) TO STDOUT",
                "time": f"{time.perf_counter() - started:.3f}",
            }
        )
    return [np.concatenate(p) if p else np.zeros(0, dtype=np.int64) for p in parts]


#: Raw bytes parsed at a time from a binary COPY.
COPY_BATCH = 32 * 1024 * 1024


class StandardLogReader(LogReader):
    """Moodle's logstore_standard_log, read as is."""

    key = "standard"
    table = "logstore_standard_log"
    col = {
        "userid": "userid",
        "courseid": "courseid",
        "timecreated": "timecreated",
        "contextlevel": "l.contextlevel",
        "contextinstanceid": "l.contextinstanceid",
        "crud": "l.crud",
        "edulevel": "l.edulevel",
        "anonymous": "l.anonymous",
        "eventname": "l.eventname",
    }


def _legacy_eventname() -> str:
    whens = " ".join(
        f"WHEN l.module = '{module}' AND l.action = '{action}' THEN '{name}'"
        for (module, action), name in LEGACY_EVENTS.items()
    )
    # Backslashes are literal in standard SQL strings on both backends.
    fallback = "'\\mod_' || l.module || '\\event\\' || l.action"
    return f"(CASE {whens} ELSE {fallback} END)"


class LegacyLogReader(LogReader):
    """Moodle's old `log` table, mapped to the standard columns (see the module)."""

    key = "legacy"
    table = "logstore_legacy_log"
    col = {
        "userid": "userid",
        "courseid": "course",
        "timecreated": "time",
        "contextlevel": (
            "(CASE WHEN l.cmid > 0 THEN 70 WHEN l.course > 0 THEN 50 ELSE 10 END)"
        ),
        "contextinstanceid": (
            "(CASE WHEN l.cmid > 0 THEN l.cmid WHEN l.course > 0 THEN l.course "
            "ELSE 0 END)"
        ),
        "crud": (
            "(CASE WHEN l.action LIKE '%delete%' THEN 'd' "
            "WHEN l.action LIKE '%add%' THEN 'c' "
            "WHEN l.action LIKE '%update%' THEN 'u' ELSE 'r' END)"
        ),
        "edulevel": "2",
        "anonymous": "1 = 0",
        "eventname": _legacy_eventname(),
    }


READERS: dict[str, type[LogReader]] = {
    StandardLogReader.key: StandardLogReader,
    LegacyLogReader.key: LegacyLogReader,
}


def get_reader(store: str | None = None, *, rollup: bool = True) -> LogReader:
    """The reader of `store`, or of the log store chosen in the analytics settings
    (`rollup=False`: always from the raw log)."""
    if store is None:
        from settings_app.selectors import analytics_settings

        store = analytics_settings().logstore
    try:
        return READERS[store](rollup=rollup)
    except KeyError:
        raise ValueError(f"Unknown log store {store!r}.") from None
