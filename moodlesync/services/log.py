# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""The activity log: `logstore_standard_log` incrementally by id, and the legacy
`log` table where the site still has rows in it.

Rows keep Moodle's id as their primary key, the part's cursor is the highest id
committed, and the insert ignores ids already present: a row is never imported
twice, and a sync that fails half-way leaves nothing (one transaction) and starts
again from the last committed id.

Late commits: Moodle's database hands out a row's id when the row is inserted,
and other sessions see the row when its transaction commits, so a sync can read
id 101 while id 100 is still in an open transaction (a long cron task, a course
restore). Each sync therefore looks again at the ids above the cursor that a sync
at least GAP_HORIZON ago had reached (the part's late window, SyncState.
late_window, keeps each sync's time and cursor; ids come in insert order, so
every row in an open transaction is above that mark whatever its `timecreated`).
One COUNT and SUM of the ids on each side says whether Moodle has rows there that
Foresight lacks; only then are the ids compared, and the rows found imported (once:
the insert skips ids already here) and their days' rollups re-aggregated. Rows
skipped on purpose (their user no longer exists) and rows Moodle has since deleted
are remembered, so that the sums still agree and they are not read again. Ids
never committed (a rolled-back transaction) cost nothing. The reads of one sync
share one snapshot of Moodle's database (moodlesync.source), so what the window
check sees is what the load saw.

A NUL character in a MariaDB row's text (PostgreSQL text cannot hold one; Moodle
on MariaDB can write it, in `other` for instance) becomes U+FFFD: on the fast path
the block text is mended as it is read and the part's messages count the
characters (moodlesync.source); on the staging path the COPY stops at the row,
and the rows are staged again through Python with each NUL replaced and each such
row named. A read-only sync cannot mend Moodle's row, and one bad character must
not hold back the whole log.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from logstore.models import LegacyLogEntry, StandardLogEntry
from logstore.services import log_indexes_deferred, log_rows_write
from logstore.services.rollup import bulk_write_finished
from moodlesync.models import ExternalId, Kind, SyncState
from moodlesync.services.common import (
    PartRefused,
    PartResult,
    SyncContext,
    idmap_load,
)
from moodlesync.services.log_copy import (
    NulRefused,
    Translation,
    copy_refusal,
    packet_fits,
    primary_key_dropped,
    primary_key_restore,
    problems_count,
    problems_examples,
    rows_copy,
    translation_build,
)
from moodlesync.source import SourceError

STAGE = "moodlesync_stage_log"
COLUMNS = [
    ("id", "BIGINT"),
    ("eventname", "TEXT"),
    ("component", "TEXT"),
    ("action", "TEXT"),
    ("target", "TEXT"),
    ("objecttable", "TEXT"),
    ("objectid", "BIGINT"),
    ("crud", "TEXT"),
    ("edulevel", "BIGINT"),
    ("contextid", "BIGINT"),
    ("contextlevel", "BIGINT"),
    ("contextinstanceid", "BIGINT"),
    ("userid", "BIGINT"),
    ("courseid", "BIGINT"),
    ("relateduserid", "BIGINT"),
    ("anonymous", "BIGINT"),
    ("other", "TEXT"),
    ("timecreated", "BIGINT"),
    ("origin", "TEXT"),
    ("ip", "TEXT"),
    ("realuserid", "BIGINT"),
]
NAMES = [name for name, _type in COLUMNS]
# Above this many new rows into an empty log, the indexes are rebuilt once after
# the load instead of being maintained row by row.
DEFER_INDEXES_ROWS = 500_000
MAX_LISTED = 20
NUL_REPLACEMENT = "\ufffd"
#: How long (seconds) rows in an open transaction are waited for: the late window
#: starts at the cursor of the newest sync at least this old.
GAP_HORIZON = 86400
#: Id ranges per statement when late rows are read or their days re-aggregated.
RANGES_PER_READ = 500


