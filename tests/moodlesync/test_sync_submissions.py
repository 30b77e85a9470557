# ruff: noqa: S608 - the tests read and change Moodle rows with SQL of their own literals
"""When work was handed in comes from the modules' own tables, not from the grade:
teachers grade assignments days after their due date, so the grade's time would
make every student late to the indicators."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.models import ActivityGrade
from moodlesync.models import Kind
from moodlesync.services import moodle_sync
from moodlesync.services.common import idmap_load

pytestmark = pytest.mark.django_db

ASSIGN_HAND_INS = (
    "SELECT cm.id, s.userid, s.timemodified, a.duedate FROM mdl_assign_submission s "
    "JOIN mdl_assign a ON a.id = s.assignment "
    "JOIN mdl_modules m ON m.name = 'assign' "
    "JOIN mdl_course_modules cm ON cm.module = m.id AND cm.instance = a.id "
    "JOIN mdl_user u ON u.id = s.userid AND u.deleted = 0 "
    "WHERE s.status = 'submitted' AND s.latest = 1"
)
QUIZ_HAND_INS = (
    "SELECT cm.id, q.userid, MIN(q.timefinish) FROM mdl_quiz_attempts q "
    "JOIN mdl_modules m ON m.name = 'quiz' "
    "JOIN mdl_course_modules cm ON cm.module = m.id AND cm.instance = q.quiz "
    "JOIN mdl_user u ON u.id = q.userid AND u.deleted = 0 "
    "WHERE q.state = 'finished' AND q.preview = 0 GROUP BY cm.id, q.userid"
)


def table(db, sql: str) -> list[list[int]]:
    return [[int(v) for v in line.split("\t")] for line in db.execute(sql).splitlines()]


def synced_times(modname: str) -> dict[tuple[int, int], int | None]:
    return {
        (activity, user): None if at is None else int(at.timestamp())
        for activity, user, at in ActivityGrade.objects.filter(
            activity__modname=modname
        ).values_list("activity_id", "user_id", "timesubmitted")
    }


def expected_times(rows, activities, users) -> dict[tuple[int, int], int]:
    return {
        (activities[cm], users[user]): at
        for cm, user, at, *_rest in rows
        if user in users and cm in activities
    }


def test_hand_in_times_are_the_submissions_and_attempts(moodle_db, use_moodle):
    use_moodle(moodle_db)
    assert moodle_sync().ok is True
    activities, users = idmap_load(Kind.ACTIVITY), idmap_load(Kind.USER)

    assign = table(moodle_db, ASSIGN_HAND_INS)
    got = synced_times("assign")
    want = expected_times(assign, activities, users)
    assert want and {key: got.get(key) for key in want} == want
    # Every graded assignment of the site was graded after its due date; the
    # hand-ins show who was late (8 % of them, as the site's README says).
    late = {
        (activities[cm], users[u])
        for cm, u, at, due in assign
        if at > due and u in users
    }
    synced_late = {
        (g.activity_id, g.user_id)
        for g in ActivityGrade.objects.filter(
            activity__modname="assign"
        ).select_related("activity")
        if g.timesubmitted and g.timesubmitted > g.activity.duedate
    }
    assert 0 < len(synced_late) < len(want) / 5
    assert synced_late == late

    got = synced_times("quiz")
    want = expected_times(table(moodle_db, QUIZ_HAND_INS), activities, users)
    assert want and {key: got.get(key) for key in want} == want


def test_work_waiting_for_its_grade_counts_as_handed_in(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    rows = table(db, ASSIGN_HAND_INS + " ORDER BY s.id")
    (cm_a, user_a, at_a, _due), (cm_b, user_b, at_b, _due_b) = rows[0], rows[1]
    for cm, user, clear in ((cm_a, user_a, "DELETE"), (cm_b, user_b, "NULL")):
        where = (
            f"userid = {user} AND itemid = (SELECT i.id FROM mdl_grade_items i "
            "JOIN mdl_course_modules cm ON cm.instance = i.iteminstance "
            "JOIN mdl_modules m ON m.id = cm.module AND m.name = i.itemmodule "
            f"WHERE i.itemtype = 'mod' AND cm.id = {cm})"
        )
        if clear == "DELETE":  # no grade row yet
            db.execute(f"DELETE FROM mdl_grade_grades WHERE {where}")
        else:  # a grade row without a grade
            db.execute(f"UPDATE mdl_grade_grades SET finalgrade = NULL WHERE {where}")

    report = moodle_sync()
    assert report.ok is True
    grades = {part.part: part for part in report.parts}["grades"]
    assert grades.counts["handed_in_not_graded"] == 1
    activities, users = idmap_load(Kind.ACTIVITY), idmap_load(Kind.USER)
    for cm, user, at in ((cm_a, user_a, at_a), (cm_b, user_b, at_b)):
        row = ActivityGrade.objects.get(activity_id=activities[cm], user_id=users[user])
        assert row.grade is None
        assert row.timesubmitted == dt.datetime.fromtimestamp(at, tz=dt.UTC)
