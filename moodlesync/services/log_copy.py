# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]), integers and lists of integers.
"""The fast path of the log sync: the Moodle database translates its own ids while
it streams the rows, and the rows go by COPY straight into Foresight's log table.

The id maps (Moodle id -> Foresight id, per kind) travel inside the SELECT as
dense lookup lists indexed by Moodle id: a PostgreSQL `bigint[]` literal
(subscripting a constant array is one offset per row) or a MariaDB `ELT(id, ...)`
(the id-th argument, also constant time). Nothing is staged and nothing joined in
Foresight: each row is written once. PostgreSQL sends COPY text; MariaDB sends
blocks of COPY text lines built by GROUP_CONCAT, one string per few thousand
rows, so the driver parses a few hundred values, not one per row and column.

Used when Foresight is on PostgreSQL, every Moodle id to read is above the log's
highest id (no row can be here already), the maps fit in lookup lists and, on
MariaDB, the statement fits well within max_allowed_packet (it is sent once, as
a prepared statement); the staging path in `log.py` covers the rest. A row
Foresight's database refuses in the COPY refuses the log part, naming the row;
a NUL character from MariaDB (which PostgreSQL text cannot hold) is the one refusal
`log.py` recovers from, by staging the rows again with the character replaced.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from logstore.models import StandardLogEntry
from moodlesync.models import ExternalId, Kind
from moodlesync.services.common import PartRefused, SyncContext
from moodlesync.source import SourceError

# Highest Moodle id a lookup list holds (8 bytes of list per id, in the query):
# above it the staging path translates with joins instead.
LOOKUP_MAX = 4_000_000
# Context levels whose instance ids are translated (the others become 0).
LEVEL_KINDS = (Kind.USER, Kind.CATEGORY, Kind.COURSE, Kind.ACTIVITY)
TEXT_COLUMNS = {"eventname", "component", "action", "target", "objecttable", "crud"}
TEXT_COLUMNS |= {"other", "origin", "ip"}
FREE_TEXT = {"eventname", "other"}  # backslashes (class names, JSON) and more
BLOCK_IDS = 20_000  # first id range of a MariaDB block; it adapts to row sizes
BLOCK_BYTES = 64 << 20  # at most, and below the server's max_allowed_packet
FLUSH_BYTES = 1 << 20
# MariaDB: the largest share of max_allowed_packet the block SELECT may take.
PACKET_SHARE = 0.5


class NulRefused(PartRefused):
    """The COPY stopped at a MariaDB row with a NUL character in its text."""

    def __init__(self, text: str, row: int) -> None:
        super().__init__(text)
        self.row = row


@dataclass
class Translation:
    """The translated SELECT's pieces for one source and one run."""

    values: list[tuple[str, str]]  # (column, SQL expression over alias s)
    keep: str  # rows to import (their user exists)
    unlinked: str  # rows kept without their context or course

    def select(self, table: str, where: str) -> str:
        columns = ", ".join(expr for _name, expr in self.values)
        return f"SELECT {columns} FROM {table} s WHERE {where} AND {self.keep}"


def _dense(kind: int) -> list[int] | None:
    """Foresight ids by Moodle id - 1 (0: not synced); None when too large."""
    pairs = np.array(
        ExternalId.objects.filter(kind=kind, moodle_id__gt=0).values_list(
            "moodle_id", "local_id"
        ),
        dtype=np.int64,
    ).reshape(-1, 2)
    top = int(pairs[:, 0].max()) if len(pairs) else 0
    if top > LOOKUP_MAX:
        return None
    dense = np.zeros(top, dtype=np.int64)
    dense[pairs[:, 0] - 1] = pairs[:, 1]
    return dense.tolist()