class NulTally:
    """The rows whose NUL characters were replaced: how many, the first ids."""

    def __init__(self) -> None:
        self.count = 0
        self.ids: list[int] = []

    def rows(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        for row in rows:
            if any(isinstance(v, str) and "\x00" in v for v in row):
                self.count += 1
                if len(self.ids) < MAX_LISTED:
                    self.ids.append(int(row[0]))
                row = tuple(
                    v.replace("\x00", NUL_REPLACEMENT) if isinstance(v, str) else v
                    for v in row
                )
            yield row


def _stage_create() -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({columns})")


def _stage_drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")


def _stage_fill(
    ctx: SyncContext,
    cursor_id: int,
    nul: NulTally | None = None,
    where: str | None = None,
) -> tuple[int, int, int]:
    """Copy the Moodle rows above `cursor_id` (or those `where` says) into the
    staging table; their count and lowest and highest ids. With `nul`, rows read
    through Python have their NUL characters replaced (and tallied)."""
    select = (
        f"SELECT {', '.join(NAMES)} FROM {ctx.t('logstore_standard_log')} "
        f"WHERE {where or f'id > {int(cursor_id)}'} ORDER BY id"
    )
    names = ", ".join(NAMES)
    if connection.vendor == "postgresql":
        with copy_refusal(ctx, cursor_id), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {STAGE} ({names}) FROM STDIN") as copy:
                if ctx.source.vendor == "postgresql":
                    for block in ctx.source.copy_out(select):
                        copy.write(block)
                else:
                    for rows in ctx.source.stream(select, chunk=50000, raw=True):
                        for row in nul.rows(rows) if nul else rows:
                            copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(NAMES))
        sql = f"INSERT INTO {STAGE} ({names}) VALUES ({marks})"
        with connection.cursor() as cursor:
            for rows in ctx.source.stream(select, chunk=20000, raw=True):
                cursor.executemany(sql, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {STAGE}")
        cursor.execute(f"SELECT COUNT(*), MIN(id), MAX(id) FROM {STAGE}")
        count, low, top = cursor.fetchone()
    return int(count), int(low or 0), int(top or cursor_id)


def _translate_sql(siteid: int) -> tuple[str, str]:
    """(the INSERT ... SELECT, the FROM ... joins) translating Moodle ids."""
    ids = ExternalId._meta.db_table
    target = StandardLogEntry._meta.db_table
    joins = (
        f"FROM {STAGE} s "
        f"LEFT JOIN {ids} cx ON cx.kind = {Kind.CONTEXT} AND cx.moodle_id = s.contextid "
        f"LEFT JOIN {ids} ci ON ci.kind = s.contextlevel "
        "AND ci.moodle_id = s.contextinstanceid "
        f"LEFT JOIN {ids} u ON u.kind = {Kind.USER} AND u.moodle_id = s.userid "
        f"LEFT JOIN {ids} c ON c.kind = {Kind.COURSE} AND c.moodle_id = s.courseid "
        f"LEFT JOIN {ids} ru ON ru.kind = {Kind.USER} "
        "AND ru.moodle_id = s.relateduserid "
        f"LEFT JOIN {ids} rl ON rl.kind = {Kind.USER} AND rl.moodle_id = s.realuserid "
    )
    values = [
        "s.id",
        "s.eventname",
        "s.component",
        "s.action",
        "s.target",
        "COALESCE(s.objecttable, '')",
        "s.objectid",
        "s.crud",
        "s.edulevel",
        "COALESCE(cx.local_id, 0)",
        "s.contextlevel",
        "CASE WHEN s.contextinstanceid <= 0 THEN s.contextinstanceid "
        "ELSE COALESCE(ci.local_id, 0) END",
        "CASE WHEN s.userid <= 0 THEN s.userid ELSE u.local_id END",
        f"CASE WHEN s.courseid IS NULL OR s.courseid <= 0 THEN s.courseid "
        f"WHEN s.courseid = {int(siteid)} THEN 0 ELSE c.local_id END",
        "CASE WHEN s.relateduserid IS NULL OR s.relateduserid <= 0 "
        "THEN s.relateduserid ELSE ru.local_id END",
        "s.anonymous <> 0",
        "s.other",
        "s.timecreated",
        "COALESCE(s.origin, '')",
        "COALESCE(s.ip, '')",
        "CASE WHEN s.realuserid IS NULL OR s.realuserid <= 0 "
        "THEN s.realuserid ELSE rl.local_id END",
    ]
    # Concrete fields only: each has a column.
    columns = ", ".join(StandardLogEntry._meta.get_field(name).column for name in NAMES)  # type: ignore[union-attr,misc]
    insert = (
        f"INSERT INTO {target} ({columns}) SELECT {', '.join(values)} {joins}"
        "WHERE (s.userid <= 0 OR u.local_id IS NOT NULL)"
    )
    return insert, joins


def _problems() -> dict[str, tuple[int, list[tuple[int, int]]]]:
    """Rows whose user no longer exists in Moodle (skipped) and rows kept without
    their context or course (deleted in Moodle): counts and the first ids. Each
    query joins only the maps it needs: on ten million rows every join counts."""
    ids = ExternalId._meta.db_table
    user = f"LEFT JOIN {ids} u ON u.kind = {Kind.USER} AND u.moodle_id = s.userid "
    checks = {
        "orphans": (user, "s.userid > 0 AND u.local_id IS NULL", "s.userid"),
    }
    checks["unlinked"] = (
        f"LEFT JOIN {ids} cx ON cx.kind = {Kind.CONTEXT} "
        "AND cx.moodle_id = s.contextid "
        f"LEFT JOIN {ids} c ON c.kind = {Kind.COURSE} AND c.moodle_id = s.courseid ",
        "cx.local_id IS NULL OR (s.courseid > 1 AND c.local_id IS NULL)",
        "s.contextid",
    )
    out = {}
    with connection.cursor() as cursor:
        for key, (joins, where, column) in checks.items():
            cursor.execute(f"SELECT COUNT(*) FROM {STAGE} s {joins} WHERE {where}")
            count = int(cursor.fetchone()[0])
            examples: list[tuple[int, int]] = []
            if count:
                cursor.execute(
                    f"SELECT s.id, {column} FROM {STAGE} s {joins} WHERE {where} "
                    f"ORDER BY s.id LIMIT {MAX_LISTED}"
                )
                examples = list(cursor.fetchall())
            out[key] = (count, examples)
    return out


def _sequence_catch_up() -> None:
    """After explicit ids, the id sequence must not hand out a taken id."""
    if connection.vendor != "postgresql":
        return  # SQLite moves its sequence past explicit ids by itself
    table = StandardLogEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"SELECT last_value FROM {sequence}")
            last = cursor.fetchone()[0]
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            top = cursor.fetchone()[0] or 0
            if top > last:
                cursor.execute("SELECT setval(%s, %s)", [sequence, top])


