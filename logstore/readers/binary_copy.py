"""PostgreSQL's binary COPY of an all-bigint result, parsed by numpy as it arrives."""

from __future__ import annotations

import time

import numpy as np
from django.db import connection, transaction

#: work_mem of the aggregate query on PostgreSQL (a chunk's groups fit in it).
PG_WORK_MEM = "256MB"

#: Raw bytes parsed at a time from a binary COPY.
COPY_BATCH = 32 * 1024 * 1024


def copy_ints(sql: str, n_columns: int) -> list[np.ndarray]:
    """Run `sql` as a binary COPY and parse the all-bigint, non-null rows with numpy.

    Rows are fixed-width (a 2-byte field count, then a 4-byte length and 8 bytes per
    column), so blocks are parsed as they arrive: memory holds the columns and at
    most one batch of raw bytes, never the whole result twice.
    """
    row = [("count", ">i2")]
    for i in range(n_columns):
        row += [(f"len{i}", ">i4"), (f"v{i}", ">i8")]
    dtype = np.dtype(row)
    parts: list[list[np.ndarray]] = [[] for _ in range(n_columns)]
    pending = bytearray()
    header_done = False

    def parse(final: bool) -> None:
        nonlocal pending
        usable = len(pending) - (2 if final else 0)  # the trailer is a 2-byte -1
        usable -= usable % dtype.itemsize
        if usable <= 0:
            return
        records = np.frombuffer(bytes(pending[:usable]), dtype=dtype)
        if not (records["len0"] == 8).all():
            raise ValueError("Unexpected column in a binary COPY of integers.")
        for i in range(n_columns):
            parts[i].append(records[f"v{i}"].astype(np.int64))
        del pending[:usable]

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough memory to hash-aggregate a chunk's groups without spilling to disk;
        # SET LOCAL ends with the transaction.
        cursor.execute(f"SET LOCAL work_mem = '{PG_WORK_MEM}'")
        # Compiling these wide aggregates costs seconds per query (JIT inlining
        # and optimisation) and saves less than that.
        cursor.execute("SET LOCAL jit = off")
        raw = getattr(cursor, "cursor", cursor)
        with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:
            for block in copy:
                pending += block
                if not header_done and len(pending) >= 19:
                    # 11-byte signature, 4-byte flags, 4-byte extension length.
                    ext = int.from_bytes(pending[15:19], "big")
                    if len(pending) < 19 + ext:
                        continue
                    del pending[: 19 + ext]
                    header_done = True
                if header_done and len(pending) >= COPY_BATCH:
                    parse(final=False)
    parse(final=True)
    if connection.queries_logged:
        connection.queries_log.append(
            {
                "sql": f"COPY ({sql}) TO STDOUT",
                "time": f"{time.perf_counter() - started:.3f}",
            }
        )
    return [np.concatenate(p) if p else np.zeros(0, dtype=np.int64) for p in parts]
