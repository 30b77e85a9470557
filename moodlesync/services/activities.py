# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Activities (course_modules): type, name, section, visibility, completion, due date.

The name and the due date live in each module's own table; `DUE_DATES` names the
column that says when the work is due (the first non-zero one wins), as Moodle's
own calendar events and "activities due" indicator read them.
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from access.models import Context, ContextLevel
from access.services import contexts_bulk_ensure
from lms.models import Activity
from moodlesync.models import ActivityDates, Kind
from moodlesync.services.common import (
    PartResult,
    SyncContext,
    availability_dates,
    decimal_or_none,
    idmap_load,
    idmap_replace,
    when,
)

DUE_DATES: dict[str, tuple[str, ...]] = {
    "assign": ("duedate", "cutoffdate"),
    "quiz": ("timeclose",),
    "forum": ("duedate", "cutoffdate"),
    "lesson": ("deadline",),
    "workshop": ("submissionend",),
    "choice": ("timeclose",),
    "feedback": ("timeclose",),
    "data": ("timeavailableto",),
    "scorm": ("timeclose",),
    "h5pactivity": (),
}
# The field each module's analytics indicators read as its due date (Moodle's
# get_timeclose_field); a zero there means "no due date", whatever DUE_DATES finds.
TIMECLOSE: dict[str, str] = {
    "assign": "duedate",
    "choice": "timeclose",
    "data": "timeavailableto",
    "feedback": "timeclose",
    "lesson": "deadline",
    "quiz": "timeclose",
    "scorm": "timeclose",
    "workshop": "submissionend",
}
FIELDS = [
    "course_id",
    "modname",
    "name",
    "idnumber",
    "section",
    "visible",
    "duedate",
    "completion",
    "grade_max",
    "added",
]


def _instances(
    ctx: SyncContext, modname: str
) -> dict[int, tuple[str, int | None, int]]:
    """instance id -> (name, due time, analytics due time or 0) from the module's
    own table."""
    if not ctx.source.has_table(modname):
        return {}
    columns = ctx.source.columns(modname)
    due = [col for col in DUE_DATES.get(modname, ()) if col in columns]
    close = TIMECLOSE.get(modname, "")
    close_sql = close if close in columns else "0"
    due_sql = ", ".join(due) if due else "0"
    select = "name" if "name" in columns else "''"
    rows = ctx.source.fetchall(
        f"SELECT id, {select}, {close_sql}, {due_sql} FROM {ctx.t(modname)}"
    )
    out = {}
    for row in rows:
        times = [int(value) for value in row[3:] if value]
        out[row[0]] = (row[1] or "", times[0] if times else None, int(row[2] or 0))
    return out


def activities_sync(ctx: SyncContext) -> PartResult:
    result = PartResult("activities")
    cm = ctx.source.columns("course_modules")
    deleting = "cm.deletioninprogress" if "deletioninprogress" in cm else "0"
    availability = "cm.availability" if "availability" in cm else "NULL"
    rows = ctx.source.fetchall(
        "SELECT cm.id, cm.course, m.name, cm.instance, cm.section, cm.visible, "
        f"cm.completion, cm.added, cm.idnumber, {deleting}, {availability} "
        f"FROM {ctx.t('course_modules')} cm "
        f"JOIN {ctx.t('modules')} m ON m.id = cm.module ORDER BY cm.id"
    )
    section_numbers = dict(
        ctx.source.fetchall(f"SELECT id, section FROM {ctx.t('course_sections')}")
    )
    grade_max = {
        (module, instance): value
        for module, instance, value in ctx.source.fetchall(
            "SELECT itemmodule, iteminstance, grademax "
            f"FROM {ctx.t('grade_items')} "
            "WHERE itemtype = 'mod' AND itemnumber = 0"
        )
    }
    courses = idmap_load(Kind.COURSE)
    mapping = idmap_load(Kind.ACTIVITY)
    existing = Activity.objects.in_bulk(list(mapping.values()))
    instances: dict[str, dict[int, tuple[str, int | None, int]]] = {}
    by_module = defaultdict(list)
    for row in rows:
        by_module[row[2]].append(row)
    for modname in by_module:
        instances[modname] = _instances(ctx, modname)
    new: list[tuple[int, Activity]] = []
    changed: list[Activity] = []
    seen: set[int] = set()
    dates: dict[int, tuple[int, list]] = {}
    for row in rows:
        mid, course, modname, instance, section, visible, completion, added = row[:8]
        idnumber, deleting_now = row[8], row[9]
        if deleting_now:
            continue  # being deleted in Moodle: treated as gone
        if course not in courses:
            continue  # the front page's blocks and courses that were skipped
        seen.add(mid)
        name, due, timeclose = instances.get(modname, {}).get(instance, (None, None, 0))
        if name is None:
            result.problem(
                "course_modules",
                mid,
                _("its %(module)s instance %(instance)s does not exist; skipped.")
                % {"module": modname, "instance": instance},
                prefix=ctx.prefix,
            )
            seen.discard(mid)
            continue
        values = {
            "course_id": courses[course],
            "modname": modname[:20],
            "name": (name or modname)[:1333],
            "idnumber": (idnumber or "")[:100],
            "section": int(section_numbers.get(section, 0)),
            "visible": bool(visible),
            "duedate": when(due),
            "completion": min(max(int(completion or 0), 0), 2),
            "grade_max": decimal_or_none(grade_max.get((modname, instance))),
            "added": when(added),
        }
        available = availability_dates(row[10])
        if available is None:
            result.problem(
                "course_modules",
                mid,
                _("its availability is not valid JSON; its dates are ignored."),
                prefix=ctx.prefix,
            )
            available = []
        if modname in TIMECLOSE or available:
            dates[mid] = (timeclose, available)
        activity = existing.get(mapping.get(mid, -1))
        if activity is None:
            new.append((mid, Activity(**values)))
        elif any(getattr(activity, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(activity, key, value)
            changed.append(activity)
    Activity.objects.bulk_update(changed, FIELDS, batch_size=1000)
    Activity.objects.bulk_create([a for _m, a in new], batch_size=1000)
    contexts_bulk_ensure(activities=[a for _m, a in new])
    mapping.update({mid: activity.pk for mid, activity in new})
    gone = [mapping.pop(mid) for mid in list(mapping) if mid not in seen]
    deleted = 0
    if gone:
        Context.objects.filter(
            contextlevel=ContextLevel.MODULE, instanceid__in=gone
        ).delete()
        deleted, _rows = Activity.objects.filter(pk__in=gone).delete()
    idmap_replace(Kind.ACTIVITY, mapping)
    _dates_replace(mapping, dates)
    result.counts = {
        "rows": len(rows),
        "created": len(new),
        "updated": len(changed),
        "deleted": len(gone),
    }
    return result


def _dates_replace(mapping: dict[int, int], dates: dict[int, tuple[int, list]]) -> None:
    """Make the analytics dates of the synced activities exactly `dates`."""
    ActivityDates.objects.filter(activity_id__in=list(mapping.values())).delete()
    ActivityDates.objects.bulk_create(
        [
            ActivityDates(
                activity_id=mapping[mid], timeclose=close, available=available
            )
            for mid, (close, available) in dates.items()
            if mid in mapping
        ],
        batch_size=1000,
    )
