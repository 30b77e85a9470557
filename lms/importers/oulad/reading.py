"""Reading OULAD's tables: quoted or plain CSV, plain or gzipped, with line numbers."""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError, file_error
from lms.importers.limits import IDNUMBER_LENGTH, range_problem, text_problem

ASSESSMENT_KINDS = ("TMA", "CMA", "Exam")
TABLES = {
    "courses": ["code_module", "code_presentation", "module_presentation_length"],
    "vle": [
        "id_site",
        "code_module",
        "code_presentation",
        "activity_type",
        "week_from",
    ],
    "studentInfo": ["code_module", "code_presentation", "id_student", "final_result"],
    "studentRegistration": [
        "code_module",
        "code_presentation",
        "id_student",
        "date_registration",
        "date_unregistration",
    ],
    "assessments": [
        "code_module",
        "code_presentation",
        "id_assessment",
        "assessment_type",
        "date",
        "weight",
    ],
    "studentAssessment": ["id_assessment", "id_student", "date_submitted", "score"],
    "studentVle": [
        "code_module",
        "code_presentation",
        "id_student",
        "id_site",
        "date",
        "sum_click",
    ],
}
_MISSING = {"", "?", "NA", "nan"}
# Bounds outside which no real OULAD value lies (ids are Moodle's BIGINT; days are
# relative to the start, and the dataset's run from -322 to 269).
IDS = (0, 2**63 - 1)
DAYS = (-3660, 3660)
LENGTH = (1, 3660)
WEEKS = (-523, 523)
PERCENT = (0, 100)
# A day's clicks are spread over its seconds (see the package docstring).
CLICKS = (0, 86400)
TEXT_LENGTH = 100
CLICK_BOUNDS = {"id_student": IDS, "id_site": IDS, "date": DAYS, "sum_click": CLICKS}


class OuladTable:
    """Rows of one table as dicts, with line numbers, and number parsing that reports."""

    def __init__(self, directory: Path, name: str) -> None:
        self.name = name
        self.path = self._find(directory, name)
        self.problems: list[tuple[int | None, str]] = []

    @staticmethod
    def _find(directory: Path, name: str) -> Path:
        for candidate in (directory / f"{name}.csv", directory / f"{name}.csv.gz"):
            if candidate.is_file():
                return candidate
        raise file_error(
            directory / f"{name}.csv",
            _(
                "the OULAD table %(name)s is missing (looked for %(name)s.csv and %(name)s.csv.gz)."
            )
            % {"name": name},
        )

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            with oulad_csv_open(self.path) as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    raise file_error(self.path, _("the file is empty."))
                header = [name.strip() for name in header]
                missing = [c for c in TABLES[self.name] if c not in header]
                if missing:
                    raise file_error(
                        self.path,
                        _(
                            "required columns missing: %(missing)s (the header has: %(header)s)."
                        )
                        % {"missing": ", ".join(missing), "header": ", ".join(header)},
                        line=1,
                    )
                last = reader.line_num
                for values in reader:
                    start, last = last + 1, reader.line_num
                    if not values:
                        continue
                    if len(values) != len(header):
                        self.problem(
                            start,
                            _("%(count)d values for %(columns)d columns")
                            % {"count": len(values), "columns": len(header)},
                        )
                        continue
                    yield start, dict(zip(header, values, strict=True))
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as error:
            raise file_error(
                self.path, _("the file cannot be read (%(error)s).") % {"error": error}
            ) from None

    def problem(self, line: int, reason: str) -> None:
        self.problems.append((line, reason))
        if len(self.problems) >= 20:
            self.check()

    def integer(
        self,
        line: int,
        row: dict[str, str],
        column: str,
        *,
        optional: bool = False,
        bounds: tuple[int, int] = IDS,
    ) -> int | None:
        """The column's whole number within `bounds`, or None (a problem noted)."""
        value = row[column].strip()
        if value in _MISSING:
            if not optional:
                self.problem(line, _("%(column)s is empty") % {"column": column})
            return None
        try:
            number = int(value)
        except ValueError:
            try:
                real = float(value)
            except ValueError:
                real = math.nan
            if not real.is_integer():
                self.problem(
                    line,
                    _("%(column)s %(value)r is not a whole number")
                    % {"column": column, "value": value},
                )
                return None
            number = int(real)
        return self.bounded(line, column, number, bounds)

    def number(
        self, line: int, row: dict[str, str], column: str, *, bounds: tuple[int, int]
    ) -> float | None:
        value = row[column].strip()
        if value in _MISSING:
            return None
        try:
            number = float(value)
        except ValueError:
            self.problem(
                line,
                _("%(column)s %(value)r is not a number")
                % {"column": column, "value": value},
            )
            return None
        return self.bounded(line, column, number, bounds, shown=value)

    def bounded(
        self,
        line: int,
        column: str,
        value: float,
        bounds: tuple[int, int],
        *,
        shown: str | None = None,
    ) -> float | None:
        """`value` if within `bounds` (NaN never is), else None and a problem."""
        problem = range_problem(
            value, label=column, low=bounds[0], high=bounds[1], shown=shown
        )
        if problem is None:
            return value
        self.problem(line, problem)
        return None

    def text(self, line: int, row: dict[str, str], column: str) -> str:
        """The column's text, stripped; a problem noted if no column could store it."""
        value = row[column].strip()
        problem = text_problem(value, label=column, max_length=TEXT_LENGTH)
        if problem:
            self.problem(line, problem)
        return value

    def check(self) -> None:
        if self.problems:
            raise ImportFileError(self.path, self.problems)


