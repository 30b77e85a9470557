# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Activity completion (course_modules_completion) and course completion.

Replaced as a whole for synced courses each time, in the part's transaction.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lms.models import ActivityCompletion, CourseCompletion
from moodlesync.models import Kind
from moodlesync.services.common import PartResult, SyncContext, idmap_load, when


def completion_sync(ctx: SyncContext) -> PartResult:
    result = PartResult("completion")
    courses = idmap_load(Kind.COURSE)
    activities = idmap_load(Kind.ACTIVITY)
    users = idmap_load(Kind.USER)
    ActivityCompletion.objects.filter(
        activity_id__in=list(activities.values())
    ).delete()
    CourseCompletion.objects.filter(course_id__in=list(courses.values())).delete()
    activity_rows = []
    for chunk in ctx.source.stream(
        "SELECT id, coursemoduleid, userid, completionstate, timemodified "
        f"FROM {ctx.t('course_modules_completion')} ORDER BY id"
    ):
        for mid, cmid, userid, state, modified in chunk:
            if cmid not in activities:
                continue
            if userid not in users:
                result.problem(
                    "course_modules_completion",
                    mid,
                    _("its user %(user)s does not exist; skipped.") % {"user": userid},
                    prefix=ctx.prefix,
                )
                continue
            activity_rows.append(
                ActivityCompletion(
                    user_id=users[userid],
                    activity_id=activities[cmid],
                    state=min(max(int(state or 0), 0), 3),
                    timemodified=when(modified),
                )
            )
    ActivityCompletion.objects.bulk_create(activity_rows, batch_size=2000)
    course_rows = []
    for mid, userid, course, enrolled, started, completed in ctx.source.fetchall(
        "SELECT id, userid, course, timeenrolled, timestarted, timecompleted "
        f"FROM {ctx.t('course_completions')} ORDER BY id"
    ):
        if course not in courses:
            continue
        if userid not in users:
            result.problem(
                "course_completions",
                mid,
                _("its user %(user)s does not exist; skipped.") % {"user": userid},
                prefix=ctx.prefix,
            )
            continue
        course_rows.append(
            CourseCompletion(
                user_id=users[userid],
                course_id=courses[course],
                timeenrolled=when(enrolled),
                timestarted=when(started),
                timecompleted=when(completed),
            )
        )
    CourseCompletion.objects.bulk_create(course_rows, batch_size=2000)
    result.counts = {
        "activity_completions": len(activity_rows),
        "course_completions": len(course_rows),
        "courses_completed": sum(1 for c in course_rows if c.timecompleted),
    }
    return result
