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

import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connections, models, transaction

from logstore.models import LegacyLogEntry, StandardLogEntry

# Marks NULL in the integer columns of a LogBatch (ids are never negative).
NULL_ID = -1

_CHUNK_ROWS = 5000
_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_PG_TRAILER = struct.pack(">h", -1)

# Moodle's legacy log data (`get_legacy_logdata()`) for the events the generator
# and importers produce: eventname -> (module, action, url, info). Templates use
# {courseid}, {cmid}, {objectid}, {userid}. Actions are Moodle's own, so the legacy
# reader (logstore.readers.LEGACY_EVENTS) maps them back to the same event names.
# Events Moodle never wrote to the legacy table get "<kind> <target>" (see
# EventType.legacy), whose first word keeps the CRUD kind.
# fmt: off
LEGACY_EVENTS: dict[str, tuple[str, str, str, str]] = {
    r"\core\event\course_viewed": ("course", "view", "view.php?id={courseid}", "{courseid}"),
    r"\core\event\user_loggedin": ("user", "login", "view.php?id={userid}&course=1", "{userid}"),
    r"\core\event\course_module_created": ("course", "add mod", "../mod/view.php?id={cmid}", "{objectid}"),
    r"\core\event\course_module_updated": ("course", "update mod", "../mod/view.php?id={cmid}", "{objectid}"),
    r"\mod_forum\event\course_module_viewed": ("forum", "view forum", "view.php?id={cmid}", "{objectid}"),
    r"\mod_forum\event\discussion_viewed": ("forum", "view discussion", "discuss.php?d={objectid}", "{objectid}"),
    r"\mod_forum\event\discussion_created": ("forum", "add discussion", "discuss.php?d={objectid}", "{objectid}"),
    r"\mod_forum\event\post_created": ("forum", "add post", "discuss.php?d={objectid}", "{objectid}"),
    r"\mod_assign\event\submission_status_viewed": ("assign", "view", "view.php?id={cmid}", "View own submission status"),
    r"\mod_assign\event\submission_form_viewed": ("assign", "view submit assignment form", "view.php?id={cmid}", ""),
    r"\mod_assign\event\assessable_submitted": ("assign", "submit", "view.php?id={cmid}", ""),
    r"\mod_assign\event\feedback_viewed": ("assign", "view feedback", "view.php?id={cmid}", ""),
    r"\mod_assign\event\submission_graded": ("assign", "grade submission", "view.php?id={cmid}", ""),
    r"\mod_assign\event\grading_table_viewed": ("assign", "view submission grading table", "view.php?id={cmid}", ""),
    r"\mod_quiz\event\attempt_started": ("quiz", "attempt", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_quiz\event\attempt_viewed": ("quiz", "continue attempt", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_quiz\event\attempt_reviewed": ("quiz", "review", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_quiz\event\attempt_submitted": ("quiz", "close attempt", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_lesson\event\lesson_started": ("lesson", "start", "view.php?id={cmid}", "{objectid}"),
    r"\mod_lesson\event\lesson_ended": ("lesson", "end", "view.php?id={cmid}", "{objectid}"),
    r"\mod_choice\event\answer_created": ("choice", "choose", "view.php?id={cmid}", "{objectid}"),
    r"\mod_feedback\event\response_submitted": ("feedback", "submit", "view.php?id={cmid}", "{objectid}"),
    r"\mod_glossary\event\entry_created": ("glossary", "add entry", "view.php?id={cmid}", "{objectid}"),
    r"\mod_wiki\event\page_viewed": ("wiki", "view", "view.php?id={cmid}", "{objectid}"),
    r"\mod_wiki\event\page_updated": ("wiki", "edit", "view.php?id={cmid}", "{objectid}"),
    r"\mod_workshop\event\submission_viewed": ("workshop", "view submission", "submission.php?cmid={cmid}", "{objectid}"),
    r"\mod_workshop\event\submission_created": ("workshop", "add submission", "submission.php?cmid={cmid}", "{objectid}"),
    r"\mod_workshop\event\submission_updated": ("workshop", "update submission", "submission.php?cmid={cmid}", "{objectid}"),
    r"\mod_scorm\event\sco_launched": ("scorm", "launch", "player.php?cm={cmid}", "{objectid}"),
    r"\mod_data\event\record_created": ("data", "add", "view.php?id={cmid}", "{objectid}"),
    r"\mod_book\event\chapter_viewed": ("book", "view chapter", "view.php?id={cmid}", "{objectid}"),
    r"\mod_chat\event\message_sent": ("chat", "talk", "view.php?id={cmid}", "{objectid}"),
    r"\mod_survey\event\response_submitted": ("survey", "submit", "view.php?id={cmid}", "{objectid}"),
}
# fmt: on

_CRUD_VERBS = {"c": "add", "r": "view", "u": "update", "d": "delete"}


@dataclass(frozen=True)
class EventType:
    """One kind of standard event: what a log row says besides who, where and when."""

    eventname: str
    component: str
    crud: str
    edulevel: int
    objecttable: str = ""

    @property
    def action(self) -> str:
        """Moodle names events <target>_<action>: "course_module_viewed"."""
        return self.eventname.rsplit("\\", 1)[-1].rsplit("_", 1)[-1]

    @property
    def target(self) -> str:
        return self.eventname.rsplit("\\", 1)[-1].rsplit("_", 1)[0]

    def legacy(self) -> tuple[str, str, str, str]:
        """(module, action, url template, info template) for the legacy store."""
        if self.eventname in LEGACY_EVENTS:
            return LEGACY_EVENTS[self.eventname]
        module = self.component.removeprefix("mod_")
        if module.startswith("core"):
            module = "course"
        if self.eventname.endswith(r"\course_module_viewed"):
            return module, "view", "view.php?id={cmid}", "{objectid}"
        verb = _CRUD_VERBS[self.crud]
        action = f"{verb} {self.target}"
        return module[:20], action.replace("_", " ")[:40], "view.php?id={cmid}", ""


@dataclass
class LogBatch:
    """Columnar events: one array entry per row, all arrays of the same length.

    `event` holds indexes into `events`; `ip` indexes into `ips`. Integer columns use
    NULL_ID for NULL. Columns left as None take their default (NULL, or 0 for
    `relateduserid`-style columns; see `standard_log_write`).
    """

    events: Sequence[EventType]
    event: np.ndarray
    userid: np.ndarray
    courseid: np.ndarray
    contextid: np.ndarray
    contextlevel: np.ndarray
    contextinstanceid: np.ndarray
    timecreated: np.ndarray
    objectid: np.ndarray | None = None
    relateduserid: np.ndarray | None = None
    ip: np.ndarray | None = None
    ips: Sequence[str] = field(default_factory=lambda: [""])
    origin: str = "web"

    def __len__(self) -> int:
        return len(self.event)


# --- Column encoding -------------------------------------------------------------


@dataclass
class _Column:
    """One column to write: `kind` is int8, int2, bool or text.

    Integer columns hold an int64 array (NULL_ID = NULL when `nullable`) or a scalar.
    Text columns hold (codes, categories): row i has categories[codes[i]]; or a
    scalar string; or None for NULL.
    """

    name: str
    kind: str
    values: Any
    nullable: bool = False


def _as_array(values: Any, n: int) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    return np.full(n, values, dtype=np.int64)


def _pg_binary(columns: list[_Column], n: int) -> bytes:
    """PostgreSQL's binary COPY rows for `columns` (no header or trailer).

    Text columns make row widths vary, so rows are grouped by the byte length of
    each text value (and by which nullable integers are NULL); inside a group every
    row has the same layout and one numpy structured array encodes it. Row order
    is not kept across groups: the log has no order but its times.
    """
    key = np.zeros(n, dtype=np.int64)
    text_bytes: dict[str, tuple[np.ndarray, list[bytes]]] = {}
    for col in columns:
        if col.kind == "text" and isinstance(col.values, tuple):
            codes, categories = col.values
            encoded = [str(c).encode() for c in categories]
            lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64)
            text_bytes[col.name] = (codes, encoded)
            key = key * (int(lengths.max(initial=0)) + 1) + lengths[codes]
        elif col.nullable and isinstance(col.values, np.ndarray):
            key = key * 2 + (col.values == NULL_ID)
    lookups: dict[tuple[str, int], np.ndarray] = {}
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    ends = np.r_[starts[1:], n]
    out = []
    for start, end in zip(starts, ends, strict=True):
        rows = order[start:end]
        out.append(_pg_binary_group(columns, rows, text_bytes, lookups))
    return b"".join(out)


def _pg_binary_group(
    columns: list[_Column],
    rows: np.ndarray,
    text_bytes: dict[str, tuple[np.ndarray, list[bytes]]],
    lookups: dict[tuple[str, int], np.ndarray],
) -> bytes:
    first = rows[0]
    dtype: list[tuple[str, str]] = [("nfields", ">i2")]
    values: dict[str, Any] = {"nfields": len(columns)}
    for i, col in enumerate(columns):
        length_field, value_field = f"l{i}", f"v{i}"
        dtype.append((length_field, ">i4"))
        if col.kind == "text":
            if col.values is None:
                values[length_field] = -1
                continue
            if isinstance(col.values, tuple):
                codes, encoded = text_bytes[col.name]
                width = len(encoded[codes[first]])
                if (col.name, width) not in lookups:
                    lookups[(col.name, width)] = np.array(
                        [b if len(b) == width else b"" for b in encoded],
                        dtype=f"S{width}",
                    )
                data: Any = lookups[(col.name, width)][codes[rows]]
            else:
                data = str(col.values).encode()
                width = len(data)
            values[length_field] = width
            if width:
                dtype.append((value_field, f"S{width}"))
                values[value_field] = data
            continue
        array = col.values
        if isinstance(array, np.ndarray):
            array = array[rows]
            if col.nullable and array[0] == NULL_ID:
                values[length_field] = -1
                continue
        elif col.nullable and (array is None or array == NULL_ID):
            values[length_field] = -1
            continue
        size, fmt = {"int8": (8, ">i8"), "int2": (2, ">i2"), "bool": (1, "u1")}[
            col.kind
        ]
        values[length_field] = size
        dtype.append((value_field, fmt))
        values[value_field] = array
    packed = np.empty(len(rows), dtype=dtype)
    for name, value in values.items():
        packed[name] = value
    return packed.tobytes()


def _python_rows(columns: list[_Column], n: int) -> list[tuple]:
    """The same rows as Python tuples, for backends without COPY."""
    lists = []
    for col in columns:
        if col.kind == "text":
            if isinstance(col.values, tuple):
                codes, categories = col.values
                lists.append(np.array(list(categories), dtype=object)[codes].tolist())
            else:
                lists.append([col.values] * n)
            continue
        if not isinstance(col.values, np.ndarray):
            scalar = None if col.nullable and col.values == NULL_ID else col.values
            lists.append([scalar] * n)
            continue
        array = col.values.astype(object)
        if col.kind == "bool":
            array = col.values.astype(bool).astype(object)
        if col.nullable:
            array[col.values == NULL_ID] = None
        lists.append(array.tolist())
    return list(zip(*lists, strict=True))


def _write_columns(
    *, model: type[models.Model], columns: list[_Column], n: int, using: str
) -> int:
    if n == 0:
        return 0
    connection = connections[using]
    names = [model._meta.get_field(col.name).column for col in columns]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT BINARY)"
            with cursor.cursor.copy(sql) as copy:
                copy.write(_PG_HEADER)
                copy.write(_pg_binary(columns, n))
                copy.write(_PG_TRAILER)
        return n
    rows = _python_rows(columns, n)
    placeholders = ", ".join(["%s"] * len(columns))
    # Names come from the model's meta, never from input.
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608
    # One transaction per batch: in autocommit, SQLite would commit every row.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for start in range(0, n, _CHUNK_ROWS):
            cursor.executemany(sql, rows[start : start + _CHUNK_ROWS])
    return n


