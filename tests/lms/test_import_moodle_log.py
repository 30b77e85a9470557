"""import_moodle_log against the real export in shared/data and variants built from it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from access.models import RoleAssignment
from access.selectors import context_of
from lms.importers.moodle_log import moodle_log_import
from lms.models import Activity, Enrolment
from logstore.models import StandardLogEntry
from tests.factories import CourseFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

REAL = Path(settings.BASE_DIR).parent / "shared/data/moodle-logs/edify-module3-sp17.csv"
HEADER = [
    "Time",
    "User full name",
    "Affected user",
    "Event context",
    "Component",
    "Event name",
    "Description",
    "Origin",
    "IP address",
]
SPANISH = [
    "Hora",
    "Nombre completo del usuario",
    "Usuario afectado",
    "Contexto del evento",
    "Componente",
    "Nombre evento",
    "Descripción",
    "Origen",
    "Dirección IP",
]
USER_ID = re.compile(r"user with id '(\d+)'")


def real_rows() -> list[dict[str, str]]:
    with REAL.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def csv_text(
    rows: list[list[str]], header: list[str] = HEADER, newline: str = "\n"
) -> str:
    out = io.StringIO()
    # Quote every field so that a CR-only file can still
    # hold a line break inside a description.
    writer = csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def named_rows() -> list[list[str]]:
    """Rows as a site that does not anonymise writes them (accents included)."""
    return [
        ["27/06/17, 05:54", "José Núñez", "-", "Course: Economía", "System", "Course viewed",
         "The user with id '7' viewed the course with id '2'.", "web", "10.0.0.1"],
        ["27/06/17, 05:50", "José Núñez", "-", "Forum: Noticias del día", "Forum", "Discussion viewed",
         "The user with id '7' has viewed the discussion with id '3'.", "web", "10.0.0.1"],
        ["26/06/17, 17:03", "Ana Pérez", "José Núñez", "Assignment: Ensayo 1", "System", "User graded",
         "The user with id '8' updated the grade with id '4' for the user with id '7'.", "web", "10.0.0.2"],
        ["26/06/17, 17:00", "José Núñez", "-", "Quiz: Prueba", "Quiz", "Quiz attempt started",
         "The user with id '7' has started the attempt with id '9'.", "web", "10.0.0.1"],
    ]  # fmt: skip


@pytest.fixture
def course():
    return CourseFactory(shortname="EC17")


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command(
        "import_moodle_log",
        str(path),
        "--course",
        "EC17",
        *args,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def test_real_export_imports_every_row_and_user(course):
    rows = real_rows()
    actors = Counter(
        m.group(1) for r in rows if (m := USER_ID.search(r["Description"]))
    )
    everyone = {i for r in rows for i in USER_ID.findall(r["Description"])}
    no_user = sum(1 for r in rows if not USER_ID.search(r["Description"]))

    run(REAL)

    logs = StandardLogEntry.objects.filter(courseid=course.pk)
    assert logs.count() == len(rows)
    assert logs.filter(userid=0).count() == no_user
    by_username = {
        u.username: u.pk
        for u in get_user_model().objects.filter(username__startswith="moodle")
    }
    assert set(by_username) == {f"moodle{i}" for i in everyone}
    for moodle_id, count in actors.items():
        assert logs.filter(userid=by_username[f"moodle{moodle_id}"]).count() == count
    assert Enrolment.objects.filter(course=course).count() == len(everyone)
    assert RoleAssignment.objects.filter(
        context=context_of(course), role__shortname="student"
    ).count() == len(everyone)
    contexts = {
        r["Event context"] for r in rows if not r["Event context"].startswith("Course:")
    }
    assert Activity.objects.filter(course=course).count() == len(contexts)
    assert Activity.objects.get(course=course, name="Lecture 5").modname == "resource"
    views = Counter(r["Event name"] for r in rows)["Course viewed"]
    assert (
        logs.filter(eventname=r"\core\event\course_viewed", crud="r").count() == views
    )
    first = logs.order_by("-timecreated").first()
    expected = dt.datetime(2017, 6, 27, 5, 54, tzinfo=ZoneInfo(settings.TIME_ZONE))
    assert first.timecreated == int(expected.timestamp())


def test_reimport_adds_nothing_whatever_the_format(course, tmp_path):
    rows = real_rows()[:40]
    lf = tmp_path / "lf.csv"
    lf.write_text(csv_text([list(r.values()) for r in rows]), encoding="utf-8")
    run(lf)
    assert StandardLogEntry.objects.count() == 40
    run(lf)
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(
        csv_text([list(r.values()) for r in rows], newline="\r\n").encode("latin-1")
    )
    run(crlf)
    assert StandardLogEntry.objects.count() == 40


def test_identical_rows_in_one_file_are_all_kept(course, tmp_path):
    row = list(real_rows()[0].values())
    path = tmp_path / "twice.csv"
    path.write_text(csv_text([row, row, row]))
    run(path)
    run(path)
    assert StandardLogEntry.objects.count() == 3


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_line_endings(course, tmp_path, newline):
    rows = [list(r.values()) for r in real_rows()[:25]]
    rows[3][6] = "A description\nthat spans two lines"
    path = tmp_path / "log.csv"
    path.write_bytes(csv_text(rows, newline=newline).encode("utf-8"))
    run(path)
    assert StandardLogEntry.objects.count() == 25


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "latin-1", "cp1252"],
    ids=["UTF-8", "BOM", "Latin-1", "cp1252"],
)
def test_encodings_are_detected(course, tmp_path, encoding):
    path = tmp_path / "log.csv"
    path.write_bytes(csv_text(named_rows(), header=SPANISH).encode(encoding))
    run(path)
    names = set(get_user_model().objects.values_list("first_name", "last_name"))
    assert ("José", "Núñez") in names
    assert ("Ana", "Pérez") in names
    assert Activity.objects.filter(name="Noticias del día", modname="forum").exists()


def test_encoding_option_that_does_not_fit_names_the_line(course, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(csv_text(named_rows()).encode("latin-1"))
    with pytest.raises(CommandError, match=r"log\.csv, line 2: .*utf-8"):
        run(path, "--encoding", "utf-8")
    assert StandardLogEntry.objects.count() == 0
    run(path, "--encoding", "latin-1")
    assert StandardLogEntry.objects.count() == 4


def test_named_users_and_affected_user(course, tmp_path):
    teacher = UserFactory(first_name="Ana", last_name="Pérez")
    RoleAssignmentFactory(user=teacher, role="editingteacher", context=course)
    path = tmp_path / "log.csv"
    path.write_text(csv_text(named_rows()))
    run(path)
    student = get_user_model().objects.get(first_name="José")
    graded = StandardLogEntry.objects.get(eventname=r"\core\event\user_graded")
    assert graded.userid == teacher.pk
    assert graded.relateduserid == student.pk
    assert graded.crud == "u"
    assert graded.edulevel == 1
    # The teacher keeps her role; the student gets the student role.
    roles = dict(
        RoleAssignment.objects.filter(context=context_of(course)).values_list(
            "user_id", "role__shortname"
        )
    )
    assert roles == {teacher.pk: "editingteacher", student.pk: "student"}
    started = StandardLogEntry.objects.get(eventname=r"\mod_quiz\event\attempt_started")
    quiz = Activity.objects.get(name="Prueba")
    assert (quiz.modname, started.contextinstanceid, started.contextlevel) == (
        "quiz",
        quiz.pk,
        70,
    )
    assert started.crud == "c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27/06/17, 05:54", dt.datetime(2017, 6, 27, 5, 54)),
        ("27/06/2017 05:54", dt.datetime(2017, 6, 27, 5, 54)),
        ("2019-10-26 09:37:12", dt.datetime(2019, 10, 26, 9, 37, 12)),
        ("27/06/17, 5:54 PM", dt.datetime(2017, 6, 27, 17, 54)),
        ("27/06/17, 12:10 a. m.", dt.datetime(2017, 6, 27, 0, 10)),
        ("Thursday, 11 May 2017, 9:44 AM", dt.datetime(2017, 5, 11, 9, 44)),
        ("11 de mayo de 2017, 09:44", dt.datetime(2017, 5, 11, 9, 44)),
        ("miércoles, 3 de septiembre de 2014, 18:02", dt.datetime(2014, 9, 3, 18, 2)),
        ("11 May, 09:44", dt.datetime(2016, 5, 11, 9, 44)),
        ("11 mayo, 09:44", dt.datetime(2016, 5, 11, 9, 44)),
    ],
)
def test_time_formats(course, tmp_path, text, expected):
    row = list(real_rows()[0].values())
    row[0] = text
    path = tmp_path / "log.csv"
    path.write_text(csv_text([row]))
    run(path, "--year", "2016", "--timezone", "Asia/Muscat")
    entry = StandardLogEntry.objects.get()
    assert entry.timecreated == int(
        expected.replace(tzinfo=ZoneInfo("Asia/Muscat")).timestamp()
    )


def test_missing_year_is_inferred_backwards_across_new_year(course, tmp_path):
    rows = []
    for text in ["3 Jan, 10:00", "1 Jan, 08:00", "30 Dec, 23:00", "11 May, 09:44"]:
        row = list(real_rows()[0].values())
        row[0] = text
        rows.append(row)
    path = tmp_path / "log.csv"
    path.write_text(csv_text(rows))
    now = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    moodle_log_import(path=path, course_shortname="EC17", tz_name="UTC", now=now)
    years = sorted(
        dt.datetime.fromtimestamp(t, tz=dt.UTC).strftime("%Y-%m-%d")
        for t in StandardLogEntry.objects.values_list("timecreated", flat=True)
    )
    assert years == ["2023-05-11", "2023-12-30", "2024-01-01", "2024-01-03"]


def _sheet_rows(count: int = 30) -> list[list[str]]:
    return [HEADER] + [list(r.values()) for r in real_rows()[:count]]


def test_xlsx(course, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in _sheet_rows():
        workbook.active.append(row)
    path = tmp_path / "log.xlsx"
    workbook.save(path)
    run(path)
    assert StandardLogEntry.objects.count() == 30
    csv_path = tmp_path / "log.csv"
    csv_path.write_text(csv_text(_sheet_rows()[1:]))
    run(csv_path)
    assert StandardLogEntry.objects.count() == 30


def test_xlsx_with_real_datetimes(course, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    row: list = list(real_rows()[0].values())
    row[0] = dt.datetime(2017, 6, 27, 5, 54)
    workbook.active.append(row)
    path = tmp_path / "log.xlsx"
    workbook.save(path)
    run(path, "--timezone", "UTC")
    assert StandardLogEntry.objects.get().timecreated == int(
        dt.datetime(2017, 6, 27, 5, 54, tzinfo=dt.UTC).timestamp()
    )


def test_ods(course, tmp_path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Log")
    for values in _sheet_rows(12):
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    path = tmp_path / "log.ods"
    document.save(str(path))
    run(path)
    assert StandardLogEntry.objects.count() == 12
    assert StandardLogEntry.objects.filter(userid=0).count() == sum(
        1 for r in real_rows()[:12] if not USER_ID.search(r["Description"])
    )


@pytest.mark.parametrize("shape", ["internal", "headers", "lists"])
def test_json(course, tmp_path, shape):
    rows = real_rows()[:15]
    internal = ["time", "fullnameuser", "relatedfullnameuser", "context", "component",
                "eventname", "description", "origin", "ip"]  # fmt: skip
    if shape == "internal":
        data: list = [[dict(zip(internal, r.values(), strict=True)) for r in rows]]
    elif shape == "headers":
        data = rows
    else:
        data = [HEADER] + [list(r.values()) for r in rows]
    path = tmp_path / "log.json"
    path.write_text(json.dumps(data))
    run(path)
    assert StandardLogEntry.objects.count() == 15


def test_spanish_headers_in_another_order(course, tmp_path):
    order = [6, 5, 0, 3, 1, 2, 4, 8, 7]
    rows = [[r[i] for i in order] for r in named_rows()]
    path = tmp_path / "log.csv"
    path.write_text(
        csv_text(rows, header=[SPANISH[i] for i in order]), encoding="utf-8"
    )
    run(path)
    assert (
        StandardLogEntry.objects.filter(
            eventname=r"\mod_forum\event\discussion_viewed"
        ).count()
        == 1
    )


def test_bad_rows_are_listed_with_line_numbers_and_nothing_is_written(course, tmp_path):
    rows = [list(r.values()) for r in real_rows()[:6]]
    rows[1][0] = "yesterday at noon"
    rows[4][5] = ""
    path = tmp_path / "log.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(CommandError) as error:
        run(path)
    message = str(error.value)
    assert "log.csv, line 3: unreadable time" in message
    assert "log.csv, line 6: the event name is empty" in message
    assert StandardLogEntry.objects.count() == 0
    assert get_user_model().objects.count() == 0


def test_skip_bad_rows_imports_the_rest(course, tmp_path):
    rows = [list(r.values()) for r in real_rows()[:6]]
    rows[1][0] = "32/13/17, 25:00"
    path = tmp_path / "log.csv"
    path.write_text(csv_text(rows))
    err = io.StringIO()
    call_command(
        "import_moodle_log",
        str(path),
        "--course",
        "EC17",
        "--skip-bad-rows",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert StandardLogEntry.objects.count() == 5
    assert "line 3" in err.getvalue()


def test_dry_run_writes_nothing(course, tmp_path):
    output = run(REAL, "--dry-run")
    assert "696 events added" in output
    assert StandardLogEntry.objects.count() == 0
    assert Activity.objects.count() == 0
    assert get_user_model().objects.count() == 0


def test_create_course_option(tmp_path):
    with pytest.raises(CommandError, match="'EC17' does not exist"):
        run(REAL)
    run(REAL, "--create-course")
    assert StandardLogEntry.objects.count() == len(real_rows())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\n\r\n  \n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "binary"),
        (b"PK\x03\x04" + b"\x00" * 30, "ZIP"),
        (b"%PDF-1.4\n", "PDF"),
        (b"<!DOCTYPE html><html><table></table></html>", "HTML"),
        (
            b"Name,Score\nAna,3\n",
            "line 1: required columns missing: 'Time', 'Event context', 'Event name'",
        ),
        (b"Time,Event context,Event name,Description\n", "header but no rows"),
        (b'[{"time": "1/1/17, 10:00"', "line 1: the JSON cannot be read"),
    ],
)
def test_bad_files_name_the_file_and_change_nothing(course, tmp_path, content, problem):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        run(path)
    assert str(path) in str(error.value)
    assert problem in str(error.value)
    assert StandardLogEntry.objects.count() == 0


def _yearless(text: str) -> str:
    """ "27/06/17, 05:54" as older sites write it: "27 June, 05:54"."""
    moment = dt.datetime.strptime(text, "%d/%m/%y, %H:%M")
    return f"{moment.day} {moment:%B}, {moment:%H:%M}"


def _imported_times() -> list[int]:
    return sorted(StandardLogEntry.objects.values_list("timecreated", flat=True))


def _per_user_blocks(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The export's rows grouped by user, each block newest first (as some sites)."""
    by_user: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        found = USER_ID.search(row["Description"])
        by_user.setdefault(found.group(1) if found else "", []).append(row)
    return [row for user in sorted(by_user) for row in by_user[user]]


