"""import_grades: Moodle gradebook exports into ActivityGrade and CourseGrade."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from access.models import RoleAssignment
from access.selectors import context_of
from lms.models import Activity, ActivityGrade, CourseGrade, Enrolment
from tests.factories import ActivityFactory, CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "First name",
    "Last name",
    "ID number",
    "Institution",
    "Department",
    "Email address",
    "Assignment: Essay 1 (Real)",
    "Assignment: Essay 1 (Percentage)",
    "Quiz: Week 2 test (Real)",
    "Forum: Debate (Letter)",
    "Course total (Real)",
    "Last downloaded from this course",
]
ROWS = [
    ["Ana", "Pérez", "", "", "", "ana@example.org", "78.50", "78.50 %", "9.00", "B", "71.20", "1498000000"],
    ["Luis", "Gómez", "", "", "", "luis@example.org", "-", "-", "4.00", "-", "30.00", "1498000000"],
    ["Eva", "Ruiz", "", "", "", "", "55.00", "55.00 %", "-", "C", "-", "1498000000"],
]  # fmt: skip


def write(
    path: Path,
    rows: list[list[str]],
    header: list[str] = HEADER,
    encoding: str = "utf-8",
) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.fixture
def course():
    return CourseFactory(shortname="EC17")


def run(path: Path) -> str:
    out = io.StringIO()
    call_command("import_grades", str(path), "--course", "EC17", stdout=out)
    return out.getvalue()


def test_grades_land_on_matching_users_and_activities(course, tmp_path):
    ana = UserFactory(email="ana@example.org", first_name="Ana", last_name="Pérez")
    essay = ActivityFactory(course=course, modname="assign", name="Essay 1")
    run(write(tmp_path / "grades.csv", ROWS))
    assert ActivityGrade.objects.get(user=ana, activity=essay).grade == Decimal("78.5")
    quiz = Activity.objects.get(course=course, name="Week 2 test")
    assert quiz.modname == "quiz"
    assert not Activity.objects.filter(name="Debate").exists()  # letters only
    finals = {
        g.user.email or g.user.first_name: g.finalgrade
        for g in CourseGrade.objects.filter(course=course).select_related("user")
    }
    assert finals == {
        "ana@example.org": Decimal("71.2"),
        "luis@example.org": Decimal("30"),
    }
    eva = get_user_model().objects.get(first_name="Eva", last_name="Ruiz")
    assert ActivityGrade.objects.filter(user=eva).count() == 1
    # Everyone in the gradebook is enrolled as a student.
    assert Enrolment.objects.filter(course=course).count() == 3
    assert (
        RoleAssignment.objects.filter(
            context=context_of(course), role__shortname="student"
        ).count()
        == 3
    )


def test_reimport_updates_in_place(course, tmp_path):
    run(write(tmp_path / "grades.csv", ROWS))
    changed = [row[:] for row in ROWS]
    changed[0][10] = "80.00"
    run(write(tmp_path / "grades.csv", changed))
    assert CourseGrade.objects.count() == 2
    assert ActivityGrade.objects.count() == 4
    assert CourseGrade.objects.get(user__email="ana@example.org").finalgrade == Decimal(
        "80"
    )


def test_spanish_latin1_export_with_decimal_commas(course, tmp_path):
    header = [
        "Nombre",
        "Apellido(s)",
        "Dirección de correo",
        "Tarea: Ensayo (Real)",
        "Total del curso (Real)",
    ]
    rows = [["José", "Núñez", "jose@example.org", "7,50", "64,25"]]
    run(write(tmp_path / "notas.csv", rows, header=header, encoding="latin-1"))
    jose = get_user_model().objects.get(email="jose@example.org")
    assert jose.first_name == "José"
    assert CourseGrade.objects.get(user=jose).finalgrade == Decimal("64.25")
    assert ActivityGrade.objects.get(
        user=jose, activity__name="Ensayo"
    ).grade == Decimal("7.5")


def test_xlsx_export(course, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    for row in ROWS:
        workbook.active.append(
            [float(v) if v.replace(".", "").isdigit() else v for v in row]
        )
    workbook.save(tmp_path / "grades.xlsx")
    run(tmp_path / "grades.xlsx")
    assert CourseGrade.objects.count() == 2


def test_unreadable_grade_names_the_line_and_changes_nothing(course, tmp_path):
    rows = [row[:] for row in ROWS]
    rows[1][8] = "four"
    with pytest.raises(
        CommandError, match=r"grades\.csv, line 3: Quiz: Week 2 test \(Real\): 'four'"
    ):
        run(write(tmp_path / "grades.csv", rows))
    assert ActivityGrade.objects.count() == 0
    assert get_user_model().objects.count() == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (
            b"First name,Last name,Email address\nAna,P,a@x.org\n",
            "line 1: required columns missing: grade columns",
        ),
        (
            b"Essay (Real),Course total (Real)\n3,4\n",
            "line 1: required columns missing: a user column",
        ),
        (b"PK\x03\x04junk", "ZIP"),
    ],
)
def test_bad_files(course, tmp_path, content, problem):
    path = tmp_path / "grades.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        run(path)
    assert str(path) in str(error.value)
    assert problem in str(error.value)


def test_unknown_course(tmp_path):
    with pytest.raises(CommandError, match="the course 'EC17' does not exist"):
        run(write(tmp_path / "grades.csv", ROWS))


@pytest.mark.parametrize(
    ("second", "problem"),
    [
        (
            ["Anita", "Pérez", "", "", "", "ANA@example.org"],
            "line 4: the e-mail 'ANA@example.org' is on line 2 too",
        ),
        (
            ["eva", "RUIZ", "", "", "", ""],
            "line 4: the name 'eva RUIZ' is on line 3 too",
        ),
    ],
)
def test_two_rows_for_one_person_are_refused_with_both_lines(
    course, tmp_path, second, problem
):
    """Before: two accounts (or one user graded twice), then a failing re-import."""
    rows = [ROWS[0], ROWS[2], second + ROWS[0][6:]]
    users = get_user_model().objects.count()
    with pytest.raises(CommandError) as error:
        run(write(tmp_path / "grades.csv", rows))
    assert problem in str(error.value)
    assert get_user_model().objects.count() == users
    assert CourseGrade.objects.count() == ActivityGrade.objects.count() == 0


@pytest.mark.parametrize("value", ["100000", "1e5", "-100000", "1E+400"])
def test_grades_the_column_cannot_hold_are_refused(course, tmp_path, value):
    rows = [ROWS[0][:10] + [value, ROWS[0][11]]]
    with pytest.raises(CommandError) as error:
        run(write(tmp_path / "grades.csv", rows))
    assert f"line 2: Course total (Real): {value} is out of range" in str(error.value)
    assert CourseGrade.objects.count() == 0


def test_largest_grade_the_column_holds_is_kept(course, tmp_path):
    rows = [ROWS[0][:10] + ["99999.99999", ROWS[0][11]]]
    run(write(tmp_path / "grades.csv", rows))
    assert CourseGrade.objects.get().finalgrade == Decimal("99999.99999")
