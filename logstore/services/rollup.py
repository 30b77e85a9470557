"""Keep the activity rollups up to date, and the planner's statistics fresh.

`bulk_write_finished` is the one call every path that writes in bulk makes when it
has finished writing (importers, the site generator, the Moodle sync, the log
service's own writers through their callers). For each log store written it brings
the store's rollup (logstore.models.ActivityRollup) up to date, then ANALYZEs the
tables written, so the planner never estimates a 10-million-row log from an empty
table's statistics (autovacuum may be off, and is slow to notice a bulk load).

Incremental: the rows appended since the last refresh (ids above the state's
`max_id`) name the (course, UTC day) pairs they touch; only those days are
aggregated again, from every raw row of the day, so the cost follows the new events
and not the history. `course_ids` re-aggregates whole courses (for writers that
also delete or replace rows); `id_ranges` names rows inserted below the mark (the
Moodle sync's late rows), whose days are aggregated again like the new rows'. A refresh then compares
the rollup's event total with the log's row count and rebuilds the store when they
differ (rows deleted or inserted behind the service's back), so the rollup is never
silently wrong. Everything runs in the caller's transaction: an import that fails
leaves neither log rows nor rollup rows behind.

Times are taken as non-negative Unix times (the importers refuse dates before
1970), so SQL's integer division is the floor on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, models, transaction

from logstore.models import (
    ActivityRollup,
    EventKind,
    LegacyLogEntry,
    RollupState,
    StandardLogEntry,
)
from logstore.readers import READERS, LogReader
from logstore.rollups import DAY, STORE_CODES

#: More (course, day) pairs than this in one refresh: re-aggregate whole courses.
MAX_PAIRS = 20_000

LOG_MODELS: dict[type[models.Model], str] = {
    StandardLogEntry: "standard",
    LegacyLogEntry: "legacy",
}


def bulk_write_finished(
    *,
    models_: Iterable[type[models.Model]],
    course_ids: Sequence[int] | None = None,
    id_ranges: dict[type[models.Model], Sequence[tuple[int, int]]] | None = None,
    using: str = "default",
) -> None:
    """Call once when a bulk write has finished: refresh the rollups of the log
    tables among `models_` (re-aggregating `course_ids` whole when given, and the
    days of a log model's rows with ids in its `id_ranges`, inclusive), then
    ANALYZE every table written and the rollup."""
    written = list(dict.fromkeys(models_))
    for model in written:
        if model in LOG_MODELS:
            rollup_refresh(
                store=LOG_MODELS[model],
                course_ids=course_ids,
                id_ranges=(id_ranges or {}).get(model),
                using=using,
            )
    stores = [LOG_MODELS[m] for m in written if m in LOG_MODELS]
    if stores:
        written += [ActivityRollup, EventKind]
    tables_analyze(models_=written, using=using)


def tables_analyze(
    *, models_: Iterable[type[models.Model]], using: str = "default"
) -> None:
    """Fresh planner statistics: ANALYZE on PostgreSQL; on SQLite a bounded ANALYZE
    (analysis_limit samples each index, so it stays fast on a big log) per table."""
    connection = connections[using]
    tables = list(dict.fromkeys(m._meta.db_table for m in models_))
    if not tables:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def rollup_rebuild(*, store: str, using: str = "default") -> int:
    """Aggregate the store's whole log again; returns the rollup's row count."""
    with transaction.atomic(using=using):
        state = _state(store, using)
        _rebuild(store, state, using)
        return ActivityRollup.objects.using(using).filter(store=state.store).count()


def rollup_refresh(
    *,
    store: str,
    course_ids: Sequence[int] | None = None,
    id_ranges: Sequence[tuple[int, int]] | None = None,
    using: str = "default",
) -> None:
    """Bring the store's rollup up to date with its log (see the module)."""
    reader = READERS[store]()
    code = STORE_CODES[store]
    with transaction.atomic(using=using):
        state = _state(store, using)
        top = _max_id(reader, using)
        if state.max_id == 0 and state.rows == 0:
            _rebuild(store, state, using, top=top)
            return
        courses = {int(c) for c in course_ids or ()}
        pairs = _new_pairs(reader, state.max_id, top, using)
        pairs += _ranges_pairs(reader, id_ranges or (), using)
        if len(pairs) > MAX_PAIRS:
            courses |= {c for c, _d in pairs}
            pairs = []
        pairs = [(c, d) for c, d in pairs if c not in courses]
        if courses:
            ids = ", ".join(str(c) for c in sorted(courses))
            _delete(code, f"courseid IN ({ids})", using)
            _aggregate_into(reader, code, f"{_course(reader)} IN ({ids})", "", using)
        if pairs:
            _refresh_pairs(reader, code, pairs, using)
        rows, groups = _rollup_rows(code, using)
        if rows != _log_rows(reader, using):
            _rebuild(store, state, using, top=top)
            return
        state.max_id, state.rows, state.groups = top, rows, groups
        state.save(using=using)


# -- the SQL ------------------------------------------------------------------------


def _state(store: str, using: str) -> RollupState:
    state, _created = (
        RollupState.objects.using(using)
        .select_for_update()
        .get_or_create(store=STORE_CODES[store])
    )
    return state


def _rebuild(
    store: str, state: RollupState, using: str, *, top: int | None = None
) -> None:
    reader = READERS[store]()
    code = STORE_CODES[store]
    top = _max_id(reader, using) if top is None else top
    _delete(code, "1 = 1", using)
    _aggregate_into(reader, code, f"{_course(reader)} IS NOT NULL", "", using)
    state.rows, state.groups = _rollup_rows(code, using)
    state.max_id = top
    state.save(using=using)


def _course(reader: LogReader) -> str:
    return f"l.{reader.col['courseid']}"


def _time(reader: LogReader) -> str:
    return f"l.{reader.col['timecreated']}"


def _execute(sql: str, using: str) -> list[tuple]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _max_id(reader: LogReader, using: str) -> int:
    rows = _execute(f"SELECT MAX(id) FROM {reader.table}", using)  # noqa: S608
    return int(rows[0][0] or 0)


def _log_rows(reader: LogReader, using: str) -> int:
    where = f"{_course(reader)} IS NOT NULL"
    sql = f"SELECT COUNT(*) FROM {reader.table} l WHERE {where}"  # noqa: S608 - ours
    return int(_execute(sql, using)[0][0])


def _rollup_rows(code: int, using: str) -> tuple[int, int]:
    """(events, rollup rows) of the store's rollup."""
    table = ActivityRollup._meta.db_table
    sql = f"SELECT SUM(n), COUNT(*) FROM {table} WHERE store = {code}"  # noqa: S608
    events, groups = _execute(sql, using)[0]
    return int(events or 0), int(groups)


def _new_pairs(
    reader: LogReader, after: int, top: int, using: str
) -> list[tuple[int, int]]:
    """The (course, day) pairs of the rows with after < id <= top."""
    return _ranges_pairs(reader, [(after + 1, top)], using) if top > after else []


def _ranges_pairs(
    reader: LogReader, ranges: Sequence[tuple[int, int]], using: str
) -> list[tuple[int, int]]:
    """The (course, day) pairs of the rows with ids in `ranges` (inclusive)."""
    pairs: list[tuple[int, int]] = []
    ranges = list(ranges)
    for i in range(0, len(ranges), 500):
        among = " OR ".join(
            f"l.id BETWEEN {int(a)} AND {int(b)}" for a, b in ranges[i : i + 500]
        )
        sql = f"""
            SELECT DISTINCT {_course(reader)}, {_time(reader)} / {DAY}
            FROM {reader.table} l
            WHERE ({among}) AND {_course(reader)} IS NOT NULL
        """  # noqa: S608 - ours
        pairs += [(int(c), int(d)) for c, d in _execute(sql, using)]
    return pairs


def _delete(code: int, where: str, using: str) -> None:
    table = ActivityRollup._meta.db_table
    _execute(f"DELETE FROM {table} WHERE store = {code} AND {where}", using)  # noqa: S608


def _refresh_pairs(
    reader: LogReader, code: int, pairs: list[tuple[int, int]], using: str
) -> None:
    """Aggregate again the given days of the given courses (consecutive days of a
    course merged into one interval, so the join has few rows)."""
    intervals: list[tuple[int, int, int]] = []
    for course, day in sorted(set(pairs)):
        if intervals and intervals[-1][0] == course and intervals[-1][2] == day:
            intervals[-1] = (course, intervals[-1][1], day + 1)
        else:
            intervals.append((course, day, day + 1))
    for course, lo, hi in intervals:
        _delete(code, f"courseid = {course} AND day >= {lo} AND day < {hi}", using)
    values = ", ".join(f"({c}, {lo * DAY}, {hi * DAY})" for c, lo, hi in intervals)
    t = _time(reader)
    _aggregate_into(
        reader,
        code,
        f"{_course(reader)} = p.c AND {t} >= p.lo AND {t} < p.hi",
        f"WITH p(c, lo, hi) AS (VALUES {values}) ",
        using,
        source="p CROSS JOIN",
    )


def _aggregate_into(
    reader: LogReader,
    code: int,
    where: str,
    prefix: str,
    using: str,
    *,
    source: str = "",
) -> None:
    """Insert the rollup rows of the log rows matching `where` (after adding the
    event names of their activity rows to EventKind)."""
    c = reader.col
    t = _time(reader)
    level = c["contextlevel"]
    kinds = EventKind._meta.db_table
    log = f"{source} {reader.table} l"
    _execute(
        f"""{prefix}INSERT INTO {kinds} (name)
        SELECT DISTINCT {c["eventname"]} FROM {log}
        WHERE {where} AND {level} = 70
        ON CONFLICT (name) DO NOTHING""",  # noqa: S608 - ours
        using,
    )
    crud = c["crud"]
    named = f"NOT ({c['anonymous']})"
    columns = {
        "store": str(code),
        "courseid": _course(reader),
        "userid": f"l.{c['userid']}",
        "contextlevel": level,
        "contextinstanceid": c["contextinstanceid"],
        "day": f"{t} / {DAY}",
        "edulevel": c["edulevel"],
        "eventkind": f"CASE WHEN {level} = 70 THEN COALESCE(k.id, 0) ELSE 0 END",
    }
    counts = {
        "n": "COUNT(*)",
        "n_c": f"SUM(CASE WHEN {crud} = 'c' THEN 1 ELSE 0 END)",
        "n_r": f"SUM(CASE WHEN {crud} = 'r' THEN 1 ELSE 0 END)",
        "n_u": f"SUM(CASE WHEN {crud} = 'u' THEN 1 ELSE 0 END)",
        "n_named": f"SUM(CASE WHEN {named} THEN 1 ELSE 0 END)",
        "n_named_cu": (
            f"SUM(CASE WHEN {named} AND {crud} IN ('c', 'u') THEN 1 ELSE 0 END)"
        ),
        "first": f"MIN({t})",
        "last": f"MAX({t})",
    }
    quote = connections[using].ops.quote_name
    names = ", ".join(quote(name) for name in [*columns, *counts])
    select = ", ".join([*columns.values(), *counts.values()])
    groups = ", ".join(str(i) for i in range(2, len(columns) + 1))
    _execute(
        f"""{prefix}INSERT INTO {ActivityRollup._meta.db_table} ({names})
        SELECT {select}
        FROM {log}
        LEFT JOIN {kinds} k ON {level} = 70 AND k.name = {c["eventname"]}
        WHERE {where}
        GROUP BY {groups}""",  # noqa: S608 - ours
        using,
    )
