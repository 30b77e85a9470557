# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Enrolments: Moodle's `enrol` instances and `user_enrolments`, one row per person
and course here.

Moodle may enrol a person in a course through several methods (manual and self,
say); Foresight keeps one enrolment per person and course, so the one that counts
is the active one if any (as Moodle's "is enrolled" does), else the latest.
An enrolment is suspended here when Moodle suspends it or disables its method.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from lms.models import Enrolment
from moodlesync.models import Kind
from moodlesync.services.common import (
    PartResult,
    SyncContext,
    chunks,
    idmap_load,
    when,
)

FIELDS = ["status", "timestart", "timeend", "timecreated"]


def enrolments_sync(ctx: SyncContext) -> PartResult:
    result = PartResult("enrolments")
    rows = ctx.source.fetchall(
        "SELECT ue.id, ue.userid, e.courseid, ue.status, e.status, e.enrol, "
        "ue.timestart, ue.timeend, ue.timecreated "
        f"FROM {ctx.t('user_enrolments')} ue "
        f"JOIN {ctx.t('enrol')} e ON e.id = ue.enrolid ORDER BY ue.id"
    )
    users = idmap_load(Kind.USER)
    courses = idmap_load(Kind.COURSE)
    wanted: dict[tuple[int, int], tuple[tuple, dict]] = {}
    methods: dict[str, int] = {}
    for mid, user, course, ue_status, e_status, method, start, end, created in rows:
        if course not in courses:
            continue
        if user not in users:
            result.problem(
                "user_enrolments",
                mid,
                _("its user %(user)s does not exist; skipped.") % {"user": user},
                prefix=ctx.prefix,
            )
            continue
        methods[method] = methods.get(method, 0) + 1
        active = not ue_status and not e_status
        values = {
            "status": Enrolment.Status.ACTIVE if active else Enrolment.Status.SUSPENDED,
            "timestart": when(start),
            "timeend": when(end),
            "timecreated": when(created),
        }
        key: Any = (users[user], courses[course])  # later a field name, too
        rank = (active, int(start or 0), mid)
        if key not in wanted or rank > wanted[key][0]:
            wanted[key] = (rank, values)
    course_ids = list(courses.values())
    existing: dict[tuple[int, int], Enrolment] = {}
    enrolment: Enrolment | None
    for chunk in chunks(course_ids):
        for enrolment in Enrolment.objects.filter(course_id__in=chunk):
            existing[(enrolment.user_id, enrolment.course_id)] = enrolment
    new: list[Enrolment] = []
    changed: list[Enrolment] = []
    for (user_id, course_id), (_rank, values) in wanted.items():
        enrolment = existing.get((user_id, course_id))
        if enrolment is None:
            new.append(Enrolment(user_id=user_id, course_id=course_id, **values))
        elif any(getattr(enrolment, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(enrolment, key, value)
            changed.append(enrolment)
    gone = [e.pk for key, e in existing.items() if key not in wanted]
    for chunk in chunks(gone):
        Enrolment.objects.filter(pk__in=chunk).delete()
    Enrolment.objects.bulk_update(changed, FIELDS, batch_size=1000)
    Enrolment.objects.bulk_create(new, batch_size=1000)
    result.counts = {
        "rows": len(rows),
        "created": len(new),
        "updated": len(changed),
        "deleted": len(gone),
        "methods": methods,
    }
    return result
