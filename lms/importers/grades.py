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

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError, file_error
from lms.importers.events import context_resolve
from lms.importers.grade_rows import grade_columns, identity_columns, people_read
from lms.importers.limits import shortname_check
from lms.importers.people import students_enrol, users_create, users_ensure_by_name
from lms.importers.tables import table_read
from lms.models import Activity, ActivityGrade, Course, CourseGrade
from logstore.services.rollup import bulk_write_finished


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
    identity = identity_columns(table.header)
    can_identify = (
        identity["username"] is not None
        or identity["email"] is not None
        or (identity["first_name"] is not None and identity["last_name"] is not None)
    )
    columns = grade_columns(table.header)
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

    people, problems = people_read(table, identity, columns)
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
        bulk_write_finished(models_=[ActivityGrade, CourseGrade])
    result.activity_grades = len(activity_rows)
    result.course_grades = len(course_rows)
    return result


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