def translation_build(ctx: SyncContext, names: list[str]) -> Translation | None:
    """The source-side translation of the log columns `names`, or None when a map
    is too large for lookup lists."""
    vendor = ctx.source.vendor
    lists: dict[int, str] = {}
    for kind in (Kind.CONTEXT, *LEVEL_KINDS):
        dense = _dense(kind)
        if dense is None:
            return None
        lists[kind] = ",".join(map(str, dense))

    def look(kind: int, column: str) -> str:
        # NULL when the id is not synced (0 in the list, or past its end).
        if vendor == "postgresql":
            return f"NULLIF(('{{{lists[kind]}}}'::bigint[])[{column}], 0)"
        if not lists[kind]:
            return "NULL"
        # A string, written as it is into the COPY text.
        return f"NULLIF(ELT({column}, {lists[kind]}), '0')"

    def user(column: str) -> str:
        return (
            f"CASE WHEN {column} IS NULL OR {column} <= 0 THEN {column} "
            f"ELSE {look(Kind.USER, column)} END"
        )

    levels = " ".join(
        f"WHEN s.contextlevel = {int(kind)} THEN "
        f"COALESCE({look(kind, 's.contextinstanceid')}, 0)"
        for kind in LEVEL_KINDS
    )
    site = int(ctx.siteid)
    expressions = {
        "objecttable": "COALESCE(s.objecttable, '')",
        "contextid": f"COALESCE({look(Kind.CONTEXT, 's.contextid')}, 0)",
        "contextinstanceid": "CASE WHEN s.contextinstanceid <= 0 THEN "
        f"s.contextinstanceid {levels} ELSE 0 END",
        "userid": user("s.userid"),
        "courseid": "CASE WHEN s.courseid IS NULL OR s.courseid <= 0 THEN s.courseid "
        f"WHEN s.courseid = {site} THEN 0 ELSE {look(Kind.COURSE, 's.courseid')} END",
        "relateduserid": user("s.relateduserid"),
        "realuserid": user("s.realuserid"),
        # PostgreSQL writes t/f, MariaDB 1/0: both are boolean input for COPY.
        "anonymous": "s.anonymous <> 0",
        "origin": "COALESCE(s.origin, '')",
        "ip": "COALESCE(s.ip, '')",
    }
    values = [(name, expressions.get(name, f"s.{name}")) for name in names]
    keep = f"(s.userid <= 0 OR {look(Kind.USER, 's.userid')} IS NOT NULL)"
    unlinked = (
        f"({look(Kind.CONTEXT, 's.contextid')} IS NULL OR (COALESCE(s.courseid, 0) "
        f"> 0 AND s.courseid <> {site} AND {look(Kind.COURSE, 's.courseid')} IS NULL))"
    )
    return Translation(values=values, keep=keep, unlinked=unlinked)


def problems_count(ctx: SyncContext, tr: Translation, where: str) -> dict[str, int]:
    """Rows in range, orphans (user gone), unlinked rows (context or course gone)
    and, on MariaDB, rows whose identifier columns need escaping: one scan."""
    special = "0"
    if ctx.source.vendor == "mysql":
        special = f"SUM(CASE WHEN {_special()} THEN 1 ELSE 0 END)"
    row = ctx.source.fetchall(
        f"SELECT COUNT(*), SUM(CASE WHEN {tr.keep} THEN 0 ELSE 1 END), "
        f"SUM(CASE WHEN {tr.unlinked} THEN 1 ELSE 0 END), {special} "
        f"FROM {ctx.t('logstore_standard_log')} s WHERE {where}"
    )[0]
    keys = ("total", "orphans", "unlinked", "special")
    return {key: int(value or 0) for key, value in zip(keys, row, strict=True)}


def problems_examples(
    ctx: SyncContext, tr: Translation, where: str, tally: dict[str, int], *, listed: int
) -> dict[str, tuple[int, list[tuple[int, int]]]]:
    """The orphans' and unlinked rows' counts and first ids (id, user or context)."""
    table = ctx.t("logstore_standard_log")
    out: dict[str, tuple[int, list[tuple[int, int]]]] = {}
    for key, predicate, column in (
        ("orphans", f"NOT {tr.keep}", "s.userid"),
        ("unlinked", tr.unlinked, "s.contextid"),
    ):
        examples: list[tuple[int, int]] = []
        if tally.get(key):
            examples = [
                (int(a), int(b))
                for a, b in ctx.source.fetchall(
                    f"SELECT s.id, {column} FROM {table} s WHERE {where} AND "
                    f"{predicate} ORDER BY s.id LIMIT {int(listed)}"
                )
            ]
        out[key] = (tally.get(key, 0), examples)
    return out


def _escaped(expression: str) -> str:
    """A MariaDB text value as COPY text: backslash (first), tab, newline and
    carriage return written as backslash sequences."""
    escapes = ((92, "CHAR(92 USING utf8mb4)"), (9, "'t'"), (10, "'n'"), (13, "'r'"))
    for code, letter in escapes:
        expression = (
            f"REPLACE({expression}, CHAR({code} USING utf8mb4), "
            f"CONCAT(CHAR(92 USING utf8mb4), {letter}))"
        )
    return expression


