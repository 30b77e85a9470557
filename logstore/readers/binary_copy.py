"""PostgreSQL's binary COPY of an all-bigint result, parsed by numpy as it arrives."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection, transaction

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

#: work_mem of the aggregate query on PostgreSQL (a chunk's groups fit in it).
PG_WORK_MEM = "256MB"

#: Raw bytes parsed at a time from a binary COPY.
COPY_BATCH = 32 * 1024 * 1024


def copy_ints(
    sql: str, n_columns: int, *, using: BaseDatabaseWrapper | None = None
) -> list[np.ndarray]:
    """Run `sql` as a binary COPY and parse the all-bigint, non-null rows with numpy.

    Rows are fixed-width (a 2-byte field count, then a 4-byte length and 8 bytes per
    column), so the data is parsed in batches as it arrives: memory holds the
    columns and at most one batch of raw bytes, never the whole result twice.
    `using`: a connection of the caller's own (see concurrent.py) instead of this
    thread's Django connection.
    """
    parser = _IntRows(n_columns)
    started = time.perf_counter()
    if using is None:
        with transaction.atomic(), connection.cursor() as cursor:
            _copy(cursor, sql, parser)
    else:
        # A transaction on the caller's connection too: its SET LOCALs end with
        # it, so nothing of them outlives this read (a pooled connection, or a
        # transaction-mode pgbouncer, would hand session settings to others).
        # On an error the caller closes the connection, which ends it.
        using.set_autocommit(False)
        with using.cursor() as cursor:
            _copy(cursor, sql, parser)
        using.commit()
    db = connection if using is None else using
    if db.queries_logged:
        db.queries_log.append(
            {
                "sql": f"COPY ({sql}) TO STDOUT",
                "time": f"{time.perf_counter() - started:.3f}",
            }
        )
    return parser.columns()


class _IntRows:
    """The columns of a binary COPY of `n_columns` bigints, parsed batch by batch."""

    def __init__(self, n_columns: int) -> None:
        row = [("count", ">i2")]
        for i in range(n_columns):
            row += [(f"len{i}", ">i4"), (f"v{i}", ">i8")]
        self.n_columns = n_columns
        self.dtype = np.dtype(row)
        self.parts: list[list[np.ndarray]] = [[] for _ in range(n_columns)]
        self.rest = bytearray()  # what follows the last whole row of a batch
        self.header_done = False

    def feed(self, batch: bytearray) -> None:
        if self.rest:
            batch = self.rest + batch
        offset = 0
        if not self.header_done:
            # 11-byte signature, 4-byte flags, 4-byte extension length.
            if len(batch) < 19 or len(batch) < 19 + int.from_bytes(batch[15:19], "big"):
                self.rest = batch
                return
            offset = 19 + int.from_bytes(batch[15:19], "big")
            self.header_done = True
        count = (len(batch) - offset) // self.dtype.itemsize
        records = np.frombuffer(batch, dtype=self.dtype, count=count, offset=offset)
        if not (records["len0"] == 8).all():
            raise ValueError("Unexpected column in a binary COPY of integers.")
        for i in range(self.n_columns):
            self.parts[i].append(records[f"v{i}"].astype(np.int64))
        self.rest = batch[offset + count * self.dtype.itemsize :]

    def columns(self) -> list[np.ndarray]:
        if bytes(self.rest) != _TRAILER:
            raise ValueError("Unexpected end of a binary COPY of integers.")
        return [
            np.concatenate(p) if p else np.zeros(0, dtype=np.int64) for p in self.parts
        ]


def _copy(cursor: Any, sql: str, parser: _IntRows) -> None:
    """The COPY, in the caller's transaction (SET LOCAL ends with it)."""
    # Enough memory to hash-aggregate a chunk's groups without spilling to disk.
    cursor.execute(f"SET LOCAL work_mem = '{PG_WORK_MEM}'")
    # Compiling these wide aggregates costs seconds per query (JIT inlining
    # and optimisation) and saves less than that.
    cursor.execute("SET LOCAL jit = off")
    raw = getattr(cursor, "cursor", cursor)
    with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
        for batch in _batches(copy, COPY_BATCH):
            parser.feed(batch)


#: The binary COPY file trailer: a 16-bit -1, sent as a data message of its own
#: (or after the 19-byte header when there are no rows).
_TRAILER = b"\xff\xff"


def _batches(copy: Any, size: int) -> Iterator[bytearray]:
    """The data of a COPY TO, in pieces of at least `size` bytes (and the rest).

    PostgreSQL sends one message per row. psycopg's `copy.read()` waits for each
    through a generator, microseconds per row; here rows are taken straight from
    libpq, which waits itself when none is buffered. The end of the COPY is left
    to psycopg: taking stops at the file trailer (the only 2-byte message: a row
    has at least 14 bytes), so the end that follows it is read by `copy.read()`.
    """
    get_copy_data = copy.cursor.connection.pgconn.get_copy_data
    out = bytearray()
    first = True
    while block := copy.read():
        out += block
        if first:
            first = False
            ext = int.from_bytes(block[15:19], "big")
            ended = len(block) == 21 + ext and block[-2:] == _TRAILER  # no rows
        else:
            ended = len(block) == 2
        while not ended:
            nbytes, data = get_copy_data(1)
            if nbytes == 0:  # nothing buffered yet: wait in libpq for the next row
                nbytes, data = get_copy_data(0)
            if nbytes > 2:
                out += data
                if len(out) >= size:
                    yield out
                    out = bytearray()
            elif nbytes == 2:  # the trailer
                out += data
                ended = True
            else:  # the COPY ended early: an error on the server
                _copy_failed(copy)
        if len(out) >= size:
            yield out
            out = bytearray()
    if out:
        yield out


def _copy_failed(copy: Any) -> None:
    """Fetch the result of a COPY that ended before its trailer, mark the copy
    finished (so psycopg reads nothing more) and raise the database's error."""
    # Imported here: only PostgreSQL runs a COPY, and psycopg is heavy to load for
    # every command on SQLite (tests/test_startup.py).
    from psycopg import errors, pq

    pgconn = copy.cursor.connection.pgconn
    error = None
    while (result := pgconn.get_result()) is not None:
        if result.status != pq.ExecStatus.COMMAND_OK and error is None:
            error = errors.error_from_result(result)
    copy._finished = True
    raise error or errors.DatabaseError("A binary COPY ended without its trailer.")