@dataclass
class Presentation:
    module: str
    code: str
    length: int
    line: int
    students: dict[int, dict] = field(default_factory=dict)
    sites: list[tuple[int, str, int | None]] = field(default_factory=list)
    assessments: list[tuple[int, str, int | None, float]] = field(default_factory=list)
    submissions: list[tuple[int, int, int | None, float | None]] = field(
        default_factory=list
    )
    clicks: list[list[int]] = field(default_factory=lambda: [[], [], [], []])

    @property
    def key(self) -> str:
        return f"{self.module}-{self.code}"


def presentations_read(
    directory: Path, wanted: list[str] | None
) -> dict[tuple[str, str], Presentation]:
    courses = OuladTable(directory, "courses")
    found: dict[tuple[str, str], Presentation] = {}
    for line, row in courses.rows():
        length = courses.integer(line, row, "module_presentation_length", bounds=LENGTH)
        module = courses.text(line, row, "code_module")
        code = courses.text(line, row, "code_presentation")
        key = f"{module}-{code}"
        if len(key) > IDNUMBER_LENGTH:  # the course's ID number is the key
            courses.problem(
                line,
                text_problem(
                    key, label=_("the course short name"), max_length=IDNUMBER_LENGTH
                ),
            )
        elif length is not None:
            found[(module, code)] = Presentation(module, code, int(length), line)
    courses.check()
    if not found:
        raise file_error(courses.path, _("the file lists no module presentation."))
    if wanted:
        keys = {f"{m}-{c}": (m, c) for m, c in found}
        unknown = [w for w in wanted if w not in keys]
        if unknown:
            raise file_error(
                courses.path,
                _("no presentation %(unknown)s; the file has %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(keys))},
            )
        found = {keys[w]: found[keys[w]] for w in wanted}
    return found


def presentation_details_read(
    directory: Path, found: dict[tuple[str, str], Presentation]
) -> None:
    """Fill the presentations in `found` from the other six tables."""
    if not found:
        return
    info = OuladTable(directory, "studentInfo")
    for line, row in info.rows():
        p = found.get((row["code_module"].strip(), row["code_presentation"].strip()))
        if p is None:
            continue
        student = info.integer(line, row, "id_student")
        if student is not None:
            p.students[student] = {
                "result": row["final_result"].strip(),
                "region": row.get("region", ""),
            }
    info.check()

    registration = OuladTable(directory, "studentRegistration")
    for line, row in registration.rows():
        p = found.get((row["code_module"].strip(), row["code_presentation"].strip()))
        if p is None:
            continue
        student = registration.integer(line, row, "id_student")
        start = registration.integer(
            line, row, "date_registration", optional=True, bounds=DAYS
        )
        end = registration.integer(
            line, row, "date_unregistration", optional=True, bounds=DAYS
        )
        if student in p.students:
            p.students[student].update(registered=start, unregistered=end)
    registration.check()

    vle = OuladTable(directory, "vle")
    for line, row in vle.rows():
        p = found.get((row["code_module"].strip(), row["code_presentation"].strip()))
        if p is None:
            continue
        site = vle.integer(line, row, "id_site")
        week = vle.integer(line, row, "week_from", optional=True, bounds=WEEKS)
        kind = vle.text(line, row, "activity_type")
        if site is not None:
            p.sites.append((site, kind, week))
    vle.check()

    assessments = OuladTable(directory, "assessments")
    by_assessment: dict[int, Presentation] = {}
    for line, row in assessments.rows():
        p = found.get((row["code_module"].strip(), row["code_presentation"].strip()))
        if p is None:
            continue
        ident = assessments.integer(line, row, "id_assessment")
        kind = row["assessment_type"].strip()
        if kind not in ASSESSMENT_KINDS:
            assessments.problem(
                line, _("unknown assessment type %(type)r") % {"type": kind}
            )
        due = assessments.integer(line, row, "date", optional=True, bounds=DAYS)
        weight = assessments.number(line, row, "weight", bounds=PERCENT) or 0.0
        if ident is not None:
            p.assessments.append((ident, kind, due, weight))
            by_assessment[ident] = p
    assessments.check()

    submissions = OuladTable(directory, "studentAssessment")
    for line, row in submissions.rows():
        ident = submissions.integer(line, row, "id_assessment")
        p = by_assessment.get(ident)
        if p is None:
            continue
        student = submissions.integer(line, row, "id_student")
        day = submissions.integer(
            line, row, "date_submitted", optional=True, bounds=DAYS
        )
        score = submissions.number(line, row, "score", bounds=PERCENT)
        if student in p.students:
            p.submissions.append((ident, student, day, score))
    submissions.check()

    clicks = OuladTable(directory, "studentVle")
    for line, row in clicks.rows():
        p = found.get((row["code_module"], row["code_presentation"]))
        if p is None:
            continue
        try:
            values = (
                int(row["id_student"]),
                int(row["id_site"]),
                int(row["date"]),
                int(row["sum_click"]),
            )
        except ValueError:
            for column in ("id_student", "id_site", "date", "sum_click"):
                clicks.integer(line, row, column, bounds=CLICK_BOUNDS[column])
            continue
        if not all(
            low <= value <= high
            for value, (low, high) in zip(values, CLICK_BOUNDS.values(), strict=True)
        ):
            for value, (column, bounds) in zip(
                values, CLICK_BOUNDS.items(), strict=True
            ):
                clicks.bounded(line, column, value, bounds)
            continue
        for column, value in zip(p.clicks, values, strict=True):
            column.append(value)
    clicks.check()


def oulad_csv_open(path: Path) -> io.TextIOBase:
    """A text handle on a plain or gzipped OULAD CSV (what tests compare against)."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    if gzipped:
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")
