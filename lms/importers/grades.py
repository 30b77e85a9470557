"""Import a Moodle gradebook export of one course: activity grades and final grades.

Moodle's grade export ("Plain text file", also Excel and OpenDocument) has one row
per user: identity columns (First name, Last name, ID number, Institution,
Department, Email address; Username on some sites), one column per grade item and
display type ("Assignment: Essay 1 (Real)", "Quiz: Test (Percentage)"), "Course
total (Real)" and "Last downloaded from this course". We read Real values, or
Percentage when an item has no Real column; Letter columns are ignored; "-" means
no grade.

People are matched by username, then e-mail, then full name; others are created
and enrolled as students, as the log import does. Items are matched to activities
by type and name, and created when missing. Re-importing updates grades in place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError, file_error
from lms.importers.events import context_resolve
from lms.importers.limits import (
    ACTIVITY_NAME_LENGTH,
    EMAIL_LENGTH,
    USERNAME_LENGTH,
    shortname_check,
    text_problem,
)
from lms.importers.people import students_enrol, users_create, users_ensure_by_name
from lms.importers.tables import table_read
from lms.models import Activity, ActivityGrade, Course, CourseGrade

IDENTITY = {
    "first_name": ["first name", "nombre"],
    "last_name": ["last name", "surname", "apellido(s)", "apellidos"],
    "email": [
        "email address",
        "email",
        "direccion de correo",
        "direccion email",
        "correo electronico",
    ],
    "username": ["username", "nombre de usuario"],
}
COURSE_TOTAL = {"course total", "total del curso"}
IGNORED = {
    "id number", "numero de id", "institution", "institucion", "department", "departamento",
    "last downloaded from this course", "ultima descarga de este curso",
}  # fmt: skip
_ITEM = re.compile(r"^(?P<label>.+?)\s*\((?P<kind>[^()]+)\)\s*$")
_REAL = {"real"}
_PERCENT = {"percentage", "porcentaje"}
_LETTER = {"letter", "letra"}
_NO_GRADE = {"", "-", "—"}
# The grade columns hold 10 digits, 5 after the point (as Moodle's).
MAX_GRADE = Decimal("99999.99999")


@dataclass
class GradesImportResult:
    path: str
    rows: int = 0
    users_created: int = 0
    enrolments_created: int = 0
    activities_created: int = 0
    activity_grades: int = 0
    course_grades: int = 0
    items: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize(
        "NFKD", str(text).strip().lower().lstrip("\ufeff")
    )
    return re.sub(
        r"\s+", " ", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def _grade_columns(header: list[str]) -> dict[int, str | None]:
    """Column index → item label ("Assignment: Essay 1"), or None for the course total."""
    found: dict[str, tuple[int, str]] = {}
    for index, name in enumerate(header):
        match = _ITEM.match(str(name))
        label, kind = (
            (match.group("label"), _plain(match.group("kind")))
            if match
            else (str(name), "real")
        )
        if _plain(label) in IGNORED or any(
            _plain(label) in names for names in IDENTITY.values()
        ):
            continue
        if kind in _LETTER or (kind not in _REAL | _PERCENT):
            continue
        if _plain(label) not in COURSE_TOTAL and ":" not in label:
            continue
        key = _plain(label)
        # Real beats Percentage for the same item.
        if key not in found or (kind in _REAL and found[key][1] not in _REAL):
            found[key] = (index, kind)
    columns: dict[int, str | None] = {}
    for key, (index, _kind) in found.items():
        label = _ITEM.match(str(header[index]))
        text = label.group("label") if label else str(header[index])
        columns[index] = None if key in COURSE_TOTAL else text.strip()
    return columns


def _grade_problem(column: str, raw: object, number: Decimal) -> str | None:
    if abs(number) <= MAX_GRADE:
        return None
    return _("%(column)s: %(value)s is out of range (at most %(limit)s either way)") % {
        "column": column,
        "value": str(raw).strip(),
        "limit": MAX_GRADE,
    }


def _identity_problems(person: dict[str, str]) -> list[str]:
    checks = [
        (person["username"], _("the username"), USERNAME_LENGTH),
        (person["email"], _("the e-mail"), EMAIL_LENGTH),
    ]
    return [
        problem
        for value, label, limit in checks
        if (problem := text_problem(value, label=label, max_length=limit))
    ]


def _identity_key(person: dict[str, str]) -> tuple[str, str]:
    """What the row is matched by (see `_users_match`), compared without case."""
    if person["username"]:
        return ("username", person["username"].lower())
    if person["email"]:
        return ("email", person["email"].lower())
    return ("name", f"{person['first_name']} {person['last_name']}".strip().casefold())


def _duplicate_problem(key: tuple[str, str], value: str, first_line: int) -> str:
    labels = {"username": _("username"), "email": _("e-mail"), "name": _("name")}
    return _("the %(what)s %(value)r is on line %(line)d too") % {
        "what": labels[key[0]],
        "value": value,
        "line": first_line,
    }


def _number(value: object) -> Decimal | None:
    text = str(value).strip().rstrip("%").strip()
    if text in _NO_GRADE:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text.replace(" ", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


def grades_import(
    *, path: Path, course_shortname: str, encoding: str | None = None
) -> GradesImportResult:
    """Import the grades of `course_shortname` from a gradebook export."""
    path = Path(path)
    shortname_check(path, course_shortname)
    course = Course.objects.filter(shortname=course_shortname).first()
    if course is None:
        raise file_error(
            path,
            _("the course %(shortname)r does not exist.")
            % {"shortname": course_shortname},
        )
    table = table_read(path, encoding=encoding)
    plain = [_plain(name) for name in table.header]
    identity = {
        key: next((i for i, name in enumerate(plain) if name in names), None)
        for key, names in IDENTITY.items()
    }
    can_identify = (
        identity["username"] is not None
        or identity["email"] is not None
        or (identity["first_name"] is not None and identity["last_name"] is not None)
    )
    columns = _grade_columns(table.header)
    missing = []
    if not can_identify:
        missing.append(
            _("a user column (Email address, Username, or First name and Last name)")
        )
    if not columns:
        missing.append(
            _(
                'grade columns such as "Assignment: Essay (Real)" or "Course total (Real)"'
            )
        )
    if missing:
        raise file_error(
            path,
            _("required columns missing: %(missing)s (the header has: %(header)s).")
            % {
                "missing": "; ".join(missing),
                "header": ", ".join(map(str, table.header)),
            },
            line=table.header_line or None,
            unit=table.unit,
        )
    if not table.rows:
        raise file_error(
            path,
            _("the file has a header but no rows."),
            line=table.header_line or None,
            unit=table.unit,
        )

    def cell(values: list, key: str) -> str:
        index = identity[key]
        return (
            str(values[index]).strip()
            if index is not None and index < len(values)
            else ""
        )

    people: list[tuple[int, dict[str, str], dict[int, Decimal]]] = []
    problems: list[tuple[int | None, str]] = _item_problems(table, columns)
    seen: dict[tuple[str, str], int] = {}
    for line, values in zip(table.lines, table.rows, strict=True):
        person = {key: cell(values, key) for key in IDENTITY}
        if not (
            person["username"]
            or person["email"]
            or (person["first_name"] + person["last_name"]).strip()
        ):
            problems.append((line, _("no username, e-mail or name")))
            continue
        problems.extend((line, problem) for problem in _identity_problems(person))
        key = _identity_key(person)
        if key in seen:
            # Two rows for one person would give one user two grades of an item.
            shown = {"username": "username", "email": "email"}.get(key[0])
            value = (
                person[shown]
                if shown
                else f"{person['first_name']} {person['last_name']}".strip()
            )
            problems.append((line, _duplicate_problem(key, value, seen[key])))
        seen.setdefault(key, line)
        grades: dict[int, Decimal] = {}
        for index in columns:
            raw = values[index] if index < len(values) else ""
            try:
                number = _number(raw)
            except ValueError:
                problems.append(
                    (
                        line,
                        _("%(column)s: %(value)r is not a grade")
                        % {"column": table.header[index], "value": str(raw)},
                    )
                )
                continue
            if number is None:
                continue
            problem = _grade_problem(table.header[index], raw, number)
            if problem:
                problems.append((line, problem))
            else:
                grades[index] = number
        people.append((line, person, grades))
    if problems:
        raise ImportFileError(path, problems, unit=table.unit)

    result = GradesImportResult(path=str(path), rows=len(table.rows))
    result.items = [label or _("Course total") for label in columns.values()]
    with transaction.atomic():
        users = _users_match(people, result)
        result.enrolments_created = students_enrol(
            course=course, users=users.values(), timestart=course.startdate
        )
        activities = _activities_ensure(course, columns, result)
        now = timezone.now()
        activity_rows, course_rows = [], []
        for line, _person, grades in people:
            user = users[line]
            for index, grade in grades.items():
                if columns[index] is None:
                    course_rows.append(
                        CourseGrade(
                            user=user, course=course, finalgrade=grade, timemodified=now
                        )
                    )
                else:
                    activity_rows.append(
                        ActivityGrade(
                            user=user, activity=activities[index], grade=grade
                        )
                    )
        ActivityGrade.objects.bulk_create(
            activity_rows,
            update_conflicts=True,
            unique_fields=["user", "activity"],
            update_fields=["grade"],
        )
        CourseGrade.objects.bulk_create(
            course_rows,
            update_conflicts=True,
            unique_fields=["user", "course"],
            update_fields=["finalgrade", "timemodified"],
        )
    result.activity_grades = len(activity_rows)
    result.course_grades = len(course_rows)
    return result


def _item_problems(
    table, columns: dict[int, str | None]
) -> list[tuple[int | None, str]]:
    problems: list[tuple[int | None, str]] = []
    for label in columns.values():
        if label is None:
            continue
        _modname, name = context_resolve(label)
        problem = text_problem(
            name, label=_("the grade item name"), max_length=ACTIVITY_NAME_LENGTH
        )
        if problem:
            problems.append((table.header_line or None, problem))
    return problems


def _users_match(
    people: list[tuple[int, dict[str, str], dict]], result: GradesImportResult
) -> dict[int, object]:
    """Line → user: by username, else e-mail, else full name (created when none fits)."""
    user_model = get_user_model()
    usernames = {p["username"] for _l, p, _g in people if p["username"]}
    emails = {p["email"].lower() for _l, p, _g in people if p["email"]}
    by_username = {
        u.username: u for u in user_model.objects.filter(username__in=usernames)
    }
    by_email: dict[str, object] = {}
    for user in user_model.objects.filter(email__in=emails).order_by("pk"):
        by_email.setdefault(user.email.lower(), user)
    matched: dict[int, object] = {}
    to_create: dict[str, dict] = {}
    unresolved: list[tuple[int, dict[str, str]]] = []
    for line, person, _grades in people:
        user = by_username.get(person["username"]) or by_email.get(
            person["email"].lower()
        )
        if user is not None:
            matched[line] = user
        elif person["username"] or person["email"]:
            base = (
                person["username"] or slugify(person["email"].split("@")[0]) or "user"
            )
            username, suffix = base, 1
            while (
                username in to_create
                or user_model.objects.filter(username=username).exists()
            ):
                suffix += 1
                username = f"{base}-{suffix}"
            to_create[username] = {
                "username": username,
                "email": person["email"],
                "first_name": person["first_name"][:150],
                "last_name": person["last_name"][:150],
            }
            person["_username"] = username
            unresolved.append((line, person))
        else:
            unresolved.append((line, person))
    created = {
        user.username: user for user in users_create(rows=list(to_create.values()))
    }
    names = [
        f"{p['first_name']} {p['last_name']}".strip()
        for _l, p in unresolved
        if "_username" not in p
    ]
    by_name, named_created = users_ensure_by_name(names=names)
    for line, person in unresolved:
        if "_username" in person:
            matched[line] = created[person["_username"]]
        else:
            matched[line] = by_name[
                f"{person['first_name']} {person['last_name']}".strip()
            ]
    result.users_created = len(created) + named_created
    return matched


def _activities_ensure(
    course: Course, columns: dict[int, str | None], result: GradesImportResult
) -> dict[int, Activity]:
    existing = {(a.modname, a.name): a for a in Activity.objects.filter(course=course)}
    activities: dict[int, Activity] = {}
    for index, label in columns.items():
        if label is None:
            continue
        modname, name = context_resolve(label)
        modname = modname or "assign"
        activity = existing.get((modname, name))
        if activity is None:
            activity = Activity.objects.create(
                course=course, modname=modname, name=name, section=1
            )
            existing[(modname, name)] = activity
            result.activities_created += 1
        activities[index] = activity
    return activities
