"""Reading a table out of whatever Moodle's download buttons produce.

Moodle's "Download table data as" offers CSV, Excel (.xlsx), OpenDocument (.ods),
JSON and HTML; sites and people then re-save CSVs in other encodings and line
endings. `table_read` looks at the bytes (never the file name) to tell the kind,
decodes text as UTF-8 (with or without BOM), UTF-16 (with BOM) or, failing that,
Windows-1252/Latin-1, and returns rows of strings with the line (or spreadsheet
row, or JSON record) each came from, so problems can be pinned down.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lms.importers.decoding import gunzip, text_decode
from lms.importers.errors import ImportFileError, file_error
from lms.importers.ods import ods_rows
from lms.importers.sheets import MAX_SHEET_CELLS, xlsx_rows

# Moodle's JSON rows are objects keyed by column name; these are the report's
# internal column names, in the order the CSV shows them.
JSON_COLUMNS = [
    "time",
    "fullnameuser",
    "relatedfullnameuser",
    "context",
    "component",
    "eventname",
    "description",
    "origin",
    "ip",
]


@dataclass
class Table:
    """A header and data rows; `lines[i]` is where `rows[i]` starts in the file."""

    path: Path
    kind: str
    header: list[str]
    header_line: int
    rows: list[list[Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    unit: str = "line"
    encoding: str = ""


def _file_kind(path: Path, data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and archive.read("mimetype").startswith(
                    b"application/vnd.oasis.opendocument.spreadsheet"
                ):
                    return "ods"
        except zipfile.BadZipFile:
            raise file_error(path, _("the file is a damaged ZIP archive.")) from None
        raise file_error(
            path,
            _(
                "the file is a ZIP archive but not an Excel (.xlsx) or OpenDocument (.ods) spreadsheet."
            ),
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error(
            path,
            _(
                "the file is an old Excel (.xls) workbook; save it as .xlsx or CSV and import that."
            ),
        )
    if data.startswith(b"%PDF"):
        raise file_error(path, _("the file is a PDF document, not a table."))
    return "text"


def table_read(path: Path, *, encoding: str | None = None) -> Table:
    """The first sheet (or the CSV, or the JSON list) of `path`, header first."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise file_error(
            path, _("cannot read the file (%(error)s).") % {"error": error.strerror}
        ) from None
    if data.startswith(b"\x1f\x8b"):
        data = gunzip(path, data)
    if not data.strip():
        raise file_error(path, _("the file is empty."))
    kind = _file_kind(path, data)
    if kind in ("xlsx", "ods"):
        read = xlsx_rows if kind == "xlsx" else ods_rows
        table = _sheet_table(path, kind, read(path, data))
        _nul_check(table)
        return table
    text, used = text_decode(path, data, encoding)
    if "\x00" in text:
        raise file_error(path, _("the file is binary, not a text table (CSV or JSON)."))
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        table = _json_read(path, text)
    elif stripped[:15].lower().startswith(("<!doctype", "<html", "<?xml", "<table")):
        raise file_error(path, _("the file is an HTML or XML page, not a CSV table."))
    else:
        table = _csv_read(path, text)
    table.encoding = used
    _nul_check(table)
    return table


def _delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _csv_read(path: Path, text: str) -> Table:
    first_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    header: list[str] | None = None
    header_line = 0
    rows: list[list[Any]] = []
    lines: list[int] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = record, start
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as error:
        raise file_error(
            path,
            _("the CSV cannot be read (%(error)s).") % {"error": error},
            line=reader.line_num,
        ) from None
    if header is None:
        raise file_error(path, _("the file is empty."))
    return Table(path, "csv", header, header_line, rows, lines)


def _json_read(path: Path, text: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise file_error(
            path,
            _("the JSON cannot be read (%(error)s).") % {"error": error.msg},
            line=error.lineno,
        ) from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise file_error(
            path, _("the JSON cannot be read (%(error)s).") % {"error": error}
        ) from None
    except RecursionError:
        raise file_error(
            path,
            _(
                "the JSON is nested too deeply to be a table; Moodle writes a list "
                "of rows (objects or lists of values)."
            ),
        ) from None
    if isinstance(data, dict):
        # {"sheet name": [rows]} or a single row object.
        lists = [value for value in data.values() if isinstance(value, list)]
        data = lists[0] if len(lists) == 1 else [data]
    if not isinstance(data, list):
        raise file_error(path, _("the JSON is not a list of rows."))
    nested = all(isinstance(item, list) for item in data) and all(
        isinstance(row, dict | list) for item in data for row in item
    )
    if data and nested:
        # Moodle writes one list per sheet: [[{...}, {...}]].
        data = [row for item in data for row in item]
    if not data:
        raise file_error(path, _("the file is empty."))
    _json_cells_check(path, data)
    if all(isinstance(row, dict) for row in data):
        header: list[str] = []
        for row in data:
            header.extend(key for key in row if key not in header)
        rows = [[row.get(key, "") for key in header] for row in data]
        return Table(
            path, "json", header, 0, rows, list(range(1, len(rows) + 1)), unit="record"
        )
    if all(isinstance(row, list) for row in data):
        header = [str(cell) for cell in data[0]]
        return Table(
            path,
            "json",
            header,
            1,
            data[1:],
            list(range(2, len(data) + 1)),
            unit="record",
        )
    raise file_error(path, _("the JSON rows are neither objects nor lists."))


def _json_cells_check(path: Path, data: list[Any]) -> None:
    """Every cell a plain value: a list or object in a cell is no table (and may be deep)."""
    problems: list[tuple[int | None, str]] = []
    for number, row in enumerate(data, start=1):
        cells = row.values() if isinstance(row, dict) else row
        if not isinstance(row, dict | list) or any(
            isinstance(cell, dict | list) for cell in cells
        ):
            problems.append(
                (number, _("a cell holds a list or object instead of a value"))
            )
    if problems:
        raise ImportFileError(path, problems, unit="record")


def _sheet_table(
    path: Path, kind: str, raw_rows: Iterable[tuple[int, list[Any]]]
) -> Table:
    header: list[str] | None = None
    header_line = 0
    rows: list[list[Any]] = []
    lines: list[int] = []
    kept = 0
    for number, cells in raw_rows:
        if not any(str(cell).strip() for cell in cells):
            continue
        kept += len(cells)
        if kept > MAX_SHEET_CELLS:
            raise file_error(
                path,
                _("the sheet holds more than %(limit)d cells; export it as CSV.")
                % {"limit": MAX_SHEET_CELLS},
                line=number,
                unit="row",
            )
        if header is None:
            header, header_line = [str(cell) for cell in cells], number
            continue
        rows.append(cells)
        lines.append(number)
    if header is None:
        raise file_error(path, _("the spreadsheet is empty."))
    return Table(path, kind, header, header_line, rows, lines, unit="row")


def _nul_check(table: Table) -> None:
    """Refuse NUL characters, which no database text column can hold (PostgreSQL)."""
    problems: list[tuple[int | None, str]] = []
    for name in table.header:
        if "\x00" in str(name):
            problems.append(
                (
                    table.header_line or None,
                    _("the column name %(name)r contains a NUL character")
                    % {"name": name},
                )
            )
    for line, values in zip(table.lines, table.rows, strict=True):
        for index, value in enumerate(values):
            if isinstance(value, str) and "\x00" in value:
                column = table.header[index] if index < len(table.header) else index + 1
                problems.append(
                    (
                        line,
                        _("the column %(column)r contains a NUL character")
                        % {"column": column},
                    )
                )
    if problems:
        raise ImportFileError(table.path, problems, unit=table.unit)