def _local_top() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {StandardLogEntry._meta.db_table}")
        return int(cursor.fetchone()[0] or 0)


def _log_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {StandardLogEntry._meta.db_table} LIMIT 1")
        return cursor.fetchone() is None


def _source_top(ctx: SyncContext) -> int:
    rows = ctx.source.fetchall(f"SELECT MAX(id) FROM {ctx.t('logstore_standard_log')}")
    return int(rows[0][0] or 0)


def _problems_note(
    ctx: SyncContext,
    result: PartResult,
    problems: dict[str, tuple[int, list[tuple[int, int]]]],
) -> tuple[int, int]:
    """Name the first skipped and unlinked rows; their counts."""
    before = result.problems
    skipped, examples = problems["orphans"]
    result.skipped_ids += [int(row_id) for row_id, _user in examples]
    for row_id, userid in examples:
        result.problem(
            "logstore_standard_log",
            row_id,
            _("its user %(user)s does not exist in Moodle; row skipped.")
            % {"user": userid},
            prefix=ctx.prefix,
        )
    result.problems = before + skipped
    unlinked, unlinked_examples = problems["unlinked"]
    for row_id, contextid in unlinked_examples:
        result.problem(
            "logstore_standard_log",
            row_id,
            _(
                "its context %(context)s or its course no longer exists; "
                "imported without them."
            )
            % {"context": contextid},
            prefix=ctx.prefix,
        )
    return skipped, unlinked