def test_yearless_real_export_in_time_order_gets_its_years(course, tmp_path):
    run(REAL, "--timezone", "UTC")
    expected = _imported_times()
    StandardLogEntry.objects.all().delete()
    rows = [dict(r, Time=_yearless(r["Time"])) for r in real_rows()]
    path = tmp_path / "yearless.csv"
    path.write_text(csv_text([list(r.values()) for r in rows]))
    now = dt.datetime(2017, 8, 1, tzinfo=dt.UTC)
    moodle_log_import(path=path, course_shortname="EC17", tz_name="UTC", now=now)
    assert _imported_times() == expected


def test_yearless_per_user_blocks_are_refused_unless_the_year_is_given(
    course, tmp_path
):
    """Before: 696 rows spread over dozens of made-up years, and exit 0."""
    run(REAL, "--timezone", "UTC")
    expected = _imported_times()
    StandardLogEntry.objects.all().delete()
    rows = [dict(r, Time=_yearless(r["Time"])) for r in _per_user_blocks(real_rows())]
    path = tmp_path / "blocks.csv"
    path.write_text(csv_text([list(r.values()) for r in rows]))
    with pytest.raises(CommandError) as error:
        run(path, "--timezone", "UTC")
    assert "the rows are not in time order" in str(error.value)
    assert "pass the year with --year" in str(error.value)
    assert StandardLogEntry.objects.count() == 0
    run(path, "--timezone", "UTC", "--year", "2017")
    assert _imported_times() == expected


