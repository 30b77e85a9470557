"""import_oulad on small variants of the real files: formats, options and bad input.

Kept apart from test_import_oulad.py, whose module-wide import of the real
presentation would collide with these per-test imports.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from lms.models import Course, Enrolment
from logstore.models import StandardLogEntry
from tests.lms.test_import_oulad import DAY, OULAD, TABLES, table


def subset(
    directory: Path,
    *,
    students: int = 12,
    quoted: bool = False,
    gz: bool = False,
    second: bool = False,
) -> dict:
    """A copy of the presentation with its first `students` students, written as asked.

    With `second`, a made-up presentation BBB-2014B is added with the same rows.
    """
    directory.mkdir(parents=True, exist_ok=True)
    data = {name: table(OULAD, name) for name in TABLES}
    keep = {r["id_student"] for r in data["studentInfo"][:students]}
    for name in (
        "studentInfo",
        "studentRegistration",
        "studentAssessment",
        "studentVle",
    ):
        data[name] = [r for r in data[name] if r["id_student"] in keep]
    if second:
        for name in (
            "courses",
            "vle",
            "studentInfo",
            "studentRegistration",
            "assessments",
            "studentVle",
        ):
            copies = [
                dict(r, code_module="BBB", code_presentation="2014B")
                for r in data[name]
            ]
            if name == "assessments":
                for row in copies:
                    row["id_assessment"] = str(int(row["id_assessment"]) + 100000)
            data[name] += copies
    for name, rows in data.items():
        out = io.StringIO()
        writer = csv.DictWriter(
            out,
            fieldnames=list(rows[0]),
            quoting=csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL,
            lineterminator="\r\n" if quoted else "\n",
        )
        writer.writeheader()
        writer.writerows(rows)
        raw = out.getvalue().encode()
        if gz:
            (directory / f"{name}.csv.gz").write_bytes(gzip.compress(raw))
        else:
            (directory / f"{name}.csv").write_bytes(raw)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
@pytest.mark.parametrize("gz", [False, True], ids=["csv", "gz"])
def test_quoted_plain_and_gzipped_files(tmp_path, quoted, gz):
    data = subset(tmp_path / "oulad", quoted=quoted, gz=gz)
    raw = (tmp_path / "oulad" / ("vle.csv.gz" if gz else "vle.csv")).read_bytes()
    assert raw.startswith(b"\x1f\x8b") is gz
    assert (gzip.decompress(raw) if gz else raw).startswith(b'"') is quoted
    call_command("import_oulad", str(tmp_path / "oulad"), stdout=io.StringIO())
    course = Course.objects.get(shortname="AAA-2013J")
    assert Enrolment.objects.filter(course=course).count() == len(data["studentInfo"])
    assert StandardLogEntry.objects.filter(courseid=course.pk).count() == sum(
        int(r["sum_click"]) for r in data["studentVle"]
    )
    assert Enrolment.objects.filter(
        course=course, timeend__isnull=False
    ).count() == sum(1 for r in data["studentRegistration"] if r["date_unregistration"])


@pytest.mark.django_db
def test_presentation_filter_and_default_start_dates(tmp_path):
    data = subset(tmp_path / "oulad", students=5, second=True)
    call_command(
        "import_oulad",
        str(tmp_path / "oulad"),
        "--presentation",
        "BBB-2014B",
        stdout=io.StringIO(),
    )
    assert list(Course.objects.values_list("shortname", flat=True)) == ["BBB-2014B"]
    course = Course.objects.get()
    assert course.startdate == dt.datetime(2014, 2, 1, tzinfo=dt.UTC)
    clicks = sum(
        int(r["sum_click"]) for r in data["studentVle"] if r["code_module"] == "BBB"
    )
    assert StandardLogEntry.objects.filter(courseid=course.pk).count() == clicks
    # The same students in the second presentation are the same users.
    call_command(
        "import_oulad", str(tmp_path / "oulad"), "--if-empty", stdout=io.StringIO()
    )
    assert Course.objects.count() == 2
    assert get_user_model().objects.filter(username__startswith="oulad").count() == 5


@pytest.mark.django_db
def test_start_date_option(tmp_path):
    subset(tmp_path / "oulad", students=3)
    call_command(
        "import_oulad",
        str(tmp_path / "oulad"),
        "--start-date",
        "2024-09-28",
        stdout=io.StringIO(),
    )
    course = Course.objects.get()
    assert course.startdate == dt.datetime(2024, 9, 28, tzinfo=dt.UTC)
    first = StandardLogEntry.objects.order_by("timecreated").first()
    days = min(int(r["date"]) for r in table(tmp_path / "oulad", "studentVle"))
    assert (first.timecreated - int(course.startdate.timestamp())) // DAY == days


def _break(path: Path, line: int, column: str, value: str) -> None:
    rows = list(csv.DictReader(path.open()))
    rows[line - 2][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: (d / "studentVle.csv").unlink(),
            "studentVle.csv: the OULAD table studentVle is missing",
        ),
        (
            lambda d: (d / "studentInfo.csv").write_text(""),
            "studentInfo.csv: the file is empty",
        ),
        (
            lambda d: (d / "vle.csv").write_text("id_site,activity_type\n1,page\n"),
            "vle.csv, line 1: required columns missing: code_module, code_presentation, week_from",
        ),
        (
            lambda d: _break(d / "studentVle.csv", 5, "sum_click", "many"),
            "studentVle.csv, line 5: sum_click 'many' is not a whole number",
        ),
        (
            lambda d: _break(
                d / "studentRegistration.csv", 3, "date_registration", "1st of May"
            ),
            "studentRegistration.csv, line 3: date_registration '1st of May'",
        ),
        (
            lambda d: (d / "assessments.csv").write_bytes(
                b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"
            ),
            "assessments.csv: the file cannot be read",
        ),
    ],
    ids=[
        "missing-file",
        "empty",
        "missing-columns",
        "bad-number",
        "bad-day",
        "not-csv",
    ],
)
def test_bad_input_names_file_and_line_and_writes_nothing(tmp_path, damage, message):
    subset(tmp_path / "oulad", students=4)
    damage(tmp_path / "oulad")
    with pytest.raises(CommandError) as error:
        call_command("import_oulad", str(tmp_path / "oulad"), stdout=io.StringIO())
    assert message in str(error.value)
    assert Course.objects.count() == 0
    assert StandardLogEntry.objects.count() == 0
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_unknown_presentation_is_refused(tmp_path):
    subset(tmp_path / "oulad", students=2)
    with pytest.raises(
        CommandError, match="no presentation CCC-2014J; the file has AAA-2013J"
    ):
        call_command(
            "import_oulad",
            str(tmp_path / "oulad"),
            "--presentation",
            "CCC-2014J",
            stdout=io.StringIO(),
        )


@pytest.mark.django_db
def test_a_presentation_without_clicks_in_the_file_says_so(tmp_path):
    subset(tmp_path / "oulad", students=3, second=True)
    vle = tmp_path / "oulad" / "studentVle.csv"
    lines = vle.read_text().splitlines(keepends=True)
    vle.write_text("".join(line for line in lines if not line.startswith("BBB,")))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_oulad", str(tmp_path / "oulad"), stdout=out, stderr=err)
    assert err.getvalue().strip() == (
        "BBB-2014B: studentVle has no clicks for this presentation, so its course "
        "has no activity log; check that the file is the whole table."
    )
    assert "AAA-2013J" not in err.getvalue()
    assert "BBB-2014B: 3 students" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("line", "column", "value", "message"),
    [
        (2, "module_presentation_length", "-30", "-30 is outside 1-3660"),
        (2, "module_presentation_length", "1000000000", "is outside 1-3660"),
    ],
)
def test_course_lengths_outside_any_real_range_are_refused(
    tmp_path, line, column, value, message
):
    subset(tmp_path / "oulad", students=2)
    _break(tmp_path / "oulad" / "courses.csv", line, column, value)
    with pytest.raises(CommandError) as error:
        call_command("import_oulad", str(tmp_path / "oulad"), stdout=io.StringIO())
    assert f"courses.csv, line {line}: {column} {value} is outside" in str(error.value)
    assert message in str(error.value)
    assert Course.objects.count() == 0
