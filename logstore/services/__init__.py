"""Writes to the activity log: fast bulk writing into both stores.

The log is the one table that grows to tens of millions of rows, so it is written in
bulk and never row by row. Two entry points:

- `log_rows_write` takes plain tuples (importers, tests): COPY on PostgreSQL,
  `executemany` in chunks elsewhere.
- `standard_log_write` / `legacy_log_write` take a columnar `LogBatch` (the site
  generator): on PostgreSQL they build PostgreSQL's binary COPY stream with numpy,
  with no Python loop per row, which is what makes 10 million rows take minutes.

`legacy_log_write` writes Moodle's legacy-store equivalent of standard events
(module, action, url, info as Moodle's `get_legacy_logdata()` gives them), so both
stores describe the same activity: same users, courses, activities and times, and
Moodle's legacy actions, which `logstore.readers` maps back to event names and CRUD.
What the legacy table cannot hold (education level, anonymity, related user) is lost
there, as in Moodle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from django.db import connections, models, transaction

from logstore.models import LegacyLogEntry, StandardLogEntry
from logstore.services.encoding import CHUNK_ROWS, Column, as_array, columns_write
from logstore.services.events import LEGACY_EVENTS, NULL_ID, EventType, LogBatch

__all__ = [
    "LEGACY_EVENTS",
    "NULL_ID",
    "EventType",
    "LogBatch",
    "legacy_log_write",
    "log_delete_for",
    "log_indexes_deferred",
    "log_rows_write",
    "standard_log_write",
]


@contextmanager
def log_indexes_deferred(
    *, models_: Sequence[type[models.Model]], using: str = "default"
) -> Iterator[None]:
    """Drop the secondary indexes of log tables while a bulk load runs, then rebuild.

    Building an index once after loading millions of rows is several times faster
    than maintaining it row by row. Only for loads into tables nobody reads at the
    time (site generation, first imports); elsewhere a no-op. The indexes come back
    even when the load fails.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.schema_editor(atomic=False) as editor:
        for model in models_:
            for index in model._meta.indexes:
                editor.remove_index(model, index)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
        with connection.schema_editor(atomic=False) as editor:
            for model in models_:
                for index in model._meta.indexes:
                    editor.add_index(model, index)
        with connection.cursor() as cursor:
            for model in models_:
                cursor.execute(
                    f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                )


def log_rows_write(
    *,
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    using: str = "default",
) -> int:
    """Append plain rows (tuples in the order of `fields`) to a log table.

    COPY on PostgreSQL, `executemany` in chunks elsewhere. The caller gives values
    already converted to the column types (ints, strings, None). Returns the count.
    """
    connection = connections[using]
    # Only concrete fields are logged: each has a column.
    columns: list[str] = [model._meta.get_field(name).column for name in fields]  # type: ignore[union-attr,misc]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(name) for name in columns)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608
    chunk: list[Sequence[Any]] = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _event_columns(batch: LogBatch) -> dict[str, list[str]]:
    """Per-row event attributes as (codes, categories) pairs, one per text field."""
    return {
        "eventname": [e.eventname for e in batch.events],
        "component": [e.component for e in batch.events],
        "action": [e.action for e in batch.events],
        "target": [e.target for e in batch.events],
        "objecttable": [e.objecttable for e in batch.events],
        "crud": [e.crud for e in batch.events],
    }


def standard_log_write(*, batch: LogBatch, using: str = "default") -> int:
    """Append a batch of events to the standard store; return the row count."""
    n = len(batch)
    edulevels = np.array([e.edulevel for e in batch.events], dtype=np.int64)
    columns = [
        Column(name, "text", (batch.event, categories))
        for name, categories in _event_columns(batch).items()
    ]
    objectid = batch.objectid if batch.objectid is not None else NULL_ID
    related = batch.relateduserid if batch.relateduserid is not None else NULL_ID
    ip = (batch.ip, list(batch.ips)) if batch.ip is not None else ""
    columns += [
        Column("objectid", "int8", as_array(objectid, n), nullable=True),
        Column("edulevel", "int2", edulevels[batch.event]),
        Column("contextid", "int8", batch.contextid),
        Column("contextlevel", "int2", batch.contextlevel),
        Column("contextinstanceid", "int8", batch.contextinstanceid),
        Column("userid", "int8", batch.userid),
        Column("courseid", "int8", batch.courseid, nullable=True),
        Column("relateduserid", "int8", as_array(related, n), nullable=True),
        Column("anonymous", "bool", 0),
        Column("other", "text", None),
        Column("timecreated", "int8", batch.timecreated),
        Column("origin", "text", batch.origin),
        Column("ip", "text", ip),
        Column("realuserid", "int8", NULL_ID, nullable=True),
    ]
    return columns_write(model=StandardLogEntry, columns=columns, n=n, using=using)


