# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Grade items and grades: course totals (with maximum and grade to pass) and the
grade of each graded activity, with when the student handed the work in.

Grades of synced courses are replaced as a whole each time (one DELETE and bulk
INSERTs in the part's transaction): Moodle regrades course totals freely, and
comparing row by row would cost more than writing them again.

An activity grade's `timesubmitted` is when the work was handed in, read from the
module's own tables where Moodle keeps it (SUBMISSIONS: an assignment's latest
submitted attempt, as Moodle's grading table reads "late"; a quiz's first finished
attempt). grade_grades only says when the grade was given or last changed: a
teacher grades an assignment days after its due date, so that time would make
every student look late to the indicators. A submission waiting for its grade, with
no grade row yet, becomes a row without a grade, so the student counts as having
handed it in. Other modules (lessons, workshops, ...) keep the grade's time.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _

from lms.models import ActivityGrade, Course, CourseGrade
from moodlesync.models import Kind
from moodlesync.services.common import (
    PartResult,
    SyncContext,
    decimal_or_none,
    idmap_load,
    when,
)

#: Per module: its table of hand-ins, and the SQL (with {table} and {user}) giving
#: instance, Moodle user id and the hand-in time, one row per pair. A deleted
#: user's work is left out, as Moodle deletes their grades.
SUBMISSIONS: dict[str, tuple[str, str]] = {
    # Group submissions (userid 0) are the group's, not a student's: left out.
    "assign": (
        "assign_submission",
        "SELECT assignment, userid, MAX(timemodified) FROM {table} "
        "WHERE status = 'submitted' AND latest = 1 AND userid <> 0 "
        "AND userid IN (SELECT id FROM {user} WHERE deleted = 0) "
        "GROUP BY assignment, userid",
    ),
    "quiz": (
        "quiz_attempts",
        "SELECT quiz, userid, MIN(timefinish) FROM {table} "
        "WHERE state = 'finished' AND preview = 0 AND timefinish > 0 "
        "AND userid IN (SELECT id FROM {user} WHERE deleted = 0) "
        "GROUP BY quiz, userid",
    ),
}


def _submissions(
    ctx: SyncContext,
    cms: Mapping[tuple[str, int], int],
    activities: Mapping[int, int],
    users: Mapping[int, int],
) -> dict[tuple[int, int], int]:
    """(Foresight activity id, user id) -> when the work was handed in (Unix)."""
    out: dict[tuple[int, int], int] = {}
    for modname, (table, sql) in SUBMISSIONS.items():
        if not ctx.source.has_table(table):
            continue
        for instance, userid, at in ctx.source.fetchall(
            sql.format(table=ctx.t(table), user=ctx.t("user"))
        ):
            activity = activities.get(cms.get((modname, instance), -1))
            if activity is not None and userid in users and at:
                out[(activity, users[userid])] = int(at)
    return out


def grades_sync(ctx: SyncContext) -> PartResult:
    result = PartResult("grades")
    courses = idmap_load(Kind.COURSE)
    activities = idmap_load(Kind.ACTIVITY)
    users = idmap_load(Kind.USER)
    cms = {
        (modname, instance): cmid
        for cmid, modname, instance in ctx.source.fetchall(
            f"SELECT cm.id, m.name, cm.instance FROM {ctx.t('course_modules')} cm "
            f"JOIN {ctx.t('modules')} m ON m.id = cm.module"
        )
    }
    items = ctx.source.fetchall(
        "SELECT id, courseid, itemtype, itemmodule, iteminstance, itemnumber, "
        f"grademax, gradepass FROM {ctx.t('grade_items')} "
        "WHERE itemtype IN ('course', 'mod')"
    )
    course_items: dict[int, int] = {}
    activity_items: dict[int, int] = {}
    changed_courses = []
    local_courses = Course.objects.in_bulk(list(courses.values()))
    for mid, courseid, itemtype, module, instance, number, grademax, gradepass in items:
        if courseid not in courses:
            continue
        if itemtype == "course":
            course_items[mid] = courses[courseid]
            course = local_courses.get(courses[courseid])
            top = decimal_or_none(grademax) or Decimal(100)
            passing = decimal_or_none(gradepass) or Decimal(0)
            if course and (course.grade_max, course.grade_to_pass) != (top, passing):
                course.grade_max, course.grade_to_pass = top, passing
                changed_courses.append(course)
        elif not number:  # a module's main item (workshops have a second one)
            cmid = cms.get((module, instance))
            if cmid in activities:
                activity_items[mid] = activities[cmid]
    Course.objects.bulk_update(changed_courses, ["grade_max", "grade_to_pass"])
    CourseGrade.objects.filter(course_id__in=list(courses.values())).delete()
    ActivityGrade.objects.filter(activity_id__in=list(activities.values())).delete()
    submitted = _submissions(ctx, cms, activities, users)
    course_rows, activity_rows, skipped = [], [], 0
    for gid, itemid, userid, finalgrade, created, modified in _grade_rows(ctx):
        if itemid not in course_items and itemid not in activity_items:
            continue
        if userid not in users:
            skipped += 1
            result.problem(
                "grade_grades",
                gid,
                _("its user %(user)s does not exist; skipped.") % {"user": userid},
                prefix=ctx.prefix,
            )
            continue
        grade = decimal_or_none(finalgrade)
        if itemid in course_items:
            course_rows.append(
                CourseGrade(
                    user_id=users[userid],
                    course_id=course_items[itemid],
                    finalgrade=grade,
                    timemodified=when(modified),
                )
            )
        else:
            key = (activity_items[itemid], users[userid])
            handed_in = submitted.pop(key, None)
            if handed_in is None and grade is not None:
                # No hand-in on record: when the grade was first given.
                handed_in = created or modified
            activity_rows.append(
                ActivityGrade(
                    user_id=key[1],
                    activity_id=key[0],
                    grade=grade,
                    timesubmitted=when(handed_in),
                )
            )
    # Handed in, not graded yet (no grade row), in activities that are graded.
    graded_activities = set(activity_items.values())
    waiting = [
        ActivityGrade(user_id=user, activity_id=activity, timesubmitted=when(at))
        for (activity, user), at in sorted(submitted.items())
        if activity in graded_activities
    ]
    activity_rows += waiting
    CourseGrade.objects.bulk_create(course_rows, batch_size=2000)
    ActivityGrade.objects.bulk_create(activity_rows, batch_size=2000)
    result.counts = {
        "grade_items": len(course_items) + len(activity_items),
        "course_grades": len(course_rows),
        "activity_grades": len(activity_rows),
        "handed_in_not_graded": len(waiting),
        "with_grade": sum(1 for g in course_rows if g.finalgrade is not None)
        + sum(1 for g in activity_rows if g.grade is not None),
    }
    return result


def _grade_rows(ctx: SyncContext):
    for chunk in ctx.source.stream(
        "SELECT id, itemid, userid, finalgrade, timecreated, timemodified "
        f"FROM {ctx.t('grade_grades')} ORDER BY id"
    ):
        yield from chunk
