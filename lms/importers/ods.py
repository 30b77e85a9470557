"""The first table of an OpenDocument spreadsheet, streamed row by row.

odfpy builds the whole document in memory, about 24 times the size of its XML
(17 MB of XML, an 88 KB file, took 420 MB), so a small file could take gigabytes.
Here content.xml is read with `iterparse` and each row is dropped once read, so
memory follows the largest row, not the file. What a row may ask for is bounded
as in `sheets` (columns, repeated rows), and so are the elements of one row, the
spaces of a `<text:s c="...">` and the nesting of spans.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError, file_error
from lms.importers.sheets import (
    MAX_COLUMNS,
    MAX_REPEATED_COPIES,
    MAX_SHEET_ROWS,
    Row,
    cell_text,
    too_many_rows,
    xml_size_check,
)

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = {f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"}
# Elements one row may hold (cells, paragraphs, spans): a real row has a few dozen.
MAX_ROW_ELEMENTS = 8 * MAX_COLUMNS
# Spaces one <text:s> may stand for, and how deep spans may nest.
MAX_SPACES = 1000
MAX_DEPTH = 50


def ods_rows(path: Path, data: bytes) -> Iterator[Row]:
    """(row number, values) of the first table; repeats expanded within the limits."""
    xml_size_check(path, data, ("content.xml",))
    problems: list[tuple[int | None, str]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "content.xml" not in archive.namelist():
                raise file_error(
                    path,
                    _("the OpenDocument spreadsheet cannot be read (no content.xml)."),
                )
            with archive.open("content.xml") as content:
                yield from _rows(path, content, problems)
    except ElementTree.ParseError as error:
        raise file_error(
            path,
            _("the OpenDocument spreadsheet cannot be read (%(error)s).")
            % {"error": error},
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise file_error(
            path,
            _("the OpenDocument spreadsheet cannot be read (%(error)s).")
            % {"error": error},
        ) from None
    if problems:
        raise ImportFileError(path, problems, unit="row")


class _Prefixed(io.RawIOBase):
    """`head` then the rest of `stream`: the start is looked at, nothing read twice."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size], self.head = self.head[:size], self.head[size:]
            return size
        chunk = self.stream.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _rows(
    path: Path, content: IO[bytes], problems: list[tuple[int | None, str]]
) -> Iterator[Row]:
    head = content.read(4096)
    if b"<!DOCTYPE" in head:
        # Entities are how an XML bomb grows; no spreadsheet program writes a DTD.
        raise file_error(
            path,
            _("the OpenDocument spreadsheet cannot be read (it declares a DTD)."),
        )
    content = io.BufferedReader(_Prefixed(head, content))
    stack: list[ElementTree.Element] = []
    tables = 0  # table:table elements open (sub-tables live inside cells)
    in_row = False
    row_elements = 0
    number = copies = 0
    found_table = False
    # Safe from entity bombs with expat 2.4.1 or later (Python bundles 2.5): it stops
    # at an amplification limit; external entities are never fetched by etree.
    events = ElementTree.iterparse(content, events=("start", "end"))  # noqa: S314
    for event, element in events:
        if event == "start":
            stack.append(element)
            if element.tag == f"{_TABLE}table":
                if found_table and tables == 0:
                    return  # the first table is over: the rest is not read
                found_table = True
                tables += 1
            elif element.tag == f"{_TABLE}table-row" and tables == 1:
                in_row, row_elements = True, 0
            if in_row:
                row_elements += 1
                if row_elements > MAX_ROW_ELEMENTS:
                    raise file_error(
                        path,
                        _("the row holds more than %(limit)d cells and paragraphs.")
                        % {"limit": MAX_ROW_ELEMENTS},
                        line=number + 1,
                        unit="row",
                    )
            continue
        stack.pop()
        if element.tag == f"{_TABLE}table":
            tables -= 1
        if element.tag != f"{_TABLE}table-row" or tables != 1:
            if not in_row and stack:
                stack[-1].remove(element)  # styles, columns...: nothing to keep
            continue
        in_row = False
        try:
            repeat = _repeat(element, "number-rows-repeated")
            values = _row_values(element)
        except ValueError as error:
            problems.append((number + 1, str(error)))
            number += 1
            values, repeat = [], 0
        if stack:
            stack[-1].remove(element)  # read: let it go
        if not values:
            number += repeat  # padding: LibreOffice repeats one empty row to the end
            continue
        copies += repeat - 1
        if copies > MAX_REPEATED_COPIES:
            raise file_error(
                path,
                _(
                    "this row is repeated %(repeat)d times (table:number-rows-repeated); "
                    "a real export repeats at most %(limit)d rows in all. Export the "
                    "table again, or as CSV."
                )
                % {"repeat": repeat, "limit": MAX_REPEATED_COPIES},
                line=number + 1,
                unit="row",
            )
        if number + repeat > MAX_SHEET_ROWS:
            raise too_many_rows(path, MAX_SHEET_ROWS + 1)
        for _copy in range(repeat):
            number += 1
            yield number, values


