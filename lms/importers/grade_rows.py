"""The rows of a gradebook export: which columns are people and grades, and checks.

`people_read` returns every row's person and grades, or the problems that would
stop the import: values no column can store, grades outside what the grade
columns hold, and two rows for one person (which would create two accounts, or
give one user two grades of one item).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from lms.importers.events import context_resolve
from lms.importers.limits import (
    ACTIVITY_NAME_LENGTH,
    EMAIL_LENGTH,
    NAME_LENGTH,
    USERNAME_LENGTH,
    text_problem,
)
from lms.importers.tables import Table

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


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize(
        "NFKD", str(text).strip().lower().lstrip("\ufeff")
    )
    return re.sub(
        r"\s+", " ", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def grade_columns(header: list[str]) -> dict[int, str | None]:
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
        (person["first_name"], _("the first name"), NAME_LENGTH),
        (person["last_name"], _("the last name"), NAME_LENGTH),
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


def _duplicate_problem(key: tuple[str, str], person: dict[str, str], line: int) -> str:
    """Two rows for one person would give one user two grades of one item."""
    if key[0] == "username":
        text = _("the username %(value)r is on line %(line)d too")
        value = person["username"]
    elif key[0] == "email":
        text = _("the e-mail %(value)r is on line %(line)d too")
        value = person["email"]
    else:
        text = _("the name %(value)r is on line %(line)d too")
        value = f"{person['first_name']} {person['last_name']}".strip()
    return text % {"value": value, "line": line}


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


def _item_problems(
    table: Table, columns: dict[int, str | None]
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


Person = tuple[int, dict[str, str], dict[int, Decimal]]


def identity_columns(header: list[str]) -> dict[str, int | None]:
    """Column index of each identity field (username, e-mail, names), None if absent."""
    plain = [_plain(name) for name in header]
    return {
        key: next((i for i, name in enumerate(plain) if name in names), None)
        for key, names in IDENTITY.items()
    }


def people_read(
    table: Table, identity: dict[str, int | None], columns: dict[int, str | None]
) -> tuple[list[Person], list[tuple[int | None, str]]]:
    """(line, person, grades by column) of each row, and the problems found."""

    def cell(values: list, key: str) -> str:
        index = identity[key]
        return (
            str(values[index]).strip()
            if index is not None and index < len(values)
            else ""
        )

    people: list[Person] = []
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
            problems.append((line, _duplicate_problem(key, person, seen[key])))
        seen.setdefault(key, line)
        grades, bad = _row_grades(table.header, values, columns)
        problems.extend((line, problem) for problem in bad)
        people.append((line, person, grades))
    return people, problems


def _row_grades(
    header: list[str], values: list, columns: dict[int, str | None]
) -> tuple[dict[int, Decimal], list[str]]:
    grades: dict[int, Decimal] = {}
    problems: list[str] = []
    for index in columns:
        raw = values[index] if index < len(values) else ""
        try:
            number = _number(raw)
        except ValueError:
            problems.append(
                _("%(column)s: %(value)r is not a grade")
                % {"column": header[index], "value": str(raw)}
            )
            continue
        if number is None:
            continue
        problem = _grade_problem(header[index], raw, number)
        if problem:
            problems.append(problem)
        else:
            grades[index] = number
    return grades, problems
