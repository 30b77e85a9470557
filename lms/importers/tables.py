"""Reading a table out of whatever Moodle's download buttons produce.

Moodle's "Download table data as" offers CSV, Excel (.xlsx), OpenDocument (.ods),
JSON and HTML; sites and people then re-save CSVs in other encodings and line
endings. `table_read` looks at the bytes (never the file name) to tell the kind,
decodes text as UTF-8 (with or without BOM), UTF-16 (with BOM) or, failing that,
Windows-1252/Latin-1, and returns rows of strings with the line (or spreadsheet
row, or JSON record) each came from, so problems can be pinned down.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lms.importers.errors import file_error

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


def text_decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """(text, encoding used); a named encoding must fit, else the line is reported."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise file_error(
                path, _("unknown encoding %(encoding)r.") % {"encoding": encoding}
            ) from None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            if b"\n" not in data[: error.start]:
                line = data[: error.start].count(b"\r") + 1
            raise file_error(
                path,
                _(
                    "the bytes %(bytes)r are not valid %(encoding)s text; try --encoding latin-1."
                )
                % {"bytes": data[error.start : error.end], "encoding": encoding},
                line=line,
            ) from None
        return text.lstrip("\ufeff"), encoding
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def table_read(path: Path, *, encoding: str | None = None) -> Table:
    """The first sheet (or the CSV, or the JSON list) of `path`, header first."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise file_error(
            path, _("cannot read the file (%(error)s).") % {"error": error.strerror}
        ) from None
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise file_error(path, _("the file is a damaged gzip archive.")) from None
    if not data.strip():
        raise file_error(path, _("the file is empty."))
    kind = _file_kind(path, data)
    if kind == "xlsx":
        return _xlsx_read(path, data)
    if kind == "ods":
        return _ods_read(path, data)
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


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value  # kept as a datetime: no locale to guess
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_table(path: Path, kind: str, raw_rows: list[tuple[int, list[Any]]]) -> Table:
    header: list[str] | None = None
    header_line = 0
    rows: list[list[Any]] = []
    lines: list[int] = []
    for number, values in raw_rows:
        cells = [_cell_text(value) for value in values]
        if not any(str(cell).strip() for cell in cells):
            continue
        if header is None:
            header, header_line = [str(cell) for cell in cells], number
            continue
        rows.append(cells)
        lines.append(number)
    if header is None:
        raise file_error(path, _("the spreadsheet is empty."))
    return Table(path, kind, header, header_line, rows, lines, unit="row")


def _xlsx_read(path: Path, data: bytes) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise file_error(
            path, _("the Excel workbook cannot be read (%(error)s).") % {"error": error}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        raw = [
            (number, list(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return _sheet_table(path, "xlsx", raw)


def _ods_read(path: Path, data: bytes) -> Table:
    from odf import teletype
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table as OdsTable
    from odf.table import TableRow

    try:
        document = load(io.BytesIO(data))
    except Exception as error:  # odfpy raises XML and zip errors alike
        raise file_error(
            path,
            _("the OpenDocument spreadsheet cannot be read (%(error)s).")
            % {"error": error},
        ) from None
    sheets = document.spreadsheet.getElementsByType(OdsTable)
    if not sheets:
        raise file_error(path, _("the spreadsheet is empty."))
    raw: list[tuple[int, list[Any]]] = []
    number = 0
    for row in sheets[0].getElementsByType(TableRow):
        repeat_rows = int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
        values: list[Any] = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            repeat = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
            value_type = cell.getAttrNS(OFFICENS, "value-type")
            if value_type == "date":
                text: Any = cell.getAttrNS(OFFICENS, "date-value")
                text = (
                    dt.datetime.fromisoformat(text)
                    if "T" in text
                    else dt.date.fromisoformat(text)
                )
            elif value_type in ("float", "percentage", "currency"):
                text = _cell_text(float(cell.getAttrNS(OFFICENS, "value")))
            else:
                text = teletype.extractText(cell)
            # Spreadsheets pad rows with thousands of repeated empty cells.
            values.extend([text] * (repeat if repeat < 1000 else 1))
        while values and values[-1] == "":
            values.pop()
        if not values:
            number += repeat_rows
            continue
        for _copy in range(repeat_rows):
            number += 1
            raw.append((number, values))
    return _sheet_table(path, "ods", raw)
