"""The first sheet of an Excel (.xlsx) workbook as rows, and the limits of sheets.

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
import zipfile
from collections.abc import Iterator
from pathlib import Path
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

# Cells kept from one sheet, a million-row log at 20 columns: more is not an
# export of one course, and would not fit in memory as Python objects.
MAX_SHEET_CELLS = 20_000_000

Row = tuple[int, list[Any]]


def cell_text(value: Any) -> Any:
    """A cell as text; dates stay dates, 3.0 is "3" (as the CSV export writes it)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value  # kept as a datetime: no locale to guess
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xml_size_check(path: Path, data: bytes, members: tuple[str, ...]) -> None:
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


def xlsx_rows(path: Path, data: bytes) -> Iterator[Row]:
    """(row number, values) of the first worksheet, every row whatever `<dimension>` says."""
    import openpyxl

    xml_size_check(path, data, ("xl/worksheets/", "xl/sharedStrings"))
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
                raise too_many_rows(path, number)
            cells = [cell_text(value) for value in values[:MAX_COLUMNS]]
            while cells and cells[-1] == "":
                cells.pop()
            yield number, cells
    except ImportFileError:
        raise
    except Exception as error:  # a damaged sheet fails while it is read
        raise file_error(
            path, _("the Excel workbook cannot be read (%(error)s).") % {"error": error}
        ) from None
    finally:
        workbook.close()


def too_many_rows(path: Path, number: int) -> ImportFileError:
    return file_error(
        path,
        _("the sheet goes beyond row %(limit)d, the last a spreadsheet can have.")
        % {"limit": MAX_SHEET_ROWS},
        line=number,
        unit="row",
    )