def _special() -> str:
    """MariaDB: true for a row with a backslash or control character in a column
    where Moodle writes identifiers (component, action, target, objecttable,
    crud, origin, ip). One regular expression over the columns joined: a
    constant pattern, compiled once."""
    names = ", ".join(
        f"COALESCE(s.{name}, '')" for name in sorted(TEXT_COLUMNS - FREE_TEXT)
    )
    chars = ", ".join(f"CHAR({code} USING utf8mb4)" for code in (92, 92, 9, 10, 13))
    return f"CONCAT({names}) REGEXP CONCAT('[', {chars}, ']')"


def _mariadb_line(tr: Translation) -> str:
    """One row as a COPY text line. The identifier columns are escaped only in
    rows that need it (escaping costs more than the rest of the line)."""
    null = "CONCAT(CHAR(92 USING utf8mb4), 'N')"

    def line(escaped: set[str]) -> str:
        fields = []
        for name, expr in tr.values:
            value = _escaped(expr) if name in escaped else expr
            fields.append(f"COALESCE({value}, {null})")
        return (
            f"CONCAT(CONCAT_WS(CHAR(9 USING utf8mb4), {', '.join(fields)}), "
            "CHAR(10 USING utf8mb4))"
        )

    return f"IF({_special()}, {line(TEXT_COLUMNS)}, {line(FREE_TEXT)})"


def _block_sql(ctx: SyncContext, tr: Translation) -> str:
    """The SELECT of one MariaDB block, its id range as two ? parameters."""
    table = ctx.t("logstore_standard_log")
    line = _mariadb_line(tr)
    return (
        f"SELECT GROUP_CONCAT(IF({tr.keep}, {line}, NULL) SEPARATOR ''), "
        f"SUM({tr.keep}), COUNT(*), SUM({tr.unlinked}) FROM {table} s "
        "WHERE s.id >= ? AND s.id <= ?"
    )


def packet_fits(ctx: SyncContext, tr: Translation) -> bool:
    """MariaDB: whether the block SELECT, with its lookup lists inline, is well
    under the server's max_allowed_packet (PACKET_SHARE of it). A larger
    statement would be refused every night: the staging path takes it then."""
    if ctx.source.vendor != "mysql":
        return True
    packet = int(ctx.source.fetchall("SELECT @@max_allowed_packet")[0][0])
    return len(_block_sql(ctx, tr).encode()) <= packet * PACKET_SHARE