def legacy_log_write(*, batch: LogBatch, using: str = "default") -> int:
    """Append Moodle's legacy-store rows for a batch of standard events.

    One legacy row per event: module, action, url and info come from the event as
    Moodle's `get_legacy_logdata()` would give them (see LEGACY_EVENTS); `cmid` is
    the activity for events in an activity context, else 0; `course` is 0 for
    events outside a course (Moodle's site course id is 1; ours have no site course).
    """
    n = len(batch)
    legacy = [event.legacy() for event in batch.events]
    courseid = np.where(batch.courseid == NULL_ID, 0, batch.courseid)
    cmid = np.where(batch.contextlevel == 70, batch.contextinstanceid, 0)
    objectid = batch.objectid if batch.objectid is not None else np.zeros(n, np.int64)
    objectid = np.where(objectid == NULL_ID, 0, objectid)
    # url and info depend on the event and a few ids: format each distinct
    # combination once and encode rows as codes into that list.
    uses_user = np.array(["{userid}" in u + i for _m, _a, u, i in legacy])
    uses_object = np.array(["{objectid}" in u + i for _m, _a, u, i in legacy])
    parts = [
        batch.event,
        courseid,
        cmid,
        np.where(uses_object[batch.event], objectid, 0),
        np.where(uses_user[batch.event], batch.userid, 0),
    ]
    # Number the distinct combinations, one column at a time so keys stay small.
    codes = np.zeros(n, dtype=np.int64)
    for part in parts:
        values, inverse = np.unique(part, return_inverse=True)
        _keys, codes = np.unique(codes * len(values) + inverse, return_inverse=True)
    first = np.zeros(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    first[codes] = np.arange(n)  # any row of a combination will do
    unique = np.stack([part[first] for part in parts], axis=1)
    urls, infos = [], []
    for event_code, course, cm, obj, user in unique.tolist():
        _module, _action, url, info = legacy[event_code]
        ids = {"courseid": course, "cmid": cm, "objectid": obj, "userid": user}
        urls.append(url.format(**ids)[:100])
        infos.append(info.format(**ids)[:255])
    ip = (batch.ip, list(batch.ips)) if batch.ip is not None else ""
    columns = [
        Column("time", "int8", batch.timecreated),
        Column("userid", "int8", batch.userid),
        Column("ip", "text", ip),
        Column("course", "int8", courseid),
        Column("module", "text", (batch.event, [m for m, _a, _u, _i in legacy])),
        Column("cmid", "int8", cmid),
        Column("action", "text", (batch.event, [a for _m, a, _u, _i in legacy])),
        Column("url", "text", (codes, urls)),
        Column("info", "text", (codes, infos)),
    ]
    return columns_write(model=LegacyLogEntry, columns=columns, n=n, using=using)


def log_delete_for(
    *, course_ids: Sequence[int], user_ids: Sequence[int], using: str = "default"
) -> int:
    """Delete the log rows of these courses and users from both stores.

    Used to undo a half-written generation; chunks keep SQLite under its limit on
    query variables.
    """
    deleted = 0
    for chunk_start in range(0, max(len(course_ids), len(user_ids)), CHUNK_ROWS):
        courses = list(course_ids[chunk_start : chunk_start + CHUNK_ROWS])
        users = list(user_ids[chunk_start : chunk_start + CHUNK_ROWS])
        deleted += (
            StandardLogEntry.objects.using(using)
            .filter(models.Q(courseid__in=courses) | models.Q(userid__in=users))
            .delete()[0]
        )
        deleted += (
            LegacyLogEntry.objects.using(using)
            .filter(models.Q(course__in=courses) | models.Q(userid__in=users))
            .delete()[0]
        )
    return deleted
