"""The first sheet of an Excel (.xlsx) or OpenDocument (.ods) workbook, as rows.

Both formats are zipped XML that can say far more than they hold: an ODS row
carries `table:number-rows-repeated`, an xlsx cell its own address, and a sheet's
`<dimension>` claims a size that tools often leave stale. So rows are streamed and
bounded here: repeated rows expand to at most `MAX_REPEATED_COPIES` copies in all,
no row goes past `MAX_SHEET_ROWS` or `MAX_COLUMNS`, the sheet XML may not declare
more than `MAX_SHEET_XML` bytes, and the xlsx dimension is ignored (openpyxl's
read-only mode would otherwise stop where the dimension says, dropping the rest).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError, file_error

# The row and column limits of Excel and LibreOffice: no real sheet goes further.
MAX_SHEET_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# Spreadsheet programs fold identical neighbouring rows into one repeated row. A log
# has a few such rows (two identical events in one minute); a file that asks for
# more copies than this is not an export but a decompression bomb.
MAX_REPEATED_COPIES = 10_000
# Declared (uncompressed) size of the sheet's XML; about 500,000 log rows.
MAX_SHEET_XML = 512 * 1024 * 1024

Row = tuple[int, list[Any]]


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value  # kept as a datetime: no locale to guess
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xml_size_check(path, data: bytes, members: tuple[str, ...]) -> None:
    """Refuse a workbook whose sheet XML declares more than MAX_SHEET_XML bytes.

    zipfile never reads past a member's declared size, so the declaration bounds
    what the XML parsers below can be made to read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(
                info.file_size
                for info in archive.infolist()
                if info.filename.startswith(members)
            )
    except zipfile.BadZipFile:
        raise file_error(path, _("the file is a damaged ZIP archive.")) from None
    if size > MAX_SHEET_XML:
        raise file_error(
            path,
            _(
                "the spreadsheet declares %(size)d MB of sheet data, more than the "
                "%(limit)d MB an import reads; export the table as CSV instead."
            )
            % {"size": size // 2**20, "limit": MAX_SHEET_XML // 2**20},
        )


def xlsx_rows(path, data: bytes) -> Iterator[Row]:
    """(row number, values) of the first worksheet, every row whatever `<dimension>` says."""
    import openpyxl

    _xml_size_check(path, data, ("xl/worksheets/", "xl/sharedStrings"))
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
        # Exports from several tools leave <dimension ref="A1"/> or a stale range;
        # read-only mode would stop there and silently drop the other rows.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_SHEET_ROWS:
                raise _too_many_rows(path, number)
            yield number, [_cell_text(value) for value in values[:MAX_COLUMNS]]
    except ImportFileError:
        raise
    except Exception as error:  # a damaged sheet fails while it is read
        raise file_error(
            path, _("the Excel workbook cannot be read (%(error)s).") % {"error": error}
        ) from None
    finally:
        workbook.close()


def _too_many_rows(path, number: int) -> ImportFileError:
    return file_error(
        path,
        _("the sheet goes beyond row %(limit)d, the last a spreadsheet can have.")
        % {"limit": MAX_SHEET_ROWS},
        line=number,
        unit="row",
    )


def ods_rows(path, data: bytes) -> Iterator[Row]:
    """(row number, values) of the first table; repeats expanded within the limits."""
    from odf.opendocument import load
    from odf.table import Table as OdsTable
    from odf.table import TableRow

    _xml_size_check(path, data, ("content.xml",))
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
    problems: list[tuple[int | None, str]] = []
    number = 0
    copies = 0
    for row in sheets[0].getElementsByType(TableRow):
        try:
            repeat = _repeat(row, "number-rows-repeated")
            values = _ods_values(row)
        except ValueError as error:
            problems.append((number + 1, str(error)))
            number += 1
            continue
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
            raise _too_many_rows(path, MAX_SHEET_ROWS + 1)
        for _copy in range(repeat):
            number += 1
            yield number, list(values)
    if problems:
        raise ImportFileError(path, problems, unit="row")


def _repeat(element, attribute: str) -> int:
    from odf.namespaces import TABLENS

    raw = element.getAttrNS(TABLENS, attribute)
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


def _ods_values(row) -> list[Any]:
    """The cells of one ODS row, trailing empty cells dropped; ValueError if unreadable."""
    from odf import teletype
    from odf.namespaces import OFFICENS

    values: list[Any] = []
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        repeat = _repeat(cell, "number-columns-repeated")
        value_type = cell.getAttrNS(OFFICENS, "value-type")
        if value_type == "date":
            text: Any = _ods_date(cell.getAttrNS(OFFICENS, "date-value"))
        elif value_type in ("float", "percentage", "currency"):
            text = _ods_number(cell.getAttrNS(OFFICENS, "value"))
        else:
            text = teletype.extractText(cell)
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


def _ods_number(raw: str | None) -> str:
    try:
        number = float(raw or "")
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(
            _("the number %(value)r cannot be read") % {"value": raw or ""}
        )
    return _cell_text(number)


def _ods_date(raw: str | None) -> dt.date:
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
