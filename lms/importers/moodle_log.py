"""Import the log report download of one Moodle course into the standard log store.

The whole file is read and checked first; nothing is written while any row is bad
unless the caller skips bad rows. Then, in one transaction: activities named in
"Event context" are created, people are found or created and enrolled as students,
and one log row per file row is written.

Re-importing is harmless: each row's identity (time, user, context, event,
description, origin, IP and how many identical rows came before it in the file) is
hashed and stored in the row's `other` as {"import": "<sha1>"}; rows whose hash the
course already has are skipped. The same log saved as CSV, xlsx or JSON has the same
hashes, because they are computed from parsed values.

Rows with no identifiable user (the name anonymised and no user id in the
description, as for some plug-ins' events) are kept with user id 0, Moodle's "no
user", so the course's event counts stay exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Context, ContextLevel
from access.selectors import context_of
from access.services import contexts_bulk_ensure
from lms.importers import events as event_map
from lms.importers.errors import ImportFileError, file_error
from lms.importers.people import (
    students_enrol,
    users_ensure_by_id,
    users_ensure_by_name,
)
from lms.importers.tables import JSON_COLUMNS, Table, table_read
from lms.importers.times import LogTime, log_time_parse, log_time_timestamp, years_infer
from lms.models import Activity, Category, Course
from logstore.models import StandardLogEntry
from logstore.services import log_rows_write

# Header names per column: English, Spanish, and Moodle's internal names (JSON).
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
_ANONYMOUS_NAMES = {"", "-", "—"}
_USER_ID = re.compile(
    r"(?:user|usuario)\s+(?:with\s+id|con\s+(?:el\s+)?id)\s+'(\d+)'", re.I
)


@dataclass
class LogImportResult:
    path: str
    kind: str
    encoding: str
    rows: int = 0
    events_created: int = 0
    events_already_there: int = 0
    users_created: int = 0
    enrolments_created: int = 0
    activities_created: int = 0
    unattributed: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False
    first_time: int | None = None
    last_time: int | None = None


@dataclass
class _Row:
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


def _columns_find(table: Table) -> dict[str, int]:
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


def _rows_parse(
    table: Table, columns: dict[str, int]
) -> tuple[list[_Row], list[tuple[int, str]]]:
    rows: list[_Row] = []
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
        modname, activity_name = event_map.context_resolve(cell(values, "context"))
        rows.append(
            _Row(
                line=line,
                time=parsed,
                user=_person(cell(values, "fullname"), description, related=False),
                related=_person(cell(values, "affected"), description, related=True),
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


def _timestamps_set(
    rows: list[_Row], *, year: int | None, zone: ZoneInfo, now: dt.datetime
) -> list[tuple[int, str]]:
    """Fill `timestamp`; return rows whose date does not exist (29 Feb of a non-leap year)."""
    yearless = [
        row for row in rows if isinstance(row.time, LogTime) and row.time.year is None
    ]
    if year is not None:
        years = [year] * len(yearless)
    else:
        years = years_infer([row.time for row in yearless], now=now.astimezone(zone))
    inferred = {id(row): value for row, value in zip(yearless, years, strict=True)}
    bad = []
    for row in rows:
        if isinstance(row.time, int):
            row.timestamp = row.time
            continue
        try:
            row.timestamp = log_time_timestamp(
                row.time, year=row.time.year or inferred[id(row)], zone=zone
            )
        except ValueError as error:
            bad.append((row.line, _("unreadable time: %(error)s") % {"error": error}))
    return bad


def _row_hashes(rows: list[_Row]) -> list[str]:
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


def _existing_hashes(course: Course) -> set[str]:
    found = set()
    prefix = '{"import": "'
    for other in (
        StandardLogEntry.objects.filter(courseid=course.pk, other__startswith=prefix)
        .values_list("other", flat=True)
        .iterator(chunk_size=5000)
    ):
        try:
            found.add(json.loads(other)["import"])
        except (ValueError, KeyError, TypeError):
            continue
    return found


def _activities_ensure(
    course: Course, rows: list[_Row]
) -> tuple[dict[tuple[str, str], Activity], int]:
    wanted = {(row.modname, row.activity_name) for row in rows if row.modname}
    existing = {(a.modname, a.name): a for a in Activity.objects.filter(course=course)}
    new = [
        # Section 1: section 0 is the course's general section, which Moodle's
        # activity-based indicators leave out.
        Activity(course=course, modname=modname, name=name, section=1)
        for modname, name in sorted(wanted)
        if (modname, name) not in existing
    ]
    Activity.objects.bulk_create(new)
    if new and new[0].pk is None:
        new = list(
            Activity.objects.filter(course=course, name__in=[a.name for a in new])
        )
    contexts_bulk_ensure(activities=new)
    for activity in new:
        existing[(activity.modname, activity.name)] = activity
    return existing, len(new)


def course_for_log(
    *,
    shortname: str,
    path: Path,
    create: bool,
    rows_hint: tuple[int, int] | None = None,
) -> Course:
    """The course named by `shortname`; created (hidden dates from the log) when asked."""
    course = Course.objects.filter(shortname=shortname).first()
    if course is not None:
        return course
    if not create:
        raise file_error(
            path,
            _(
                "the course %(shortname)r does not exist; create it first or pass --create-course."
            )
            % {"shortname": shortname},
        )
    category = Category.objects.filter(
        name="Imported"
    ).first() or Category.objects.create(name="Imported")
    start = end = None
    if rows_hint:
        first, last = rows_hint
        start = dt.datetime.fromtimestamp(first, tz=dt.UTC).replace(
            hour=0, minute=0, second=0
        )
        end = dt.datetime.fromtimestamp(last, tz=dt.UTC) + dt.timedelta(days=1)
    return Course.objects.create(
        category=category,
        shortname=shortname,
        fullname=shortname,
        startdate=start,
        enddate=end,
    )


def moodle_log_import(
    *,
    path: Path,
    course_shortname: str,
    year: int | None = None,
    tz_name: str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    skip_bad_rows: bool = False,
    create_course: bool = False,
    now: dt.datetime | None = None,
) -> LogImportResult:
    """Import one course's log report download; raise ImportFileError on bad input."""
    path = Path(path)
    try:
        zone = ZoneInfo(tz_name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise file_error(
            path, _("unknown time zone %(zone)r.") % {"zone": tz_name}
        ) from None
    if (
        not create_course
        and not Course.objects.filter(shortname=course_shortname).exists()
    ):
        raise file_error(
            path,
            _(
                "the course %(shortname)r does not exist; create it first or pass --create-course."
            )
            % {"shortname": course_shortname},
        )
    table = table_read(path, encoding=encoding)
    columns = _columns_find(table)
    rows, bad = _rows_parse(table, columns)
    bad += _timestamps_set(rows, year=year, zone=zone, now=now or timezone.now())
    if not table.rows:
        raise file_error(
            path,
            _("the file has a header but no rows."),
            line=table.header_line or None,
            unit=table.unit,
        )
    bad.sort()
    if bad and not skip_bad_rows:
        raise ImportFileError(path, bad, unit=table.unit)
    bad_lines = {line for line, _reason in bad}
    rows = [row for row in rows if row.line not in bad_lines]
    result = LogImportResult(
        path=str(path),
        kind=table.kind,
        encoding=table.encoding,
        rows=len(table.rows),
        bad_rows=bad,
        dry_run=dry_run,
    )
    if rows:
        result.first_time = min(row.timestamp for row in rows)
        result.last_time = max(row.timestamp for row in rows)
    with transaction.atomic():
        course = course_for_log(
            shortname=course_shortname,
            path=path,
            create=create_course,
            rows_hint=(result.first_time, result.last_time) if rows else None,
        )
        _write(course, rows, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _write(course: Course, rows: list[_Row], result: LogImportResult) -> None:
    hashes = _row_hashes(rows)
    existing = _existing_hashes(course)
    fresh = [
        (row, digest)
        for row, digest in zip(rows, hashes, strict=True)
        if digest not in existing
    ]
    result.events_already_there = len(rows) - len(fresh)
    activities, result.activities_created = _activities_ensure(
        course, [row for row, _h in fresh]
    )

    people = {row.user for row, _h in fresh if row.user} | {
        row.related for row, _h in fresh if row.related
    }
    by_id, id_created = users_ensure_by_id(
        ids=sorted({value for kind, value in people if kind == "id"}),
        prefix=ID_USERNAME_PREFIX,
        first_name=_("Moodle user"),
    )
    by_name, named_created = users_ensure_by_name(
        names=[value for kind, value in people if kind == "name"]
    )
    users = {("id", key): user for key, user in by_id.items()} | {
        ("name", key): user for key, user in by_name.items()
    }
    result.users_created = named_created + id_created
    result.enrolments_created = students_enrol(
        course=course, users=users.values(), timestart=course.startdate
    )

    course_context = context_of(course)
    activity_contexts = {}
    if activities:
        ids = {activity.pk for activity in activities.values()}
        activity_contexts = dict(
            Context.objects.filter(
                contextlevel=ContextLevel.MODULE, instanceid__in=ids
            ).values_list("instanceid", "pk")
        )
    fields = [
        "eventname", "component", "action", "target", "objecttable", "objectid", "crud",
        "edulevel", "contextid", "contextlevel", "contextinstanceid", "userid", "courseid",
        "relateduserid", "anonymous", "other", "timecreated", "origin", "ip", "realuserid",
    ]  # fmt: skip
    out = []
    for row, digest in fresh:
        activity = (
            activities.get((row.modname, row.activity_name)) if row.modname else None
        )
        spec = event_map.event_resolve(
            row.eventname, component=row.component, modname=row.modname
        )
        user = users.get(row.user) if row.user else None
        related = users.get(row.related) if row.related else None
        if user is None:
            result.unattributed += 1
        if activity is not None:
            context_id, level, instance = (
                activity_contexts[activity.pk],
                ContextLevel.MODULE,
                activity.pk,
            )
        else:
            context_id, level, instance = (
                course_context.pk,
                ContextLevel.COURSE,
                course.pk,
            )
        objectid = (
            activity.pk
            if activity is not None and spec.objecttable == activity.modname
            else None
        )
        out.append(
            (
                spec.eventname[:255], spec.component[:100], spec.action[:100], spec.target[:100],
                spec.objecttable[:50], objectid, spec.crud, int(spec.edulevel), context_id, int(level),
                instance, user.pk if user else NO_USER, course.pk, related.pk if related else None,
                False, json.dumps({"import": digest}), row.timestamp, row.origin, row.ip, None,
            )
        )  # fmt: skip
    result.events_created = log_rows_write(
        model=StandardLogEntry, fields=fields, rows=out
    )