def _staged_load(
    ctx: SyncContext,
    result: PartResult,
    start: int,
    *,
    defer: bool,
    nul: NulTally | None = None,
    where: str | None = None,
) -> tuple[dict[str, Any], int]:
    """Stage the Moodle rows, translate with joins in Foresight: for SQLite, for
    rows that may be here already, for id maps too large for lookup lists, for
    MariaDB rows with NUL characters (`nul`) and for late rows (`where`)."""
    clock = time.monotonic()
    seconds: dict[str, float] = {}
    _stage_create()
    read, low, last = _stage_fill(ctx, start, nul, where)
    seconds["read_seconds"] = round(time.monotonic() - clock, 2)
    insert, _joins = _translate_sql(ctx.siteid)
    if low <= _local_top():
        # Some of these ids may be here already (--full, or a sync that died
        # between commit and cursor): skip them. Otherwise the plain INSERT
        # spares the per-row conflict check.
        insert += " ON CONFLICT (id) DO NOTHING"
    skipped, unlinked = _problems_note(ctx, result, _problems())
    imported = 0
    clock = time.monotonic()
    if not ctx.dry_run:
        with connection.cursor() as cursor:
            if defer:
                with log_indexes_deferred(models_=[StandardLogEntry]):
                    cursor.execute(insert)
                    imported = cursor.rowcount
            else:
                cursor.execute(insert)
                imported = cursor.rowcount
        _sequence_catch_up()
    seconds["write_seconds"] = round(time.monotonic() - clock, 2)
    _stage_drop()
    counts = {"read": read, "imported": imported, "skipped": skipped}
    if nul is not None:
        counts["nul_replaced"] = nul.count
        for row_id in nul.ids:
            result.problem(
                "logstore_standard_log",
                row_id,
                _(
                    "its text has NUL characters, which PostgreSQL cannot store; "
                    "each was replaced by U+FFFD."
                ),
                prefix=ctx.prefix,
            )
        result.problems += nul.count - len(nul.ids)
    return {**counts, "unlinked": unlinked, "path": "staged", **seconds}, last


