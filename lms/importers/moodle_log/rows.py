"""Rows of a log download: columns by header name, people, times, row identities."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from lms.importers import events as event_map
from lms.importers.errors import ImportFileError, file_error
from lms.importers.limits import FIRST_YEAR, LAST_YEAR, NAME_LENGTH
from lms.importers.tables import JSON_COLUMNS, Table
from lms.importers.times import (
    LogTime,
    YearAmbiguous,
    log_time_parse,
    log_time_timestamp,
    years_infer,
)

COLUMN_NAMES = {
    "time": ["time", "hora", "fecha", "fecha y hora", "timecreated"],
    "fullname": ["user full name", "nombre completo del usuario", "fullnameuser"],
    "affected": ["affected user", "usuario afectado", "relatedfullnameuser"],
    "context": ["event context", "contexto del evento", "context"],
    "component": ["component", "componente"],
    "eventname": ["event name", "nombre evento", "nombre del evento", "eventname"],
    "description": ["description", "descripcion"],
    "origin": ["origin", "origen"],
    "ip": ["ip address", "direccion ip", "ip"],
}
REQUIRED = ["time", "context", "eventname"]
# Usernames of people known only by their Moodle user id.
ID_USERNAME_PREFIX = "moodle"
NO_USER = 0
# Moodle's ids are BIGINT: at most 19 digits.
MAX_ID_DIGITS = 19
_ANONYMOUS_NAMES = {"", "-", "—"}
_USER_ID = re.compile(
    r"(?:user|usuario)\s+(?:with\s+id|con\s+(?:el\s+)?id)\s+'(\d+)'", re.I
)


@dataclass
class LogRow:
    line: int
    time: LogTime | int
    user: tuple[str, str] | None
    related: tuple[str, str] | None
    context: str
    modname: str | None
    activity_name: str
    component: str
    eventname: str
    description: str
    origin: str
    ip: str
    timestamp: int = 0


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize(
        "NFKD", str(text).strip().lower().lstrip("\ufeff")
    )
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain)


def columns_find(table: Table) -> dict[str, int]:
    header = [_plain(name) for name in table.header]
    found: dict[str, int] = {}
    for key, names in COLUMN_NAMES.items():
        for index, name in enumerate(header):
            if name in names and key not in found:
                found[key] = index
    if table.kind == "json" and not found and len(table.header) == len(JSON_COLUMNS):
        found = {
            key: i
            for i, key in enumerate(
                [
                    "time",
                    "fullname",
                    "affected",
                    "context",
                    "component",
                    "eventname",
                    "description",
                    "origin",
                    "ip",
                ]
            )
        }
    missing = [key for key in REQUIRED if key not in found]
    if "fullname" not in found and "description" not in found:
        missing.append("fullname")
    if missing:
        raise file_error(
            table.path,
            _("required columns missing: %(missing)s (the header has: %(header)s).")
            % {
                "missing": ", ".join(
                    repr(COLUMN_NAMES[key][0].capitalize()) for key in missing
                ),
                "header": ", ".join(map(str, table.header)) or _("nothing"),
            },
            line=table.header_line or None,
            unit=table.unit,
        )
    return found


def _person(name: str, description: str, *, related: bool) -> tuple[str, str] | None:
    name = " ".join(str(name).split())
    if name not in _ANONYMOUS_NAMES:
        return ("name", name)
    ids = _USER_ID.findall(description)
    if related:
        return ("id", ids[1]) if len(ids) > 1 else None
    return ("id", ids[0]) if ids else None


def _name_problem(person: tuple[str, str] | None) -> str | None:
    """A full name is stored as first word and the rest (see people.py): each fits."""
    if person is None or person[0] != "name":
        return None
    first, _space, rest = person[1].partition(" ")
    if max(len(first), len(rest)) <= NAME_LENGTH:
        return None
    return _(
        "the name %(name)s… is too long: at most %(limit)d characters for the first "
        "word and %(limit)d for the rest"
    ) % {"name": person[1][:20], "limit": NAME_LENGTH}


def rows_parse(
    table: Table, columns: dict[str, int]
) -> tuple[list[LogRow], list[tuple[int, str]]]:
    rows: list[LogRow] = []
    bad: list[tuple[int, str]] = []

    def cell(values: list[Any], key: str) -> Any:
        index = columns.get(key)
        if index is None or index >= len(values):
            return ""
        value = values[index]
        return (
            value
            if isinstance(value, dt.date)
            else str(value if value is not None else "").strip()
        )

    for line, values in zip(table.lines, table.rows, strict=True):
        raw_time = cell(values, "time")
        try:
            parsed = log_time_parse(raw_time)
        except ValueError as error:
            bad.append((line, _("unreadable time: %(error)s") % {"error": error}))
            continue
        eventname = cell(values, "eventname")
        if not eventname:
            bad.append((line, _("the event name is empty")))
            continue
        description = cell(values, "description")
        long_id = next(
            (n for n in _USER_ID.findall(description) if len(n) > MAX_ID_DIGITS), None
        )
        if long_id:
            bad.append(
                (
                    line,
                    _("the user id %(id)s… in the description is not a Moodle id")
                    % {"id": long_id[:12]},
                )
            )
            continue
        user = _person(cell(values, "fullname"), description, related=False)
        related = _person(cell(values, "affected"), description, related=True)
        name_problem = _name_problem(user) or _name_problem(related)
        if name_problem:
            bad.append((line, name_problem))
            continue
        modname, activity_name = event_map.context_resolve(cell(values, "context"))
        rows.append(
            LogRow(
                line=line,
                time=parsed,
                user=user,
                related=related,
                context=cell(values, "context"),
                modname=modname,
                activity_name=activity_name[:1333],
                component=cell(values, "component"),
                eventname=eventname,
                description=description,
                origin=cell(values, "origin")[:10],
                ip=cell(values, "ip")[:45],
            )
        )
    return rows, bad


class YearsUnknown(Exception):
    """The file's times have no year and their order does not tell it."""

    def __init__(self, newer: LogRow, older: LogRow) -> None:
        self.newer, self.older = newer, older
        super().__init__(newer.line, older.line)

    def file_error(self, path: Path, *, unit: str) -> ImportFileError:
        """The refusal, at the row that breaks the order, asking for --year."""
        return file_error(
            path,
            _(
                "the times have no year and the rows are not in time order: %(older)s "
                "comes after %(newer)s, and the jump between them is no new year. Each "
                "such jump would make a year up, so none is guessed: pass the year "
                "with --year if every row is in one year, or download the log with "
                "years in its times."
            )
            % {
                "older": _day_and_time(self.older.time),
                "newer": _day_and_time(self.newer.time),
            },
            line=self.older.line,
            unit=unit,
        )


