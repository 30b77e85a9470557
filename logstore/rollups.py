"""Reading the activity rollups: whole days from the rollup, cut days from the log.

A bucket of the analysis (logstore.readers.Buckets) is a time interval [lo, hi) of
one course. The UTC days it holds whole are summed from the rollup
(logstore.models.ActivityRollup, one row per course, user, context, day, education
level and event kind); the parts of the days that a bucket boundary cuts (at most
one at each end) are read from the raw log, through the (course, time) index. Both
parts are integer sums, minima and maxima of the same groups, so the result is
exactly the raw aggregate whatever the split: only the days cut by a range
boundary cost raw rows.

The rollup is used only while it is up to date (its state's largest log id is the
log's largest id), and when it is at least MIN_COMPRESSION times smaller than the
log or the query is about FEW_COURSES courses or fewer (a nightly run's);
otherwise, or with `LogReader(rollup=False)`, the raw log is read as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from django.db import connection

if TYPE_CHECKING:
    from logstore.readers import Aggregates, Buckets, LogReader

DAY = 86400

#: Store key -> the `store` value of its rollup rows (stable: stored in rows).
STORE_CODES: dict[str, int] = {"standard": 1, "legacy": 2}

#: Events per rollup row below which the raw log is read instead: the days that a
#: range boundary cuts are read from the log through its index, which costs more
#: per row than a scan, so a rollup barely smaller than the log (a site where each
#: student has a couple of events per activity per day) is slower than the log.
#: Measured on the 10M-row bench site (1.3 events per rollup row): the rollup
#: path took 1.5-2x the raw path.
MIN_COMPRESSION = 3.0

#: Courses per query up to which the rollup is read however little it compresses
#: the log: a nightly prediction run reads the few courses with new rows (see
#: models_app.analysis.chunk), each through the rollup's (store, course, day)
#: index and the log's (course, time) index for its cut days, where the raw
#: query, planned for a chunk, scans. Measured on the 10M-row bench site (1.3
#: events per rollup row; bench/analysis.py --nightly-only --record): that
#: run's log queries took 0.07 s from the rollup, 0.2 s from the log.
FEW_COURSES = 25

ROLLUP_TABLE = "logstore_activity_rollup"
STATE_TABLE = "logstore_rollup_state"
KIND_TABLE = "logstore_event_kind"


def rollup_usable(reader: LogReader, *, courses: int | None = None) -> bool:
    """Whether the store's rollup covers every row of its log (one tiny query) and
    is worth reading for a query of `courses` courses (None: any number)."""
    code = STORE_CODES.get(reader.key)
    if code is None:
        return False
    sql = f"""
        SELECT s.max_id, (SELECT MAX(id) FROM {reader.table}), s.rows, s.groups
        FROM {STATE_TABLE} s WHERE s.store = {code}
    """  # noqa: S608 - ours
    rows = reader._fetch(sql)
    if not rows:
        return False
    max_id, top, events, groups = rows[0]
    fresh = max_id > 0 and max_id == (top or 0)
    few = courses is not None and courses <= FEW_COURSES
    return fresh and (few or events >= MIN_COMPRESSION * groups)


def split_days(
    buckets: Buckets,
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """(whole, cut): per bucket, the whole days it holds as (course, bucket, first
    day, day after the last) and the rest of it as raw time intervals
    (course, bucket, lo, hi), hi exclusive."""
    course, lo, hi = buckets.bounds()
    whole, cut = [], []
    for k, (c, a, b) in enumerate(
        zip(course.tolist(), lo.tolist(), hi.tolist(), strict=True)
    ):
        first, end = -(-a // DAY), b // DAY
        if first >= end:
            cut.append((c, k, a, b))
            continue
        whole.append((c, k, first, end))
        if a < first * DAY:
            cut.append((c, k, a, first * DAY))
        if end * DAY < b:
            cut.append((c, k, end * DAY, b))
    return whole, cut


def _kind_code(names: Sequence[str]) -> str:
    """SQL turning r.eventkind into the 1-based position of its name in `names`."""
    if not names:
        return "0"
    placeholders = ", ".join(["%s"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, id FROM {KIND_TABLE} WHERE name IN ({placeholders})",  # noqa: S608
            list(names),
        )
        ids = dict(cursor.fetchall())
    whens = " ".join(
        f"WHEN {int(ids[name])} THEN {i}"
        for i, name in enumerate(names, 1)
        if name in ids
    )
    return f"(CASE r.eventkind {whens} ELSE 0 END)" if whens else "0"


def _whole_days_sql(
    reader: LogReader,
    buckets: Buckets,
    whole: list[tuple[int, int, int, int]],
    eventnames: list[str],
    activity_detail: bool = True,
) -> str:
    """The rollup rows of the buckets' whole days, summed per bucket and group.

    PostgreSQL: one pass over the chunk's courses (the rollup holds most of their
    rows anyway), the bucket found by width_bucket on the day's start and the cut
    days left out, as the raw query does; a join of day intervals would make it
    hash-join a scan of the whole table. SQLite: the day intervals, each read
    through the (store, course, day) index. Without `activity_detail`, the context
    instance is the raw query's (logstore.readers.sql.instance_key).
    """
    from logstore.readers import _values
    from logstore.readers.sql import instance_key

    kind = _kind_code(eventnames)
    columns = [
        "b.bucket",
        "r.userid",
        "r.contextlevel",
        instance_key(
            level="r.contextlevel",
            instance="r.contextinstanceid",
            course="r.courseid",
            event=kind,
            activity_detail=activity_detail,
        ),
        "r.edulevel",
        kind,
        "SUM(r.n)",
        "SUM(r.n_c)",
        "SUM(r.n_r)",
        "SUM(r.n_u)",
        "SUM(r.n_named)",
        "SUM(r.n_named_cu)",
        'MIN(r."first")',
        'MAX(r."last")',
    ]
    store = STORE_CODES[reader.key]
    if connection.vendor == "postgresql":
        columns[0] = f"(b.base + width_bucket(r.day * {DAY}, b.th))"
        select_list = ", ".join(f"CAST({col} AS BIGINT)" for col in columns)
        rows = []
        for cid, base, th in zip(
            buckets.course_ids, buckets.base, buckets.thresholds, strict=True
        ):
            cut = sorted({int(t) // DAY for t in th if int(t) % DAY})
            rows.append(
                f"({int(cid)}, {int(base)}, "
                f"ARRAY[{', '.join(str(int(t)) for t in th)}]::bigint[], "
                f"ARRAY[{', '.join(str(d) for d in cut)}]::bigint[])"
            )
        courses = ", ".join(str(int(cid)) for cid in buckets.course_ids)
        return f"""
            SELECT {select_list}
            FROM {ROLLUP_TABLE} r
            JOIN (VALUES {", ".join(rows)}) AS b(courseid, base, th, cut)
              ON r.courseid = b.courseid
            WHERE r.store = {store} AND r.courseid IN ({courses})
              AND r.day <> ALL (b.cut)
            GROUP BY 1, 2, 3, 4, 5, 6
        """  # noqa: S608 - ours
    select_list = ", ".join(f"CAST({col} AS BIGINT)" for col in columns)
    return f"""
        WITH b(courseid, bucket, lo, hi) AS (VALUES {_values(whole)})
        SELECT {select_list}
        FROM b CROSS JOIN {ROLLUP_TABLE} r
        WHERE r.store = {store} AND r.courseid = b.courseid
          AND r.day >= b.lo AND r.day < b.hi
        GROUP BY 1, 2, 3, 4, 5, 6
    """  # noqa: S608 - ours


def rollup_aggregate(
    reader: LogReader,
    *,
    buckets: Buckets,
    eventnames: Sequence[str],
    activity_detail: bool = True,
) -> Aggregates:
    """`LogReader.aggregate` from the rollup plus the cut days' raw rows."""
    from logstore.readers import N_AGGREGATE_COLUMNS, Aggregates, regroup

    whole, cut = split_days(buckets)
    parts = []
    if cut:
        parts.append(
            reader.aggregate_intervals(
                intervals=cut, eventnames=eventnames, activity_detail=activity_detail
            )
        )
    if whole:
        sql = _whole_days_sql(reader, buckets, whole, list(eventnames), activity_detail)
        parts.append(Aggregates(*reader._fetch_ints(sql, N_AGGREGATE_COLUMNS)))
    if len(parts) == 1:
        return parts[0]
    joined = Aggregates(
        *(
            np.concatenate([getattr(p, name) for p in parts])
            for name in Aggregates.__dataclass_fields__
        )
    )
    return regroup(joined)


def rollup_daily_counts(
    reader: LogReader, *, course_ids: Sequence[int], until: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`LogReader.daily_counts`: the days that end by `until` from the rollup, the
    day `until` cuts from the raw log."""
    complete = (int(until) + 1) // DAY  # days before this one end by `until`
    ids = ", ".join(str(int(cid)) for cid in course_ids)
    sql = f"""
        SELECT r.courseid, r.userid, r.day, CAST(SUM(r.n) AS BIGINT)
        FROM {ROLLUP_TABLE} r
        WHERE r.store = {STORE_CODES[reader.key]} AND r.courseid IN ({ids})
          AND r.day < {complete}
        GROUP BY 1, 2, 3
    """  # noqa: S608 - ours
    whole = reader._fetch_ints(sql, 4)
    if complete * DAY > until:
        return tuple(whole)
    rest = reader.raw_daily_counts(
        course_ids=course_ids, since=complete * DAY, until=until
    )
    return tuple(np.concatenate([a, b]) for a, b in zip(whole, rest, strict=True))