def _copied_load(
    ctx: SyncContext,
    result: PartResult,
    translation: Translation,
    start: int,
    top: int,
    *,
    defer: bool,
) -> dict[str, Any]:
    """The fast path (log_copy): translated by Moodle's database, COPY in."""
    clock = time.monotonic()
    where = f"s.id > {int(start)} AND s.id <= {int(top)}"
    tally: dict[str, int] = {}
    if ctx.dry_run or ctx.source.vendor == "postgresql":
        tally = problems_count(ctx, translation, where)
    seconds = {"check_seconds": round(time.monotonic() - clock, 2)}
    imported = 0
    clock = time.monotonic()
    if not ctx.dry_run:
        if defer:
            with log_indexes_deferred(models_=[StandardLogEntry]):
                key = primary_key_dropped()
                imported = rows_copy(ctx, translation, start, top, tally)
                seconds["copy_seconds"] = round(time.monotonic() - clock, 2)
                primary_key_restore(key)
        else:
            imported = rows_copy(ctx, translation, start, top, tally)
            seconds["copy_seconds"] = round(time.monotonic() - clock, 2)
        _sequence_catch_up()
    seconds["write_seconds"] = round(time.monotonic() - clock, 2)
    problems = problems_examples(ctx, translation, where, tally, listed=MAX_LISTED)
    skipped, unlinked = _problems_note(ctx, result, problems)
    counts = {"read": tally["total"], "imported": imported, "skipped": skipped}
    return {**counts, "unlinked": unlinked, "path": "copy", **seconds}


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted ids as runs of consecutive ids, (first, last) inclusive."""
    runs: list[tuple[int, int]] = []
    for row_id in ids:
        if runs and runs[-1][1] == row_id - 1:
            runs[-1] = (runs[-1][0], row_id)
        else:
            runs.append((row_id, row_id))
    return runs


def _among(runs: list[tuple[int, int]]) -> str:
    return " OR ".join(f"id BETWEEN {int(a)} AND {int(b)}" for a, b in runs)


def _first_low(ctx: SyncContext, last: int) -> int:
    """The late window's start at a first sync: just below the first row of the
    log's last GAP_HORIZON seconds (by the newest row's time; through Moodle's
    time index, so old-dated rows at high ids, as a restore writes, do not count)."""
    table = ctx.t("logstore_standard_log")
    rows = ctx.source.fetchall(
        f"SELECT MAX(timecreated) FROM (SELECT timecreated FROM {table} "
        f"WHERE id <= {int(last)} ORDER BY id DESC LIMIT 1000) newest"
    )
    if not rows or rows[0][0] is None:
        return last
    cut = int(rows[0][0]) - GAP_HORIZON
    rows = ctx.source.fetchall(
        f"SELECT MIN(id) FROM {table} WHERE timecreated >= {cut} AND id <= {int(last)}"
    )
    return int(rows[0][0]) - 1 if rows and rows[0][0] is not None else last


#: The second checksum squares each id modulo this prime: a + b = c + d and
#: a^2 + b^2 = c^2 + d^2 only for the same pair, so a deletion and a late row of
#: the same count and id sum cannot pass for each other; it stays within 64 bits.
SQUARE_MODULUS = 1_000_003


def _checksum_sql(table: str, low: int, high: int, *, moodle: bool) -> str:
    # MOD() in Moodle's database (its driver reads % as a placeholder); % here
    # (SQLite has MOD() only with its optional math functions).
    k = f"MOD(id, {SQUARE_MODULUS})" if moodle else f"(id % {SQUARE_MODULUS})"
    return (
        f"SELECT COUNT(*), SUM(id), SUM({k} * {k}) FROM {table} "
        f"WHERE id > {int(low)} AND id <= {int(high)}"
    )


def _ids_tally(ids: Iterable[int]) -> tuple[int, int, int]:
    """COUNT, SUM and the sum of squares modulo SQUARE_MODULUS, as the SQL."""
    n = total = squares = 0
    for row_id in ids:
        n, total = n + 1, total + row_id
        squares += (row_id % SQUARE_MODULUS) ** 2
    return n, total, squares


def _tally_of(row: Sequence[Any]) -> tuple[int, int, int]:
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def _late_load(
    ctx: SyncContext,
    result: PartResult,
    low: int,
    high: int,
    skipped: set[int],
    gone: set[int],
) -> tuple[dict[str, Any], set[int], set[int], list[tuple[int, int]]]:
    """Import the rows with low < id <= high that Moodle has and Foresight lacks,
    other than the `skipped` ones: (counts, the ids skipped, the ids gone from
    Moodle, the id runs imported)."""
    table = ctx.t("logstore_standard_log")
    skipped = {s for s in skipped if low < s <= high}
    gone = {g for g in gone if low < g <= high}
    theirs_tally = _tally_of(
        ctx.source.fetchall(_checksum_sql(table, low, high, moodle=True))[0]
    )
    with connection.cursor() as cursor:
        local = StandardLogEntry._meta.db_table
        cursor.execute(_checksum_sql(local, low, high, moodle=False))
        ours = _tally_of(cursor.fetchone())
    plus, minus = _ids_tally(skipped), _ids_tally(gone)
    expected = tuple(o + p - m for o, p, m in zip(ours, plus, minus, strict=True))
    if theirs_tally == expected:
        return {}, skipped, gone, []
    window = StandardLogEntry.objects.filter(id__gt=low, id__lte=high)
    mine = set(window.values_list("id", flat=True).iterator(chunk_size=50000))
    theirs: set[int] = set()
    for rows in ctx.source.stream(
        f"SELECT id FROM {table} WHERE id > {int(low)} AND id <= {int(high)}",
        chunk=50000,
        raw=True,
    ):
        theirs.update(int(r[0]) for r in rows)
    gone = mine - theirs
    missing = sorted(theirs - mine - skipped)
    skipped &= theirs
    counts: dict[str, Any] = {"late_read": len(missing), "late_imported": 0}
    if not missing:
        return counts, skipped, gone, []
    runs = _runs(missing)
    nul = NulTally() if connection.vendor == "postgresql" else None
    for i in range(0, len(runs), RANGES_PER_READ):
        part, _last = _staged_load(
            ctx,
            result,
            0,
            defer=False,
            nul=nul,
            where=_among(runs[i : i + RANGES_PER_READ]),
        )
        counts["late_imported"] += part["imported"]
    if ctx.dry_run:
        return counts, skipped, gone, []
    here = _present(runs)
    skipped |= set(missing) - here
    return counts, skipped, gone, _runs(sorted(here))


def _present(runs: list[tuple[int, int]]) -> set[int]:
    """The ids of Foresight's log within the id runs (a statement per few
    hundred runs: no parameter per id, whatever SQLite's limit)."""
    here: set[int] = set()
    for i in range(0, len(runs), RANGES_PER_READ):
        among = _among(runs[i : i + RANGES_PER_READ])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {StandardLogEntry._meta.db_table} WHERE {among}"
            )
            here.update(int(r[0]) for r in cursor.fetchall())
    return here


def _skipped_in(ctx: SyncContext, low: int, high: int) -> set[int]:
    """The Moodle ids low < id <= high that Foresight does not have: right after a
    load, in the same snapshot, the rows it skipped."""
    table = ctx.t("logstore_standard_log")
    theirs: set[int] = set()
    for rows in ctx.source.stream(
        f"SELECT id FROM {table} WHERE id > {int(low)} AND id <= {int(high)}",
        chunk=50000,
        raw=True,
    ):
        theirs.update(int(r[0]) for r in rows)
    if not theirs:
        return set()
    return theirs - _present(_runs(sorted(theirs)))