def _day_and_time(value: LogTime) -> str:
    """Day/month and clock time, as neutral as a yearless time can be written."""
    return f"{value.day:02d}/{value.month:02d} {value.hour:02d}:{value.minute:02d}"


def timestamps_set(
    rows: list[LogRow], *, year: int | None, zone: ZoneInfo, now: dt.datetime
) -> list[tuple[int, str]]:
    """Fill `timestamp`; return rows whose date does not exist or is out of range.

    Raise YearsUnknown when times have no year, none is given, and the file's order
    does not tell them (see `times.years_infer`).
    """
    yearless = [
        row for row in rows if isinstance(row.time, LogTime) and row.time.year is None
    ]
    if year is not None:
        years = [year] * len(yearless)
    else:
        try:
            years = years_infer(
                [row.time for row in yearless], now=now.astimezone(zone)
            )
        except YearAmbiguous as error:
            raise YearsUnknown(yearless[error.newer], yearless[error.older]) from None
    inferred = {id(row): value for row, value in zip(yearless, years, strict=True)}
    bad = []
    for row in rows:
        if isinstance(row.time, int):
            row.timestamp = row.time
            row_year = dt.datetime.fromtimestamp(row.time, tz=dt.UTC).year
        else:
            row_year = row.time.year or inferred[id(row)]
        if not FIRST_YEAR <= row_year <= LAST_YEAR:
            bad.append(
                (
                    row.line,
                    _("the year %(year)d is outside %(first)d-%(last)d")
                    % {"year": row_year, "first": FIRST_YEAR, "last": LAST_YEAR},
                )
            )
            continue
        if isinstance(row.time, int):
            continue
        try:
            row.timestamp = log_time_timestamp(row.time, year=row_year, zone=zone)
        except ValueError as error:
            bad.append((row.line, _("unreadable time: %(error)s") % {"error": error}))
    return bad


def row_hashes(rows: list[LogRow]) -> list[str]:
    seen: Counter[str] = Counter()
    hashes = []
    for row in rows:
        identity = json.dumps(
            [
                row.timestamp,
                row.user,
                row.related,
                row.context,
                row.component,
                row.eventname,
                row.description,
                row.origin,
                row.ip,
            ]
        )
        seen[identity] += 1
        digest = hashlib.sha1(
            f"{identity}#{seen[identity]}".encode(), usedforsecurity=False
        )
        hashes.append(digest.hexdigest())
    return hashes
