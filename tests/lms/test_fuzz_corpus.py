"""Replay of the importers' fuzz corpus (tests/fixtures/fuzz/importers/cases.toml).

Each input once ended in a traceback, runaway memory or wrong data. Here it goes
through its management command as a user runs it (`run_from_argv`, the code path
of `manage.py`), and must be refused: exit status 1, a `CommandError:` message on
stderr that says what is wrong, and every table of lms, logstore, access and auth
exactly as it was.
"""

from __future__ import annotations

import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import load_command_class

from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent.parent / "fixtures/fuzz/importers"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
COURSE = "EC17"
APPS = ("lms", "logstore", "access", "auth")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
 <manifest:file-entry manifest:full-path="/"
  manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


_MAIN = "http://schemas.openxmlformats.org"
XLSX_PARTS = {
    "[Content_Types].xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="{_MAIN}/package/2006/content-types">
 <Default Extension="rels"
  ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="xml" ContentType="application/xml"/>
 <Override PartName="/xl/workbook.xml" ContentType=
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
 <Override PartName="/xl/worksheets/sheet1.xml" ContentType=
  "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>""",
    "_rels/.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{_MAIN}/package/2006/relationships">
 <Relationship Id="rId1" Target="xl/workbook.xml"
  Type="{_MAIN}/officeDocument/2006/relationships/officeDocument"/>
</Relationships>""",
    "xl/workbook.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{_MAIN}/spreadsheetml/2006/main"
 xmlns:r="{_MAIN}/officeDocument/2006/relationships">
 <sheets><sheet name="Log" sheetId="1" r:id="rId1"/></sheets>
</workbook>""",
    "xl/_rels/workbook.xml.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{_MAIN}/package/2006/relationships">
 <Relationship Id="rId1" Target="worksheets/sheet1.xml"
  Type="{_MAIN}/officeDocument/2006/relationships/worksheet"/>
</Relationships>""",
}


def xlsx_from_sheet(sheet: Path, target: Path) -> Path:
    """An Excel workbook whose first worksheet's XML is the file `sheet`."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet.read_bytes())
    return target


def ods_from_content(content: Path, target: Path) -> Path:
    """An OpenDocument spreadsheet whose content.xml is the file `content`."""
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("mimetype", ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, data in (
            ("META-INF/manifest.xml", ODS_MANIFEST),
            ("content.xml", content.read_bytes()),
        ):
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def corpus_input(case: dict, tmp_path: Path) -> Path:
    """The path the command gets: corpus files as they are, ODS and OULAD assembled."""
    source = CORPUS / case["input"]
    if source.name.endswith(".ods.xml"):
        return ods_from_content(source, tmp_path / source.name.removesuffix(".xml"))
    if source.name.endswith(".xlsx.xml"):
        return xlsx_from_sheet(source, tmp_path / source.name.removesuffix(".xml"))
    if case["command"] == "import_oulad":
        directory = tmp_path / "oulad"
        shutil.copytree(CORPUS / "oulad/base", directory)
        for table in source.iterdir():
            shutil.copy(table, directory / table.name)
        return directory
    return source


def table_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for label in APPS
        for model in apps.get_app_config(label).get_models()
    }


def case_id(case: dict) -> str:
    return f"{case['command']}:{case['input']}:{' '.join(case.get('args', []))}"[:90]


def test_corpus_is_small_and_every_input_exists():
    assert len(CASES) >= 60
    for case in CASES:
        assert (CORPUS / case["input"]).exists(), case["input"]
    total = sum(f.stat().st_size for f in CORPUS.rglob("*") if f.is_file())
    assert total < 100_000


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_corpus_input_is_refused_with_a_message_and_changes_nothing(
    case, tmp_path, capsys, monkeypatch
):
    CourseFactory(shortname=COURSE)
    UserFactory(username="already-here")
    before = table_counts()
    path = corpus_input(case, tmp_path)
    args = [arg.replace("{course}", COURSE) for arg in case.get("args", [])]
    command = load_command_class("lms", case["command"])
    # run_from_argv closes the connections when it ends, which would end the
    # test's transaction; the test database lives on until the test is over.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_status:
        # --skip-checks: system check warnings of other apps are not this test's.
        command.run_from_argv(
            ["manage.py", case["command"], str(path), *args, "--skip-checks"]
        )
    err = capsys.readouterr().err
    assert exit_status.value.code == 1
    assert err.startswith("CommandError: "), err
    assert "Traceback" not in err
    assert case["expect"] in err, err
    assert len(err) < 4000
    assert table_counts() == before