def log_sync(ctx: SyncContext) -> PartResult:
    """Append the standard log rows above the cursor (all of them with --full,
    where rows already here are left as they are), and the late rows of the late
    window (see the module)."""
    result = PartResult("log")
    state = SyncState.objects.filter(part="log").first()
    start = 0 if ctx.full or state is None else state.cursor
    window = {} if ctx.full or state is None else dict(state.late_window or {})
    now = int(time.time())
    marks = [(int(t), int(c)) for t, c in window.get("marks", [])]
    if not marks and "low" in window:  # the first design's state: its start
        marks = [(now - GAP_HORIZON, int(window["low"]))]
    skipped = _remembered(window.get("skipped"))
    gone = _remembered(window.get("gone"))
    low = _low(marks, now)
    late: dict[str, Any] = {}
    late_runs: list[tuple[int, int]] = []
    if marks and low < start:
        noted = (list(result.messages), result.problems, list(result.skipped_ids))
        try:
            with transaction.atomic():
                late, skipped, gone, late_runs = _late_load(
                    ctx, result, low, start, skipped, gone
                )
        except (PartRefused, SourceError, DatabaseError) as exc:
            # The late rows wait for the next sync; the new ones need not.
            result.messages, result.problems, result.skipped_ids = noted
            result.problems += 1
            error = (
                str(exc).strip().splitlines()[0].rstrip(".") if str(exc) else repr(exc)
            )
            result.messages.append(
                _(
                    "Rows committed late below id %(start)s could not be read: "
                    "%(error)s. The next sync tries again."
                )
                % {"start": start, "error": error}
            )
    top = _source_top(ctx)
    ranges: dict[type[Model], Sequence[tuple[int, int]]] | None = (
        {StandardLogEntry: late_runs} if late_runs else None
    )
    if top <= start:
        result.counts = {"read": 0, "imported": 0, **late}
        result.cursor = start
        result.counts.update(_legacy_sync(ctx, result))
        if not marks and not ctx.dry_run:
            marks = [(now - GAP_HORIZON, _first_low(ctx, start))]
        _window_keep(ctx, result, marks, now, start, skipped, gone)
        written: list[type[Model]] = []
        if result.counts.get("legacy_read"):
            written.append(LegacyLogEntry)
        if late_runs:
            written.append(StandardLogEntry)
        if written and not ctx.dry_run:
            bulk_write_finished(models_=written, id_ranges=ranges)
        return result
    defer = (
        connection.vendor == "postgresql"
        and not ctx.dry_run
        and top - start >= DEFER_INDEXES_ROWS
        and _log_empty()
    )
    translation = None
    if connection.vendor == "postgresql" and start >= _local_top():
        translation = translation_build(ctx, NAMES)
        if translation is not None and not packet_fits(ctx, translation):
            translation = None
    noted = (list(result.messages), result.problems, list(result.skipped_ids))
    # A savepoint: if Moodle refuses a read half-way, the staging table and every
    # row go with it, and Foresight's transaction stays usable.
    try:
        with transaction.atomic():
            if translation is None:
                counts, last = _staged_load(ctx, result, start, defer=defer)
            else:
                counts, last = (
                    _copied_load(ctx, result, translation, start, top, defer=defer),
                    top,
                )
    except NulRefused:
        # Everything of the attempt went with the savepoint, its problem notes too.
        result.messages, result.problems, result.skipped_ids = noted
        with transaction.atomic():
            counts, last = _staged_load(ctx, result, start, defer=defer, nul=NulTally())
    result.cursor = last
    result.counts = {**counts, **late, "indexes_rebuilt": defer}
    # Rows skipped now are remembered, not taken for late ones at the next sync
    # (the messages name the first; past them, they are looked up).
    if not marks and not ctx.dry_run:
        marks = [(now - GAP_HORIZON, _first_low(ctx, last))]
    skipped |= set(result.skipped_ids)
    if not ctx.dry_run and counts.get("skipped", 0) > len(result.skipped_ids):
        skipped |= _skipped_in(ctx, max(start, _low(marks, now)), last)
    _window_keep(ctx, result, marks, now, last, skipped, gone)
    result.counts.update(_legacy_sync(ctx, result))
    if not ctx.dry_run:
        # The activity rollups that analysis reads follow the new rows (and the
        # days of late rows, which are below their mark).
        clock = time.monotonic()
        bulk_write_finished(
            models_=[StandardLogEntry, LegacyLogEntry], id_ranges=ranges
        )
        result.counts["rollup_seconds"] = round(time.monotonic() - clock, 2)
    return result