def _stale_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheet's <dimension> as tools that do not update it leave it."""
    import zipfile

    data = path.read_bytes()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(
                    rb'<dimension ref="[^"]*" ?/>',
                    f'<dimension ref="{ref}"/>'.encode(),
                    content,
                )
                assert count == 1
            target.writestr(item, content)


@pytest.mark.parametrize("ref", ["A1:I3", "A1"])
def test_xlsx_with_a_stale_dimension_imports_every_row(course, tmp_path, ref):
    """Before: 2 rows of 50 (A1:I3) or none (A1), and exit 0."""
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in _sheet_rows(50):
        workbook.active.append(row)
    path = tmp_path / "log.xlsx"
    workbook.save(path)
    _stale_dimension(path, ref)
    run(path)
    assert StandardLogEntry.objects.count() == 50


def _ods_with_repeated_row(path: Path, repeat: int) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Log")
    for index, values in enumerate(_sheet_rows(3)):
        row = TableRow(numberrowsrepeated=repeat) if index == 1 else TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def test_ods_repeated_rows_are_identical_rows(course, tmp_path):
    path = _ods_with_repeated_row(tmp_path / "log.ods", 3)
    run(path)
    assert StandardLogEntry.objects.count() == 3 + 2  # one row three times, two once


def test_ods_repeat_bomb_is_refused_before_it_is_expanded(course, tmp_path):
    """Before: 3,000,000 events and 3.6 GB of memory from a 1 KB file."""
    import resource

    path = _ods_with_repeated_row(tmp_path / "bomb.ods", 3_000_000)
    assert path.stat().st_size < 4000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CommandError, match="row 2: this row is repeated 3000000 times"):
        run(path)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert grown_kb < 100_000
    assert StandardLogEntry.objects.count() == 0


def test_gzip_is_unzipped_only_up_to_the_limit(course, tmp_path, monkeypatch):
    """A gzip bomb stops at the limit instead of filling the memory."""
    import gzip

    monkeypatch.setattr("lms.importers.decoding.MAX_UNZIPPED_BYTES", 20_000)
    rows = [list(r.values()) for r in real_rows()]
    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(csv_text(rows).encode()))
    assert len(csv_text(rows)) > 20_000
    with pytest.raises(CommandError, match="the gzip archive holds more than 0 MB"):
        run(path)
    assert StandardLogEntry.objects.count() == 0
    small = tmp_path / "small.csv.gz"
    small.write_bytes(gzip.compress(csv_text(rows[:20]).encode()))
    run(small)
    assert StandardLogEntry.objects.count() == 20