def _blocks_mariadb(
    ctx: SyncContext, tr: Translation, start: int, top: int, tally: dict[str, int]
) -> Iterator[str]:
    """COPY text in blocks of an id range each, counting into `tally` the rows
    read, the orphans and the unlinked rows on the way (no separate scan). A
    block GROUP_CONCAT cut short (group_concat_max_len) is read again in halves.
    The SELECT (lookup lists and all) is sent and parsed once, as a prepared
    statement; each block sends only its id range."""
    table = ctx.t("logstore_standard_log")
    packet = int(ctx.source.fetchall("SELECT @@max_allowed_packet")[0][0])
    limit = min(packet - 4096, BLOCK_BYTES)
    ctx.source.fetchall(f"SET SESSION group_concat_max_len = {limit}")
    ctx.source.fetchall("SET @moodlesync_block = %s", [_block_sql(ctx, tr)])
    ctx.source.fetchall("PREPARE moodlesync_block FROM @moodlesync_block")
    ctx.source.fetchall("SET @moodlesync_block = NULL")
    for key in ("total", "orphans", "unlinked"):
        tally[key] = 0
    low, step = start + 1, BLOCK_IDS
    try:
        while low <= top:
            high = min(low + step - 1, top)
            # A NUL character in a block's text is replaced here (Source).
            text, kept, count, unlinked = ctx.source.fetchall(
                f"EXECUTE moodlesync_block USING {int(low)}, {int(high)}",
                table=f"{ctx.prefix}logstore_standard_log",
            )[0]
            text = text or ""
            if text.count("\n") != int(kept or 0):
                if high == low:
                    raise SourceError(
                        _(
                            "%(table)s row %(id)s is longer than %(bytes)s bytes, "
                            "more than MariaDB's max_allowed_packet lets through: "
                            "raise it on the Moodle database server."
                        )
                        % {
                            "table": f"{ctx.prefix}logstore_standard_log",
                            "id": low,
                            "bytes": limit,
                        }
                    )
                step = max((high - low + 1) // 2, 1)
                continue
            tally["total"] += int(count)
            tally["orphans"] += int(count) - int(kept or 0)
            tally["unlinked"] += int(unlinked or 0)
            if text:
                yield text
            if len(text) < limit // 8:
                step = min(step * 2, 1_000_000)
            low = high + 1
            if not count:  # a gap in the ids: jump to the next row
                nxt = ctx.source.fetchall(
                    f"SELECT MIN(id) FROM {table} WHERE id >= {low} AND id <= {top}"
                )[0][0]
                low = int(nxt) if nxt is not None else top + 1
    finally:
        with contextlib.suppress(SourceError):
            ctx.source.fetchall("DEALLOCATE PREPARE moodlesync_block")


def _blocks_postgresql(
    ctx: SyncContext, tr: Translation, start: int, top: int
) -> Iterator[bytes]:
    buffer = bytearray()
    select = tr.select(
        ctx.t("logstore_standard_log"), f"s.id > {int(start)} AND s.id <= {int(top)}"
    )
    for row in ctx.source.copy_out(select):
        buffer += row
        if len(buffer) >= FLUSH_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def rows_copy(
    ctx: SyncContext, tr: Translation, start: int, top: int, tally: dict[str, int]
) -> int:
    """COPY the translated rows with ids in (start, top] into Foresight's log
    table; the count written. MariaDB counts into `tally` as it reads (see
    problems_count for PostgreSQL)."""
    table = StandardLogEntry._meta.db_table
    columns = ", ".join(name for name, _expr in tr.values)
    blocks = (
        _blocks_postgresql(ctx, tr, start, top)
        if ctx.source.vendor == "postgresql"
        else _blocks_mariadb(ctx, tr, start, top, tally)
    )
    with copy_refusal(ctx, start), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for block in blocks:
                copy.write(block)
        return int(cursor.cursor.rowcount)


def _nul_row(ctx: SyncContext, start: int) -> int | None:
    """MariaDB: the first log row above `start` with a NUL character in a text
    column (PostgreSQL text cannot hold one); None if there is none."""
    if ctx.source.vendor != "mysql":
        return None
    nul = "CHAR(0 USING utf8mb4)"
    test = " OR ".join(f"INSTR(s.{name}, {nul}) > 0" for name in sorted(TEXT_COLUMNS))
    rows = ctx.source.fetchall(
        f"SELECT MIN(s.id) FROM {ctx.t('logstore_standard_log')} s "
        f"WHERE s.id > {int(start)} AND ({test})"
    )
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


@contextlib.contextmanager
def copy_refusal(ctx: SyncContext, start: int) -> Iterator[None]:
    """Around a COPY of log rows above `start` into Foresight: the raw psycopg
    cursor skips Django's error wrapping, so its errors are wrapped here and the
    part is refused, naming the table (and the row, when it can be found)."""
    try:
        with connection.wrap_database_errors:
            yield
    except DatabaseError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        error = " ".join(
            str(part).strip().splitlines()[0]
            for part in (
                str(exc).strip() or repr(exc),
                getattr(diag, "message_detail", None),
                getattr(diag, "context", None),
            )
            if part and str(part).strip()
        )
        try:
            row = _nul_row(ctx, start)
        except SourceError:
            row = None
        values = {
            "table": f"{ctx.prefix}logstore_standard_log",
            "error": error,
            "id": row,
            "start": start,
        }
        if row is not None:
            text = _(
                "%(table)s row %(id)s has a NUL character, which PostgreSQL cannot "
                "store (%(error)s). Nothing of the log was written; the next "
                "sync starts again after row %(start)s."
            )
            raise NulRefused(text % values, row) from exc
        text = _(
            "%(table)s: Foresight's database refused the rows above id "
            "%(start)s (%(error)s). Nothing of the log was written; the next "
            "sync starts again after row %(start)s."
        )
        raise PartRefused(text % values) from exc


def primary_key_dropped() -> str | None:
    """Drop the log's primary key for a first load (rebuilt after, by
    `primary_key_restore`): building it once is several times faster than
    maintaining it row by row. Returns the constraint's name."""
    table = StandardLogEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'p'",
            [table],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{row[0]}"')
        return str(row[0])


def primary_key_restore(name: str | None) -> None:
    if name is None:
        return
    table = StandardLogEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" PRIMARY KEY (id)')