def _low(marks: list[tuple[int, int]], now: int) -> int:
    """The late window's start: the cursor of the newest sync at least
    GAP_HORIZON older than the last one (marks are (time, cursor) of the syncs;
    after a day without a sync the window still reaches a day behind the last
    one), else the oldest mark's."""
    if not marks:
        return 0
    last_time = max(t for t, _c in marks)
    old = [(t, c) for t, c in marks if t <= last_time - GAP_HORIZON]
    if old:
        return max(old)[1]
    return min(marks)[1]


def _window_keep(
    ctx: SyncContext,
    result: PartResult,
    marks: list[tuple[int, int]],
    now: int,
    last: int,
    skipped: set[int],
    gone: set[int],
) -> None:
    """Record this sync's mark; keep the marks the window still needs (those of
    the last GAP_HORIZON and the newest one before them) and the ids above its
    start, as runs of consecutive ids."""
    if ctx.dry_run or not marks:
        return
    marks = sorted({*marks, (now, last)})
    recent = [m for m in marks if m[0] > now - GAP_HORIZON]
    older = [m for m in marks if m[0] <= now - GAP_HORIZON]
    marks = ([max(older)] if older else []) + recent
    low = _low(marks, now)
    result.late_window = {
        "marks": [list(m) for m in marks],
        "skipped": [list(r) for r in _runs(sorted(s for s in skipped if s > low))],
        "gone": [list(r) for r in _runs(sorted(g for g in gone if g > low))],
    }
    result.counts["late_window_ids"] = last - low


def _remembered(value: Any) -> set[int]:
    """Ids kept as runs [first, last] (or, before runs, as single ids)."""
    ids: set[int] = set()
    for item in value or ():
        if isinstance(item, list | tuple):
            ids.update(range(int(item[0]), int(item[1]) + 1))
        else:
            ids.add(int(item))
    return ids


def _legacy_sync(ctx: SyncContext, result: PartResult) -> dict[str, int]:
    """The legacy `log` table (empty on current Moodle), translated row by row."""
    if not ctx.source.has_table("log"):
        return {}
    state = SyncState.objects.filter(part="log").first()
    start = (
        0 if ctx.full or state is None else int(state.counts.get("legacy_cursor", 0))
    )
    users = idmap_load(Kind.USER)
    courses = idmap_load(Kind.COURSE)
    activities = idmap_load(Kind.ACTIVITY)
    existing = set()
    if ctx.full:
        existing = set(LegacyLogEntry.objects.values_list("id", flat=True))
    rows, last = [], start
    for chunk in ctx.source.stream(
        "SELECT id, time, userid, ip, course, module, cmid, action, url, info "
        f"FROM {ctx.t('log')} WHERE id > %s ORDER BY id",
        [start],
    ):
        for mid, moment, userid, ip, course, module, cmid, action, url, info in chunk:
            last = mid
            if mid in existing:
                continue
            if userid > 0 and userid not in users:
                result.problem(
                    "log",
                    mid,
                    _("its user %(user)s does not exist in Moodle; row skipped.")
                    % {"user": userid},
                    prefix=ctx.prefix,
                )
                continue
            rows.append(
                (
                    mid,
                    moment,
                    users.get(userid, userid),
                    (ip or "")[:45],
                    0 if course == ctx.siteid else courses.get(course, 0),
                    (module or "")[:20],
                    activities.get(cmid, 0),
                    (action or "")[:40],
                    (url or "")[:100],
                    (info or "")[:255],
                )
            )
    if rows and not ctx.dry_run:
        log_rows_write(
            model=LegacyLogEntry,
            fields=[
                "id",
                "time",
                "userid",
                "ip",
                "course",
                "module",
                "cmid",
                "action",
                "url",
                "info",
            ],
            rows=rows,
        )
    return {"legacy_read": len(rows), "legacy_cursor": last}
