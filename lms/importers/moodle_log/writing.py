"""Writing a checked log download: activities, people, enrolments and log rows."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
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
from lms.importers.limits import FIRST_YEAR, LAST_YEAR, shortname_check
from lms.importers.moodle_log.rows import (
    ID_USERNAME_PREFIX,
    NO_USER,
    LogRow,
    YearsUnknown,
    columns_find,
    row_hashes,
    rows_parse,
    timestamps_set,
)
from lms.importers.people import (
    students_enrol,
    users_ensure_by_id,
    users_ensure_by_name,
)
from lms.importers.tables import table_read
from lms.models import Activity, Category, Course
from logstore.models import StandardLogEntry
from logstore.services import log_rows_write
from logstore.services.rollup import bulk_write_finished


@dataclass
class LogImportResult:
    """What an import did (or would do, in a dry run), for the command's summary."""

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
    course: Course, rows: list[LogRow]
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
    """The course named by `shortname`, created when asked.

    A created course spans the log: from midnight (UTC) of the first event's day to a
    day after the last event, so the analysis sees it as a finished course.
    """
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
    shortname_check(path, course_shortname)
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise file_error(
            path,
            _("--year %(year)d is not a year between %(first)d and %(last)d.")
            % {"year": year, "first": FIRST_YEAR, "last": LAST_YEAR},
        )
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
    columns = columns_find(table)
    rows, bad = rows_parse(table, columns)
    try:
        bad += timestamps_set(rows, year=year, zone=zone, now=now or timezone.now())
    except YearsUnknown as error:
        raise error.file_error(path, unit=table.unit) from None
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
        bulk_write_finished(models_=[StandardLogEntry])
        if dry_run:
            transaction.set_rollback(True)
    return result


def _write(course: Course, rows: list[LogRow], result: LogImportResult) -> None:
    hashes = row_hashes(rows)
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
