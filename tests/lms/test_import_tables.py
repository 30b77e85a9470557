"""Reading spreadsheets: the ODS stream reader against odfpy, and its memory bound."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from lms.importers.errors import ImportFileError
from lms.importers.tables import table_read
from tests.lms.test_fuzz_corpus import ODS_MANIFEST, ODS_MIMETYPE

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(path: Path, rows: str) -> Path:
    """An ODS file whose first table holds `rows` (table:table-row elements)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        f'{NAMESPACES} office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Log">{rows}</table:table>'
        '<table:table table:name="Other"><table:table-row><table:table-cell>'
        "<text:p>not read</text:p></table:table-cell></table:table-row></table:table>"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return path


def cell(inner: str, attributes: str = "") -> str:
    return f"<table:table-cell{attributes}>{inner}</table:table-cell>"


def row(*cells: str, attributes: str = "") -> str:
    return f"<table:table-row{attributes}>{''.join(cells)}</table:table-row>"


def test_ods_text_is_read_as_odfpy_reads_it(tmp_path):
    from odf import teletype
    from odf.opendocument import load
    from odf.table import Table, TableCell

    text = (
        "<text:p>Ana<text:s/>de<text:s text:c='3'/>la <text:span>Paz"
        "<text:tab/>x</text:span><text:line-break/>y</text:p><text:p>z</text:p>"
    )
    path = ods(
        tmp_path / "t.ods",
        row(cell("<text:p>Name</text:p>"), cell("<text:p>Date</text:p>"))
        + row(
            cell(text),
            cell(
                "", ' office:value-type="date" office:date-value="2017-06-27T05:54:00"'
            ),
            cell("", ' table:number-columns-repeated="3"'),
        ),
    )
    table = table_read(path)
    document = load(str(path))
    first = document.spreadsheet.getElementsByType(Table)[0]
    expected = teletype.extractText(first.getElementsByType(TableCell)[2])
    assert table.rows[0][0] == expected == "Ana de   la Paz\tx\nyz"
    assert str(table.rows[0][1]) == "2017-06-27 05:54:00"
    assert len(table.rows[0]) == 2  # trailing empty cells dropped
    assert table.lines == [2]


def test_ods_spaces_and_nesting_are_bounded(tmp_path):
    spaces = ods(
        tmp_path / "spaces.ods",
        row(cell("<text:p>Name</text:p>"))
        + row(cell("<text:p>a<text:s text:c='1000000000'/>b</text:p>")),
    )
    assert len(table_read(spaces).rows[0][0]) == 1002
    deep = "<text:span>" * 60 + "x" + "</text:span>" * 60
    nested = ods(
        tmp_path / "nested.ods",
        row(cell("<text:p>Name</text:p>")) + row(cell(f"<text:p>{deep}</text:p>")),
    )
    with pytest.raises(ImportFileError, match="row 2: a cell nests more than 50"):
        table_read(nested)


# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent (pytest).
READ = """
import re, sys
from pathlib import Path
import django
django.setup()
from lms.importers.tables import table_read
rows = len(table_read(Path(sys.argv[1])).rows)
status = Path("/proc/self/status").read_text()
print(rows, re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def test_a_large_ods_is_read_in_bounded_memory(tmp_path):
    """20,000 rows, 17 MB of XML in 88 KB: odfpy's tree took 520 MB; now ~110 MB."""
    cells = "".join(
        cell(f"<text:p>cell {i} text value</text:p>", ' office:value-type="string"')
        for i in range(9)
    )
    path = ods(tmp_path / "big.ods", row(cells) * 20_000)
    assert path.stat().st_size < 200_000
    done = subprocess.run(
        [sys.executable, "-c", READ, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        timeout=300,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": "."},
    )
    rows, peak_kb = map(int, done.stdout.split())
    assert rows == 19_999
    assert peak_kb < 300_000
