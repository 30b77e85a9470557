# ruff: noqa: S608 - the tests change Moodle rows with SQL built from their own literals
"""A first sync of the real Moodle site gives every count of the fixture's facts,
on PostgreSQL and on MariaDB, read by an account that may only SELECT."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from access.models import RoleAssignment
from lms.models import (
    Activity,
    ActivityCompletion,
    ActivityGrade,
    Category,
    Course,
    CourseCompletion,
    CourseGrade,
    Enrolment,
)
from logstore.models import LegacyLogEntry, StandardLogEntry
from moodlesync.models import CourseFormat, CourseSection, SiteInfo, SyncState
from moodlesync.services import moodle_sync

pytestmark = pytest.mark.django_db


def rows(facts: dict, name: str) -> list[list]:
    return facts["facts"][name]["rows"]


def as_set(items) -> set[tuple]:
    return {tuple(item) for item in items}


def test_first_sync_gives_every_count_of_the_facts(moodle_db, use_moodle, facts):
    use_moodle(moodle_db)
    report = moodle_sync()
    assert report.ok is True, [p.refused for p in report.parts]
    ref = facts["ref_unix"]
    ref_time = dt.datetime.fromtimestamp(ref, tz=dt.UTC)

    site = SiteInfo.objects.get()
    assert site.siteidentifier == facts["siteidentifier"][moodle_db.engine]
    assert site.release == facts["moodle"]["release"]
    assert site.version.startswith("2023112400")
    assert site.timezone == facts["timezone"]

    assert Category.objects.count() == rows(facts, "categories")[0][0]
    depth = Counter()
    for category in Category.objects.all():
        level, parent = 1, category.parent
        while parent is not None:
            level, parent = level + 1, parent.parent
        depth[level] += 1
    assert as_set(depth.items()) == as_set(rows(facts, "categories_by_depth"))

    assert Course.objects.count() == rows(facts, "courses")[0][0]
    listed = [
        [
            c.shortname,
            c.moodle_format.format,
            int(c.startdate.timestamp()),
            int(c.enddate.timestamp()),
            int(c.enablecompletion),
            int(c.visible),
        ]
        for c in Course.objects.order_by("startdate", "shortname")
    ]
    assert listed == rows(facts, "courses_list")
    assert CourseFormat.objects.count() == 4
    assert CourseSection.objects.count() == 4 * 14  # sections 0 to 13

    users = get_user_model().objects.exclude(username="guest")
    assert users.filter(is_active=True).count() == rows(facts, "users")[0][0]
    assert users.filter(is_active=False).count() == rows(facts, "users_deleted")[0][0]

    by_status = Counter(Enrolment.objects.values_list("status", flat=True))
    assert as_set(by_status.items()) == as_set(rows(facts, "user_enrolments_by_status"))
    ended = Enrolment.objects.filter(timeend__lt=ref_time).count()
    assert ended == rows(facts, "user_enrolments_ended")[0][0]
    by_course = Counter(Enrolment.objects.values_list("course__shortname", "status"))
    expected = {(s, st): n for s, st, n in rows(facts, "user_enrolments_by_course")}
    assert dict(by_course) == expected
    assert rows(facts, "users_in_two_courses")[0][0] == 0
    assert not any(
        n > 1
        for n in Counter(Enrolment.objects.values_list("user_id", flat=True)).values()
    )

    assignments = Counter(
        RoleAssignment.objects.values_list("role__shortname", "context__contextlevel")
    )
    assert as_set((r, lvl, n) for (r, lvl), n in assignments.items()) == as_set(
        rows(facts, "role_assignments")
    )

    activities = {}
    for modname in Activity.objects.values_list("modname", flat=True).distinct():
        mine = Activity.objects.filter(modname=modname)
        activities[modname] = (mine.count(), mine.filter(visible=False).count())
    assert as_set((m, n, h) for m, (n, h) in activities.items()) == as_set(
        rows(facts, "course_modules")
    )

    total = CourseGrade.objects.count() + ActivityGrade.objects.count()
    graded = (
        CourseGrade.objects.filter(finalgrade__isnull=False).count()
        + ActivityGrade.objects.filter(grade__isnull=False).count()
    )
    assert [total, graded] == rows(facts, "grade_grades")[0]
    by_item = Counter(
        ActivityGrade.objects.filter(grade__isnull=False).values_list(
            "activity__modname", flat=True
        )
    )
    by_item["-"] = CourseGrade.objects.filter(finalgrade__isnull=False).count()
    expected = {module: n for _type, module, n in rows(facts, "grade_grades_by_item")}
    assert dict(by_item) == expected

    completions = CourseCompletion.objects
    assert [
        completions.count(),
        completions.filter(timecompleted__isnull=False).count(),
    ] == rows(facts, "course_completions")[0]
    states = Counter(ActivityCompletion.objects.values_list("state", flat=True))
    assert as_set(states.items()) == as_set(rows(facts, "course_modules_completion"))

    log = StandardLogEntry.objects
    assert log.count() == rows(facts, "log_total")[0][0]
    times = [
        min(log.values_list("timecreated", flat=True)),
        max(log.values_list("timecreated", flat=True)),
    ]
    assert times == rows(facts, "log_timecreated")[0]
    shortnames = dict(Course.objects.values_list("pk", "shortname"))
    per_course = Counter(log.values_list("courseid", flat=True))
    assert {
        (cid if cid == 0 else shortnames[cid], n) for cid, n in per_course.items()
    } == {
        (cid if cid == 0 else short, n)
        for cid, short, n in rows(facts, "log_by_course")
    }
    crud = Counter(log.values_list("crud", "edulevel"))
    assert as_set((c, e, n) for (c, e), n in crud.items()) == as_set(
        rows(facts, "log_by_crud_edulevel")
    )
    assert as_set(Counter(log.values_list("origin", flat=True)).items()) == as_set(
        rows(facts, "log_by_origin")
    )
    events = Counter(log.values_list("eventname", flat=True))
    assert as_set(events.items()) == as_set(rows(facts, "log_by_event"))
    deleted = get_user_model().objects.filter(is_active=False).exclude(username="guest")
    assert (
        log.filter(userid__in=deleted.values("pk")).count()
        == rows(facts, "log_deleted_users")[0][0]
    )
    assert LegacyLogEntry.objects.count() == rows(facts, "legacy_log")[0][0]
    assert SyncState.objects.get(part="log").cursor == log.order_by("-id").first().pk


def test_synced_log_rows_name_foresight_users_courses_and_activities(
    moodle_pg, use_moodle
):
    """Analysis joins the log to Foresight's ids: every course-module view row
    names a synced activity of its own course, and its user is enrolled or staff."""
    use_moodle(moodle_pg)
    moodle_sync()
    views = StandardLogEntry.objects.filter(
        eventname="\\mod_page\\event\\course_module_viewed"
    )
    assert views.count() == 3760
    activity_course = dict(Activity.objects.values_list("pk", "course_id"))
    for instance, course in views.values_list("contextinstanceid", "courseid")[:500]:
        assert activity_course[instance] == course
    users = set(get_user_model().objects.values_list("pk", flat=True))
    assert set(views.values_list("userid", flat=True)) <= users
