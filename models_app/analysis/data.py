"""Samples, (sample, range) rows, and the facts of a chunk of analysables.

Analysis works on chunks of analysables (a few hundred courses). For a chunk, every
fact an indicator or a target needs (event counts per range, first and last access,
activities, grades, role holders...) is loaded on first use by one query for the
whole chunk and kept on the `AnalysisData` object, so the number of queries depends
on the number of chunks, never on the number of samples. Indicators and targets then
work on numpy arrays with one entry per row, a row being one sample in one range.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import BigIntegerField, FloatField, Func
from django.db.models.functions import Cast

from logstore.readers import (
    Aggregates,
    Buckets,
    CourseUserSummary,
    EventTimes,
    LogReader,
    buckets_for_ranges,
    course_user_summary,
    event_times,
    groups_in_ranges,
)
from models_app.plugins.base import Analysable

#: Moodle's analysable::MAX_TIME, the end of users that never end.
MAX_TIME = 9999999999


def ts(value: datetime | None) -> int | None:
    """A datetime as a Unix timestamp (None stays None)."""
    return None if value is None else int(value.timestamp())


class UnixTime(Func):
    """A datetime column as whole Unix seconds, computed by the database (what `ts`
    computes from the datetime), so reading it makes no datetime object."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        return self.as_sql(
            compiler,
            connection,
            template="CAST(TRUNC(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        # Whole seconds first (strftime would round the fraction to milliseconds);
        # '%%%%s': one '%%' for this template, one for the query's placeholders.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER)",
            **extra,
        )


def _take(obj: Any, index: np.ndarray) -> Any:
    values = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        values[f.name] = value[index] if isinstance(value, np.ndarray) else value
    return type(obj)(**values)


@dataclass
class Samples:
    """The samples of a chunk, one entry per sample.

    `origin` is Moodle's sample origin ("user_enrolments", "course" or "user");
    `ids` the sample ids (enrolment, course or user ids); `analysable` the analysable
    each belongs to; `user` and `course` the user and course it is about (0 when it
    has none); `context` the context where its insights go (the course context for
    enrolments, the system context for site-wide course samples, the user context
    for users); `enrol_start`/`enrol_end` the enrolment times (NaN when unset; the
    start falls back to the enrolment's creation time, as in Moodle).
    """

    origin: str
    ids: np.ndarray
    analysable: np.ndarray
    user: np.ndarray
    course: np.ndarray
    context: np.ndarray
    enrol_start: np.ndarray
    enrol_end: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, index: np.ndarray) -> Samples:
        return _take(self, index)

    @classmethod
    def empty(cls, origin: str) -> Samples:
        ints = np.zeros(0, dtype=np.int64)
        floats = np.zeros(0, dtype=np.float64)
        return cls(origin, ints, ints, ints, ints, ints, floats, floats)


@dataclass
class RangeSet:
    """The distinct (analysable, range) pairs of a chunk: one SQL range set."""

    analysable: np.ndarray
    course: np.ndarray
    index: np.ndarray
    start: np.ndarray
    end: np.ndarray
    time: np.ndarray
    #: Site and user analysables: the sample id an entry is for (0 otherwise).
    sample: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.index)


