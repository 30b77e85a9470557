"""The SQL text of the readers' queries, written from our own literals only.

Table names and column expressions come from the reader classes; every other value
is an integer written through int() or an event name checked against _EVENTNAME,
so nothing from outside reaches the SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from logstore.readers.buckets import Buckets

_EVENTNAME = re.compile(r"^[\\A-Za-z0-9_]+$")


def _values(rows: Iterable[Sequence[int]]) -> str:
    """A VALUES body of integer tuples, written inline.

    Integers only (every item goes through int()), so nothing from outside reaches
    the SQL text; inline rather than parameters because a range set can hold more
    values than SQLite accepts as parameters.
    """
    return ", ".join("(" + ", ".join(str(int(v)) for v in row) + ")" for row in rows)


def _values_arrays(buckets: Buckets, part: tuple[int, int] = (0, 1)) -> str:
    """A VALUES body of (course, base, thresholds array) for PostgreSQL's
    width_bucket, of the courses of `part` (see _part)."""
    return ", ".join(
        f"({int(cid)}, {int(base)}, ARRAY[{', '.join(str(int(t)) for t in th)}]::bigint[])"
        for cid, base, th in _part(
            list(
                zip(buckets.course_ids, buckets.base, buckets.thresholds, strict=True)
            ),
            part,
        )
    )


def interval_parts(
    buckets: Buckets, n: int
) -> Iterator[Iterator[tuple[int, int, int, int]]]:
    """The buckets as (course, bucket, lo, hi) intervals (SQLite's form of the
    aggregate), in the n parts of their courses (see _part), with the bucket
    numbers of the whole."""
    course, lo, hi = buckets.bounds()
    bucket = np.arange(len(course))
    for k in range(n):
        inside = np.isin(course, _part(buckets.course_ids, (k, n)))
        yield zip(
            course[inside].tolist(),
            bucket[inside].tolist(),
            lo[inside].tolist(),
            hi[inside].tolist(),
            strict=True,
        )


def _part(items: list, part: tuple[int, int]) -> list:
    """Part k of n of `items`: every n-th one from the k-th. Interleaved rather
    than halved, so that parts of a chunk mix its larger and smaller courses."""
    k, n = part
    return items[k::n]


def _event_code(expression: str, names: Sequence[str]) -> str:
    if not names:
        return "0"
    for name in names:
        if not _EVENTNAME.match(name):
            raise ValueError(f"Not an event name: {name!r}")
    whens = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(names, 1))
    return f"(CASE {expression} {whens} ELSE 0 END)"


def instance_key(
    *, level: str, instance: str, course: str, event: str, activity_detail: bool
) -> str:
    """The context instance the aggregate groups by: the row's own with
    `activity_detail`; without it, an activity's only for a named event (`event`,
    the SQL of its code, 0 for other events) and the course context's only when it
    is the row's course: 0 for every other row, whose groups then merge. What
    every reader of the aggregates but the per-activity counts needs (see
    LogReader.aggregate)."""
    if activity_detail:
        return instance
    course_ctx = f"WHEN {level} = 50 AND {instance} = {course} THEN {instance}"
    if event == "0":
        return f"(CASE {course_ctx} ELSE 0 END)"
    return (
        f"(CASE WHEN {level} = 70 AND {event} <> 0 THEN {instance} "
        f"{course_ctx} ELSE 0 END)"
    )


def aggregate_sql(
    *,
    table: str,
    col: Mapping[str, str],
    vendor: str,
    buckets: Buckets | None = None,
    intervals: Iterable[Sequence[int]] = (),
    eventnames: Sequence[str] = (),
    activity_detail: bool = True,
    part: tuple[int, int] = (0, 1),
) -> str | None:
    """The one aggregate query (see LogReader.aggregate), by bucket thresholds
    (PostgreSQL's width_bucket) or by explicit (course, bucket, lo, hi) intervals;
    None when there are no intervals. Its columns are those of Aggregates, each a
    bigint; without `activity_detail` the context instance is `instance_key`'s.
    `part` (k, n), with buckets: only part k of n of their courses (every n-th
    from the k-th), with the bucket numbers of the whole, so that the n parts'
    rows together are the whole query's (None for a part without courses)."""
    c = col
    t = f"l.{c['timecreated']}"
    if buckets is not None:
        ids = _part(buckets.course_ids, part)
        if not ids:
            return None
        courses = ", ".join(str(int(cid)) for cid in ids)
        arrays = _values_arrays(buckets, part)
        source = (
            f"{table} l JOIN (VALUES {arrays}) AS b(courseid, base, th) "
            f"ON l.{c['courseid']} = b.courseid"
        )
        bucket = f"(b.base + width_bucket({t}, b.th))"
        prefix = ""
        where = f"l.{c['courseid']} IN ({courses})"
    else:
        rows = _values(intervals)
        if not rows:
            return None
        # b first: the database walks the intervals and reads each one's
        # events through the (course, time) index, so each row is read once
        # (LATERAL with OFFSET 0 on PostgreSQL, which would otherwise pull the
        # subquery up and hash-join a scan of the whole table).
        prefix = f"WITH b(courseid, bucket, lo, hi) AS (VALUES {rows}) "
        bucket = "b.bucket"
        inside = f"l.{c['courseid']} = b.courseid AND {t} >= b.lo AND {t} < b.hi"
        if vendor == "postgresql":
            source = (
                f"b CROSS JOIN LATERAL (SELECT * FROM {table} l "  # noqa: S608
                f"WHERE {inside} OFFSET 0) l"
            )
            where = "TRUE"
        else:
            source = f"b CROSS JOIN {table} l"
            where = inside
    crud = c["crud"]
    named = f"NOT ({c['anonymous']})"
    code = _event_code(c["eventname"], list(eventnames))
    columns = [
        bucket,
        f"l.{c['userid']}",
        c["contextlevel"],
        instance_key(
            level=c["contextlevel"],
            instance=c["contextinstanceid"],
            course=f"l.{c['courseid']}",
            event=code,
            activity_detail=activity_detail,
        ),
        c["edulevel"],
        # Named events are only looked for in activities: other rows skip the
        # string comparisons.
        f"CASE WHEN {c['contextlevel']} = 70 THEN {code} ELSE 0 END",
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
    select_list = ", ".join(f"CAST({column} AS BIGINT)" for column in columns)
    select = f"""
            SELECT {select_list}
            FROM {source}
            WHERE {where}
            GROUP BY 1, 2, 3, 4, 5, 6
        """  # noqa: S608 - table, column expressions and integers are ours
    return prefix + select