def _repeat(element: ElementTree.Element, attribute: str) -> int:
    raw = element.get(f"{_TABLE}{attribute}")
    if raw is None or raw == "":
        return 1
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(
            _("table:%(attribute)s %(value)r is not a whole number above 0")
            % {"attribute": attribute, "value": raw}
        )
    return count


def _row_values(row: ElementTree.Element) -> list[Any]:
    """The cells of one row, trailing empty cells dropped; ValueError if unreadable."""
    values: list[Any] = []
    for cell in row:
        if cell.tag not in _CELLS:
            continue
        repeat = _repeat(cell, "number-columns-repeated")
        value_type = cell.get(f"{_OFFICE}value-type")
        if value_type == "date":
            text: Any = _date(cell.get(f"{_OFFICE}date-value"))
        elif value_type in ("float", "percentage", "currency"):
            text = _number(cell.get(f"{_OFFICE}value"))
        else:
            text = _text(cell, depth=0)
        room = MAX_COLUMNS - len(values)
        if repeat > room:
            if text != "":
                raise ValueError(
                    _("the row has more than %(limit)d columns")
                    % {"limit": MAX_COLUMNS}
                )
            repeat = room  # spreadsheets pad rows with repeated empty cells
        values.extend([text] * repeat)
    while values and values[-1] == "":
        values.pop()
    return values


def _text(element: ElementTree.Element, *, depth: int) -> str:
    """Text as odfpy's teletype.extractText gives it: spaces, tabs, line breaks."""
    if depth > MAX_DEPTH:
        raise ValueError(
            _("a cell nests more than %(limit)d spans") % {"limit": MAX_DEPTH}
        )
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_TEXT}s":
            parts.append(" " * _spaces(child.get(f"{_TEXT}c")))
        elif child.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_TEXT}line-break":
            parts.append("\n")
        elif child.tag != f"{_OFFICE}annotation":  # a comment, not the value
            parts.append(_text(child, depth=depth + 1))
        parts.append(child.tail or "")
    return "".join(parts)


def _spaces(raw: str | None) -> int:
    try:
        count = int(raw) if raw else 1
    except ValueError:
        count = 1
    return max(1, min(count, MAX_SPACES))


def _number(raw: str | None) -> str:
    try:
        number = float(raw or "")
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(
            _("the number %(value)r cannot be read") % {"value": raw or ""}
        )
    return cell_text(number)


def _date(raw: str | None) -> dt.date:
    try:
        return (
            dt.datetime.fromisoformat(raw)
            if "T" in (raw or "")
            else dt.date.fromisoformat(raw or "")
        )
    except ValueError:
        raise ValueError(
            _("the date %(value)r cannot be read") % {"value": raw or ""}
        ) from None