@dataclass
class Rows:
    """One entry per (sample, range): `sample` indexes the Samples, `pos` the RangeSet."""

    sample: np.ndarray
    pos: np.ndarray

    def __len__(self) -> int:
        return len(self.sample)

    def take(self, index: np.ndarray) -> Rows:
        return _take(self, index)


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One int64 key per (a, b) pair of non-negative ids below 2**31."""
    return a.astype(np.int64) * (1 << 31) + b.astype(np.int64)


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) for every i and every j in lo[i] <= j < hi[i], in that order."""
    counts = hi - lo
    which = np.repeat(np.arange(len(lo)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return which, np.repeat(lo, counts) + within


def lookup(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each `wanted` key in `keys` (-1 when absent); keys need not be sorted."""
    if len(keys) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    at = np.searchsorted(sorted_keys, wanted)
    at_clipped = np.minimum(at, len(keys) - 1)
    found = sorted_keys[at_clipped] == wanted
    return np.where(found, order[at_clipped], -1)


def lookup_sorted(sorted_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Like `lookup`, for keys already sorted (no sort per call)."""
    if len(sorted_keys) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return np.where(sorted_keys[at] == wanted, at, -1)


def take(values: np.ndarray, at: np.ndarray, default: float | int) -> np.ndarray:
    """`values[at]`, with `default` where `at` is -1 (as `lookup` gives for "absent").

    Safe when `values` is empty, as it is for a chunk without any event: indexing with
    -1 there fails, and `np.where` evaluates both branches before choosing.
    """
    dtype = np.result_type(values.dtype, np.min_scalar_type(default))
    out = np.full(len(at), default, dtype=dtype)
    found = at >= 0
    out[found] = values[at[found]]
    return out


class AnalysisData:
    """What indicators and targets read for a chunk: samples, rows and lazy facts."""

    def __init__(
        self,
        *,
        reader: LogReader,
        analysables: dict[int, Analysable],
        samples: Samples,
        now: int,
        mode: str,
        timings: dict[str, float] | None = None,
        eventnames: Iterable[str] = (),
        activity_detail: bool = True,
    ) -> None:
        self.reader = reader
        self.eventnames = tuple(sorted(set(eventnames)))
        #: Whether the aggregates keep every activity's own groups (LogReader.
        #: aggregate): only per-activity counts of ordinary events need them
        #: (indicators with `needs_activity_counts`); every other fact is the same
        #: without them, from far fewer groups.
        self.activity_detail = activity_detail
        self.analysables = analysables
        self.samples = samples
        self.now = now
        self.mode = mode
        self.timings = timings if timings is not None else {}
        self.range_set = RangeSet(*[np.zeros(0, dtype=np.int64)] * 7)
        self.rows = Rows(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        self._memo: dict[Any, Any] = {}
        self._nested: list[float] = []

    # -- plumbing ------------------------------------------------------------------

    def memo(self, key: Any, load: Callable[[], Any], phase: str = "queries") -> Any:
        """The fact `key`, loaded once. Its load time (less the time of facts it
        loads in turn) is added to `phase` of the timings."""
        if key not in self._memo:
            started = time.perf_counter()
            self._nested.append(0.0)
            try:
                self._memo[key] = load()
            finally:
                inner = self._nested.pop()
                spent = time.perf_counter() - started
                self.timings[phase] = self.timings.get(phase, 0.0) + spent - inner
                if self._nested:
                    self._nested[-1] += spent
        return self._memo[key]

    def set_range_set(self, range_set: RangeSet) -> None:
        """The ranges of the chunk; log aggregates are computed for these."""
        self.range_set = range_set
        self._memo = {k: v for k, v in self._memo.items() if _keyed(k) is None}

    def set_rows(self, range_set: RangeSet, rows: Rows) -> None:
        """Rows change when samples are filtered; facts keyed by row are dropped."""
        if range_set is not self.range_set:
            self.set_range_set(range_set)
        self.rows = rows
        self._memo = {k: v for k, v in self._memo.items() if _keyed(k) != "rows"}

    @property
    def course_ids(self) -> list[int]:
        """Courses of the chunk: the course analysables and the samples' courses."""
        ids = {a.id for a in self.analysables.values() if a.kind == "course"}
        ids.update(int(c) for c in np.unique(self.samples.course) if c > 0)
        return sorted(ids)

    # -- per-row views of the samples ---------------------------------------------

    @property
    def row_user(self) -> np.ndarray:
        return self.samples.user[self.rows.sample]

    @property
    def row_course(self) -> np.ndarray:
        return self.samples.course[self.rows.sample]

    @property
    def row_start(self) -> np.ndarray:
        return self.range_set.start[self.rows.pos]

    @property
    def row_end(self) -> np.ndarray:
        return self.range_set.end[self.rows.pos]

    # -- log aggregates: one query per chunk ------------------------------------------

    def _buckets(self) -> tuple[Buckets, list[np.ndarray], list[np.ndarray]]:
        """Buckets of the chunk's courses whose unions are the range-set ranges and
        each course's inside (start < t < end). Returns (buckets, range members,
        inside members)."""

        def load():
            rs = self.range_set
            courses, starts, ends = [], [], []
            real = rs.course > 0
            courses += rs.course[real].tolist()
            starts += rs.start[real].tolist()
            ends += rs.end[real].tolist()
            n_ranges = len(courses)
            for cid in self.course_ids:
                course = self.courses().get(cid, {})
                if course.get("start") and course.get("end"):
                    courses.append(cid)
                    starts.append(course["start"])
                    ends.append(course["end"] - 1)
            buckets, members = buckets_for_ranges(courses, starts, ends)
            range_members = [np.zeros(0, dtype=np.int64)] * len(rs)
            for at, member in zip(
                np.flatnonzero(real).tolist(), members[:n_ranges], strict=True
            ):
                range_members[at] = member
            return buckets, range_members, members[n_ranges:]

        return self.memo(("rs", "buckets"), load, "facts")

    def aggregates(self) -> Aggregates:
        """The chunk's log, grouped by bucket, user, context and named event
        (without `activity_detail`, an activity's ordinary events in one group)."""
        return self.memo(
            ("rs", "aggregates"),
            lambda: self.reader.aggregate(
                buckets=self._buckets()[0],
                eventnames=self.eventnames,
                activity_detail=self.activity_detail,
            ),
            "log_queries",
        )

    def range_counts(self) -> Aggregates:
        """Aggregates per range-set position (in `bucket`)."""
        return self.memo(
            ("rs", "range_counts"),
            lambda: groups_in_ranges(self.aggregates(), self._buckets()[1]),
            "facts",
        )

    def _range_count_rows(self) -> np.ndarray:
        """The row each range-count group belongs to (-1: not a sample's group)."""

        def load() -> np.ndarray:
            counts = self.range_counts()
            row_keys = pair_keys(self.rows.pos, self.row_user)
            return lookup(row_keys, pair_keys(counts.bucket, counts.userid))

        return self.memo(("rows", "range_count_rows"), load, "facts")

    def count_rows(
        self,
        *,
        crud: str | None = None,
        course_context: bool = False,
        module_context: bool = False,
        named: bool = False,
    ) -> np.ndarray:
        """Per row, the number of the sample user's events in the range's course.

        `crud` is None (all), "r" or "cu" (creates and updates); `course_context`
        keeps events in the course context itself (Moodle's "contextlevel = 50 AND
        contextinstanceid = course"), `module_context` those in activities; `named`
        counts non-anonymous events only.
        """
        key = ("rows", "count", crud, course_context, module_context, named)

        def load() -> np.ndarray:
            counts = self.range_counts()
            row = self._range_count_rows()
            keep = row >= 0
            if course_context:
                keep &= (counts.contextlevel == 50) & (
                    counts.contextinstanceid == self.range_set.course[counts.bucket]
                )
            if module_context:
                keep &= counts.contextlevel == 70
            weights = {
                (None, False): counts.n,
                ("r", False): counts.n_r,
                ("cu", False): counts.n_c + counts.n_u,
                (None, True): counts.n_named,
                ("cu", True): counts.n_named_cu,
            }[(crud, named)]
            return np.bincount(
                row[keep], weights=weights[keep], minlength=len(self.rows)
            )

        return self.memo(key, load, "facts")

    # -- per (course, user), whatever the range ------------------------------------

    def course_user_summary(self) -> CourseUserSummary:
        def load() -> CourseUserSummary:
            buckets, _ranges, inside = self._buckets()
            return course_user_summary(self.aggregates(), buckets, inside)

        return self.memo(("rs", "course_user_summary"), load, "facts")

    def summary_per_sample(self, field: str) -> np.ndarray:
        """A CourseUserSummary field per sample (-1 when the user has no event)."""

        def load() -> np.ndarray:
            summary = self.course_user_summary()
            at = lookup(
                pair_keys(summary.courseid, summary.userid),
                pair_keys(self.samples.course, self.samples.user),
            )
            values = getattr(summary, field)
            out = np.full(len(self.samples), -1, dtype=np.int64)
            out[at >= 0] = values[at[at >= 0]]
            return out

        return self.memo(("rows", "summary_per_sample", field), load, "facts")

    def event_times(self, names: Iterable[str]) -> EventTimes:
        """Named events in activities per range position (`pos`), user and module.

        From the chunk's one aggregate query when the names were announced in
        `eventnames`, else from a query of their own.
        """
        names = tuple(sorted(set(names)))
        if set(names) <= set(self.eventnames):

            def load() -> EventTimes:
                times = event_times(self.range_counts(), self.eventnames)
                keep = np.array([n in names for n in times.eventname], dtype=bool)
                index = np.flatnonzero(keep)
                return EventTimes(
                    times.pos[index],
                    times.userid[index],
                    times.cmid[index],
                    [times.eventname[i] for i in index.tolist()],
                    times.n[index],
                    times.first[index],
                    times.last[index],
                )

            return self.memo(("rs", "event_times", names), load, "facts")
        rs = self.range_set
        return self.memo(
            ("rs", "event_times", names),
            lambda: self.reader.event_times(
                course_ids=rs.course.tolist(),
                starts=rs.start.tolist(),
                ends=rs.end.tolist(),
                eventnames=names,
            ),
            "log_queries",
        )

    # -- the learning site -----------------------------------------------------------

    def courses(self) -> dict[int, dict[str, Any]]:
        from lms.models import Course

        def load() -> dict[int, dict[str, Any]]:
            ids = {a.id for a in self.analysables.values() if a.kind == "course"}
            ids.update(int(c) for c in np.unique(self.samples.course) if c > 0)
            out = {}
            for row in (
                Course.objects.filter(id__in=ids)
                .annotate(start=UnixTime("startdate"), end=UnixTime("enddate"))
                .values(
                    "id",
                    "start",
                    "end",
                    "visible",
                    "enablecompletion",
                    "grade_to_pass",
                    "fullname",
                )
            ):
                out[row["id"]] = {
                    "start": row["start"],
                    "end": row["end"],
                    "visible": row["visible"],
                    "enablecompletion": row["enablecompletion"],
                    "grade_to_pass": float(row["grade_to_pass"] or 0),
                    "name": row["fullname"],
                }
            return out

        return self.memo("courses", load)

    def activities(self) -> dict[str, np.ndarray]:
        """The activities of the chunk's courses, as arrays."""
        from lms.models import Activity

        def load() -> dict[str, np.ndarray]:
            rows = list(
                Activity.objects.filter(course_id__in=self.course_ids)
                .annotate(due=UnixTime("duedate"))
                .values_list(
                    "id",
                    "course_id",
                    "modname",
                    "section",
                    "visible",
                    "due",
                    "completion",
                )
            )
            return {
                "id": np.array([r[0] for r in rows], dtype=np.int64),
                "course": np.array([r[1] for r in rows], dtype=np.int64),
                "modname": np.array([r[2] for r in rows], dtype=object),
                "section": np.array([r[3] for r in rows], dtype=np.int64),
                "visible": np.array([r[4] for r in rows], dtype=bool),
                "due": np.array(
                    [-1 if r[5] is None else r[5] for r in rows], dtype=np.int64
                ),
                "completion": np.array([r[6] for r in rows], dtype=np.int64),
            }

        return self.memo("activities", load)

    def completion_with_criteria(self) -> set[int]:
        """Courses where completion is enabled and has criteria.

        Foresight has no table of course completion criteria; a course has criteria
        when it tracks completion and at least one of its activities does.
        """

        def load() -> set[int]:
            acts = self.activities()
            tracked = set(acts["course"][acts["completion"] > 0].tolist())
            return {
                cid
                for cid, c in self.courses().items()
                if c["enablecompletion"] and cid in tracked
            }

        return self.memo("completion_with_criteria", load)

    def completed(self) -> set[tuple[int, int]]:
        """(course, user) pairs whose course completion has a completion time."""
        from lms.models import CourseCompletion

        return self.memo(
            "completed",
            lambda: set(
                CourseCompletion.objects.filter(
                    course_id__in=self.course_ids, timecompleted__isnull=False
                ).values_list("course_id", "user_id")
            ),
        )

    def course_grades(self) -> dict[tuple[int, int], float | None]:
        from lms.models import CourseGrade

        return self.memo(
            "course_grades",
            lambda: {
                (c, u): None if g is None else float(g)
                for c, u, g in CourseGrade.objects.filter(
                    course_id__in=self.course_ids
                ).values_list("course_id", "user_id", "finalgrade")
            },
        )

    def activity_grades(self) -> dict[str, np.ndarray]:
        """The activity grades of the chunk's courses, sorted by `key` (pair_keys of
        user and activity): `user`, `activity`, `grade` (NaN when none) and
        `submitted` (Unix time, -1 when none). One query; the database converts the
        grades to floats and the times to integers."""
        from lms.models import ActivityGrade

        def load() -> dict[str, np.ndarray]:
            rows = list(
                ActivityGrade.objects.filter(activity__course_id__in=self.course_ids)
                .annotate(
                    grade_float=Cast("grade", FloatField()),
                    submitted=UnixTime("timesubmitted"),
                )
                .values_list("user_id", "activity_id", "grade_float", "submitted")
            )
            users = np.array([r[0] for r in rows], dtype=np.int64)
            activities = np.array([r[1] for r in rows], dtype=np.int64)
            grades = np.array(
                [np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64
            )
            submitted = np.array(
                [-1 if r[3] is None else r[3] for r in rows], dtype=np.int64
            )
            keys = pair_keys(users, activities)
            order = np.argsort(keys, kind="stable")
            return {
                "key": keys[order],
                "user": users[order],
                "activity": activities[order],
                "grade": grades[order],
                "submitted": submitted[order],
            }

        return self.memo("activity_grades", load)

    def first_graded(self) -> dict[tuple[int, int], int]:
        """(user, activity) -> when the user's grade there was first given.

        Foresight's activity grades keep one time, `timesubmitted`; a grade without
        it counts as given at 0 (before any event).
        """

        def load() -> dict[tuple[int, int], int]:
            grades = self.activity_grades()
            given = np.flatnonzero(~np.isnan(grades["grade"]))
            times = grades["submitted"][given]
            times = np.where(times == -1, 0, times)
            return dict(
                zip(
                    zip(
                        grades["user"][given].tolist(),
                        grades["activity"][given].tolist(),
                        strict=True,
                    ),
                    times.tolist(),
                    strict=True,
                )
            )

        return self.memo("first_graded", load)

    def role_holders(self, archetypes: tuple[str, ...]) -> dict[int, set[int]]:
        """course id -> users holding a role of these archetypes in the course
        context or a parent context (Moodle's get_role_users with parents)."""
        from access.models import Context, ContextLevel, RoleAssignment

        def load() -> dict[int, set[int]]:
            contexts = dict(
                Context.objects.filter(
                    contextlevel=ContextLevel.COURSE, instanceid__in=self.course_ids
                ).values_list("instanceid", "path")
            )
            paths = {
                cid: [int(p) for p in path.strip("/").split("/") if p]
                for cid, path in contexts.items()
            }
            wanted = {p for ids in paths.values() for p in ids}
            by_context: dict[int, set[int]] = {}
            for user, context in RoleAssignment.objects.filter(
                context_id__in=wanted, role__archetype__in=archetypes
            ).values_list("user_id", "context_id"):
                by_context.setdefault(context, set()).add(user)
            return {
                cid: set().union(*(by_context.get(p, set()) for p in ids))
                for cid, ids in paths.items()
            }

        return self.memo(("role_holders", archetypes), load)


def _keyed(key: Any) -> str | None:
    """ "rs" for facts of the range set, "rows" for facts of the rows, else None."""
    if isinstance(key, tuple) and key and key[0] in ("rs", "rows"):
        return key[0]
    return None
