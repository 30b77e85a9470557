"""Several all-integer queries at once, each on a database connection of its own.

The log aggregate of a chunk, split by course (LogReader.aggregate_parts), runs as
one query per part: PostgreSQL groups a query's rows in a single server process
(its parallel workers only scan) and SQLite runs a query on one thread, so parts
on separate connections use the machine's cores where one query uses one
(bench/analysis.py). SQLite lets several connections read one file at once
(its WAL journal, which Foresight sets, also while another one writes).

Only for reads whose rows every connection sees alike: the caller must not be
inside a transaction, whose uncommitted rows the other connections would not see
(LogReader.aggregate_parts checks). A connection that cannot be opened (the
server's connection limit, say) costs only time: its query runs on the caller's
connection afterwards, and the split rests for FAILURE_PAUSE seconds (one warning,
not one per chunk). A connection lost in the middle of its query fails the
aggregate, as the caller's own would.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from logstore.readers.buckets import Buckets
    from logstore.readers.reader import LogReader

logger = logging.getLogger(__name__)

#: A chunk's aggregate is split over several connections (aggregate_parts) only
#: when the log table holds at least this many rows: below it one query takes
#: milliseconds and a second connection costs as much.
CONCURRENT_MIN_ROWS = 1_000_000
#: Seconds without a split after a second connection could not be opened.
FAILURE_PAUSE = 600.0
_failed_at: float | None = None

#: fetch(sql, n_columns, using): the query's columns as int64 arrays, on `using`
#: (None: this thread's Django connection).
Fetch = Callable[[str, int, "BaseDatabaseWrapper | None"], list[np.ndarray]]


def ints_concurrently(
    sqls: Sequence[str], n_columns: int, fetch: Fetch
) -> list[np.ndarray]:
    """`fetch` of each query of `sqls` at the same time, the first on this
    thread's connection and each other one on a new connection; their rows one
    after the other, in the order of `sqls`."""
    global _failed_at
    if len(sqls) == 1:
        return fetch(sqls[0], n_columns, None)
    main = connections[DEFAULT_DB_ALIAS]
    with ThreadPoolExecutor(
        max_workers=len(sqls) - 1, thread_name_prefix="log-aggregate"
    ) as pool:
        futures = [
            pool.submit(_on_own_connection, main, fetch, sql, n_columns)
            for sql in sqls[1:]
        ]
        results = [fetch(sqls[0], n_columns, None)]
        for sql, future in zip(sqls[1:], futures, strict=True):
            try:
                results.append(future.result())
            except DatabaseError as error:
                _failed_at = time.monotonic()
                logger.warning(
                    "A second database connection for the log aggregate failed "
                    "(%s); its part runs on the first connection, and the "
                    "aggregates stay on one connection for %d minutes.",
                    (str(error).strip().splitlines() or [type(error).__name__])[0],
                    FAILURE_PAUSE // 60,
                )
                results.append(fetch(sql, n_columns, None))
    return [np.concatenate(columns) for columns in zip(*results, strict=True)]


def _on_own_connection(
    main: BaseDatabaseWrapper, fetch: Fetch, sql: str, n_columns: int
) -> list[np.ndarray]:
    """`fetch` on a new connection to `main`'s database, opened and closed in this
    (worker) thread, as Django wants a connection used by one thread."""
    own = main.copy()
    try:
        return fetch(sql, n_columns, own)
    finally:
        own.close()


def aggregate_parts(reader: LogReader, buckets: Buckets) -> int:
    """Over how many connections at once the aggregate of these buckets runs.

    One query groups its rows in one process (PostgreSQL: its parallel
    workers only scan; SQLite: one thread), so on a large log the aggregate
    is split by course over FORESIGHT_ANALYSIS_DB_CONNECTIONS connections
    (default 2; 1 turns it off): about half the aggregate queries' time on
    the 10M-row bench site (bench/analysis.py). Never inside a transaction: the other
    connections would not see its uncommitted rows (a test's, an import's),
    so the split could change the answer; never for an in-memory SQLite
    database, which another connection does not share; and never for a small
    log or a single course, where it saves nothing."""
    wanted = min(
        int(getattr(settings, "FORESIGHT_ANALYSIS_DB_CONNECTIONS", 1)),
        len(buckets.course_ids),
    )
    if wanted < 2 or connection.in_atomic_block or not connection.get_autocommit():
        return 1
    if _failed_at is not None and time.monotonic() - _failed_at < FAILURE_PAUSE:
        return 1
    if connection.vendor not in ("postgresql", "sqlite"):
        return 1
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 1
    if _estimated_rows(reader) < CONCURRENT_MIN_ROWS:
        return 1
    return wanted


def _estimated_rows(reader: LogReader) -> float:
    """The log table's rows, estimated cheaply: PostgreSQL's statistics
    (ANALYZE keeps them: every bulk write runs it, and autovacuum; 0 for a
    table never analysed); SQLite's highest id (the rowid's last entry)."""
    if connection.vendor == "sqlite":
        rows = reader._fetch(f"SELECT MAX(id) FROM {reader.table}")  # noqa: S608 - ours
        return float(rows[0][0] or 0) if rows else 0.0
    rows = reader._fetch(
        f"SELECT reltuples FROM pg_class WHERE oid = '{reader.table}'::regclass"  # noqa: S608 - ours
    )
    estimate = float(rows[0][0]) if rows else -1.0
    return max(estimate, 0.0)