# --- Public services -------------------------------------------------------------


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
    columns = [model._meta.get_field(name).column for name in fields]
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
            if len(chunk) >= _CHUNK_ROWS:
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
        _Column(name, "text", (batch.event, categories))
        for name, categories in _event_columns(batch).items()
    ]
    objectid = batch.objectid if batch.objectid is not None else NULL_ID
    related = batch.relateduserid if batch.relateduserid is not None else NULL_ID
    ip = (batch.ip, list(batch.ips)) if batch.ip is not None else ""
    columns += [
        _Column("objectid", "int8", _as_array(objectid, n), nullable=True),
        _Column("edulevel", "int2", edulevels[batch.event]),
        _Column("contextid", "int8", batch.contextid),
        _Column("contextlevel", "int2", batch.contextlevel),
        _Column("contextinstanceid", "int8", batch.contextinstanceid),
        _Column("userid", "int8", batch.userid),
        _Column("courseid", "int8", batch.courseid, nullable=True),
        _Column("relateduserid", "int8", _as_array(related, n), nullable=True),
        _Column("anonymous", "bool", 0),
        _Column("other", "text", None),
        _Column("timecreated", "int8", batch.timecreated),
        _Column("origin", "text", batch.origin),
        _Column("ip", "text", ip),
        _Column("realuserid", "int8", NULL_ID, nullable=True),
    ]
    return _write_columns(model=StandardLogEntry, columns=columns, n=n, using=using)


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
        _Column("time", "int8", batch.timecreated),
        _Column("userid", "int8", batch.userid),
        _Column("ip", "text", ip),
        _Column("course", "int8", courseid),
        _Column("module", "text", (batch.event, [m for m, _a, _u, _i in legacy])),
        _Column("cmid", "int8", cmid),
        _Column("action", "text", (batch.event, [a for _m, a, _u, _i in legacy])),
        _Column("url", "text", (codes, urls)),
        _Column("info", "text", (codes, infos)),
    ]
    return _write_columns(model=LegacyLogEntry, columns=columns, n=n, using=using)


def log_delete_for(
    *, course_ids: Sequence[int], user_ids: Sequence[int], using: str = "default"
) -> int:
    """Delete the log rows of these courses and users from both stores.

    Used to undo a half-written generation; chunks keep SQLite under its limit on
    query variables.
    """
    deleted = 0
    for chunk_start in range(0, max(len(course_ids), len(user_ids)), _CHUNK_ROWS):
        courses = list(course_ids[chunk_start : chunk_start + _CHUNK_ROWS])
        users = list(user_ids[chunk_start : chunk_start + _CHUNK_ROWS])
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
