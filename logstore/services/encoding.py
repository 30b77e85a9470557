"""Encoding columnar rows for the database: PostgreSQL binary COPY, or tuples.

PostgreSQL's binary COPY format: a header, then per row a 16-bit field count and
per field a 32-bit length (-1 for NULL) followed by the value in network order; a
16-bit -1 ends the stream. numpy writes whole groups of rows at once in that layout.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connections, models, transaction

from logstore.services.events import NULL_ID

CHUNK_ROWS = 5000
_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_PG_TRAILER = struct.pack(">h", -1)


@dataclass
class Column:
    """One column to write: `kind` is int8, int2, bool or text.

    Integer columns hold an int64 array (NULL_ID = NULL when `nullable`) or a scalar.
    Text columns hold (codes, categories): row i has categories[codes[i]]; or a
    scalar string; or None for NULL.
    """

    name: str
    kind: str
    values: Any
    nullable: bool = False


def as_array(values: Any, n: int) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    return np.full(n, values, dtype=np.int64)


def _pg_binary(columns: list[Column], n: int) -> bytes:
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
    columns: list[Column],
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


def _python_rows(columns: list[Column], n: int) -> list[tuple]:
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


def columns_write(
    *, model: type[models.Model], columns: list[Column], n: int, using: str
) -> int:
    if n == 0:
        return 0
    connection = connections[using]
    # Only concrete fields are logged: each has a column.
    names: list[str] = [model._meta.get_field(col.name).column for col in columns]  # type: ignore[union-attr,misc]
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
        for start in range(0, n, CHUNK_ROWS):
            cursor.executemany(sql, rows[start : start + CHUNK_ROWS])
    return n
