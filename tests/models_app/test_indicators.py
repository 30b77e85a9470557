"""Each indicator on a small hand-built site, with the expected values worked out here.

Rows are one per (student, range), students in enrolment order.
"""

from __future__ import annotations

import pytest

from lms.models import Activity, ActivityGrade, UserProfile
from logstore.models import StandardLogEntry
from models_app.plugins import registry
from tests.factories import CategoryFactory, RoleAssignmentFactory, UserFactory
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    analysis_data,
    course,
    indicator_values,
    log,
    student,
    teacher,
    when,
)

pytestmark = pytest.mark.django_db

FORUM_POST = "\\mod_forum\\event\\assessable_uploaded"


def many_views(user_id: int, c, n: int, at: int) -> None:
    base = log(user_id, c, at)
    rows = []
    for i in range(1, n):
        base.pk = None
        base.timecreated = at + i
        rows.append(
            StandardLogEntry(
                **{
                    f.attname: getattr(base, f.attname)
                    for f in base._meta.concrete_fields
                    if f.attname != "id"
                }
            )
        )
    StandardLogEntry.objects.bulk_create(rows)


def test_write_and_read_indicators():
    c = course()
    forum = activity(c, "forum")
    a, b, heavy, idle = student(c), student(c), student(c), student(c)
    log(a.user_id, c, START + 5)  # one course view
    log(a.user_id, c, START + 6, crud="c", cm=forum, eventname=FORUM_POST)
    many_views(b.user_id, c, 13, START + 100)
    log(b.user_id, c, START + 7, crud="u", anonymous=True)  # course-context write
    many_views(heavy.user_id, c, 133, START + 1000)
    data = analysis_data([c], [(START, START + 28 * DAY)])  # exactly 4 weeks
    # Writes in the course context itself (anonymous ones count).
    assert indicator_values("any_write_action", data) == [-1, 1, -1, -1]
    # Non-anonymous writes anywhere in the course.
    assert indicator_values("any_write_action_in_course", data) == [1, -1, -1, -1]
    # Moodle's test: 4 weeks, 1 read -0.33, 13 reads 0.33, 133 reads 1, none -1.
    assert indicator_values("read_actions", data) == [-0.33, 0.33, 1, -1]
    del idle


def test_read_actions_has_no_value_without_range_times():
    c = course()
    student(c)
    data = analysis_data([c], [(0, START + DAY)])
    assert indicator_values("read_actions", data) == [None]


def test_access_before_start_and_after_end_ignore_the_range():
    c = course()  # START .. START + 40 days
    forum = activity(c, "forum")
    early, late = student(c), student(c)
    log(early.user_id, c, START - 100)
    log(late.user_id, c, START + 41 * DAY)
    log(late.user_id, c, START - 100, cm=forum)  # activity context: not counted
    data = analysis_data([c], [(START, START + DAY), (START + DAY, START + 2 * DAY)])
    assert indicator_values("any_access_before_start", data) == [1, 1, -1, -1]
    assert indicator_values("any_access_after_end", data) == [-1, -1, 1, 1]


def test_any_course_access():
    c = course()
    forum = activity(c, "forum")
    a, b, never = student(c), student(c), student(c)
    log(a.user_id, c, START + 5)
    log(b.user_id, c, START + 5, cm=forum)
    log(b.user_id, c, START + 25 * DAY)
    ranges = [(START, START + 10 * DAY), (START + 10 * DAY, START + 20 * DAY)]
    data = analysis_data([c], ranges)
    # a: last access inside range 0, before range 1. b: last access after both
    # ranges, so the events of each range decide. never: -1.
    assert indicator_values("any_course_access", data) == [1, -1, 1, -1, -1, -1]
    del never


def test_completion_enabled_needs_tracking_and_criteria():
    tracked = course(enablecompletion=True)
    activity(tracked, "page", completion=Activity.Completion.MANUAL)
    no_criteria = course(enablecompletion=True)
    activity(no_criteria, "page")
    disabled = course(enablecompletion=False)
    activity(disabled, "page", completion=Activity.Completion.AUTOMATIC)
    for c in (tracked, no_criteria, disabled):
        student(c)
    data = analysis_data([tracked, no_criteria, disabled], [(START, START + DAY)])
    assert indicator_values("completion_enabled", data) == [1, -1, -1]


def test_no_teacher_and_no_student_look_at_roles_in_the_course_and_above():
    full, assistant_only, empty = course(), course(), course()
    teacher(full)
    student(full)
    teacher(assistant_only, role="teacher")  # non-editing teacher
    # Roles are looked up in parent contexts too; a manager is neither role.
    category = CategoryFactory()
    in_category = course(category=category)
    RoleAssignmentFactory(user=UserFactory(), role="manager", context=category)
    courses = [full, assistant_only, empty, in_category]
    data = analysis_data(courses, [(START, START + DAY)], kind="course")
    assert indicator_values("no_teacher", data) == [1, 1, -1, -1]
    assert indicator_values("no_student", data) == [1, -1, -1, -1]


def test_potential_cognitive_depth_and_social_breadth():
    forum = course()
    activity(forum, "forum")  # cognitive 4, social 2
    pages = course()
    activity(pages, "page")
    activity(pages, "url")  # 1 and 1
    assign = course()
    activity(assign, "assign")  # 5 and 2
    activity(assign, "book")
    glossary = course()
    activity(glossary, "glossary")  # 2 and 1
    nothing = course()
    courses = [forum, pages, assign, glossary, nothing]
    for c in courses:
        student(c)
    data = analysis_data(courses, [(START, START + DAY)])
    # -1 + 0.5 * level - 0.5 for levels 4, 1, 5, 2; no activity -1.
    assert indicator_values("potential_cognitive_depth", data) == [0.5, -1, 1, -0.5, -1]
    # -1 + 2 * level - 2 for levels 2, 1, 2, 1; no activity -1.
    assert indicator_values("potential_social_breadth", data) == [1, -1, 1, -1, -1]


def test_user_profile_set():
    c = course()
    full, place, bare, inactive = (student(c) for _ in range(4))
    for enrolment, values in (
        (full, {"description": "Hi", "picture": True}),
        (place, {"city": "Lyon", "country": "FR"}),
        (inactive, {"description": "Hi", "picture": True}),
    ):
        UserProfile.objects.update_or_create(user_id=enrolment.user_id, defaults=values)
    inactive.user.is_active = False
    inactive.user.save()
    data = analysis_data([c], [(START, START + DAY)])
    # -1 + 1 + 1; -1 + 0.2 + 0.2; nothing; inactive account.
    assert indicator_values("user_profile_set", data) == [1, -0.6, -1, -1]
    del bare


def test_cognitive_depth_and_social_breadth_per_activity():
    c = course()  # START .. START + 40 days, one range covering it all
    forum = activity(c, "forum", section=1)  # due by section: START + 40 days
    assign = activity(c, "assign", due=START + 20 * DAY)
    activity(c, "assign", due=START + 60 * DAY)  # due after the range: not counted
    activity(c, "page", section=0)  # section 0: never counted
    u1, u2, u3 = student(c), student(c), student(c)
    # Forum. u1 only reads. u3 posts first; u2 posts after u3's first post: for u2
    # that is feedback viewed (3) and replied (4); u3 has no post after another's.
    log(u1.user_id, c, START + DAY, cm=forum)
    log(u3.user_id, c, START + DAY, crud="c", cm=forum, eventname=FORUM_POST)
    log(u2.user_id, c, START + 2 * DAY, crud="c", cm=forum, eventname=FORUM_POST)
    # Assignment. u1: graded at +10 days, views the feedback and resubmits after: 5.
    ActivityGrade.objects.create(
        user_id=u1.user_id,
        activity=assign,
        grade=80,
        timesubmitted=when(START + 10 * DAY),
    )
    log(
        u1.user_id,
        c,
        START + 5 * DAY,
        crud="c",
        cm=assign,
        eventname="\\mod_assign\\event\\submission_created",
    )
    log(
        u1.user_id,
        c,
        START + 11 * DAY,
        cm=assign,
        eventname="\\mod_assign\\event\\feedback_viewed",
    )
    log(
        u1.user_id,
        c,
        START + 12 * DAY,
        crud="u",
        cm=assign,
        eventname="\\mod_assign\\event\\assessable_submitted",
    )
    # u3 is graded too but only views the assignment: level 1 (u1's feedback events
    # are not u3's, unlike Moodle's any_feedback() quirk).
    ActivityGrade.objects.create(
        user_id=u3.user_id,
        activity=assign,
        grade=50,
        timesubmitted=when(START + 10 * DAY),
    )
    log(u3.user_id, c, START + 3 * DAY, cm=assign)
    data = analysis_data([c], [(START, START + 40 * DAY)])
    # One counted forum (P=4): -1 + (2/1)/4 * level, levels 1, 4, 2.
    assert indicator_values("mod_forum_cognitive_depth", data) == [-0.5, 1, 0]
    # Social (P=2): levels 1, 2 (feedback viewed), 1.
    assert indicator_values("mod_forum_social_breadth", data) == [0, 1, 0]
    # One counted assignment (P=5): levels 5, 0, 1.
    assert indicator_values("mod_assign_cognitive_depth", data) == [1, -1, -0.6]
    assert indicator_values("mod_assign_social_breadth", data) == [1, -1, 0]
    # No quiz: no value.
    assert indicator_values("mod_quiz_cognitive_depth", data) == [None, None, None]


def test_activities_split_over_sections_count_in_their_part_of_the_course():
    c = course()  # 40 days; sections 1..4, each due at START + 10 days * section
    pages = [activity(c, "page", section=s) for s in (1, 2, 3, 4)]
    e = student(c)
    log(e.user_id, c, START + 100, cm=pages[0])
    log(e.user_id, c, START + 100, cm=pages[2])
    quarters = [(START + i * 10 * DAY, START + (i + 1) * 10 * DAY) for i in range(4)]
    data = analysis_data([c], quarters)
    # Range 0 counts page 1 (viewed: level 1 of 1), range 2 counts page 3, which was
    # viewed in range 0 only, so nothing in its own range.
    assert indicator_values("mod_page_cognitive_depth", data) == [1, -1, -1, -1]


def test_every_indicator_is_registered_with_moodles_name():
    for key in registry.INDICATORS:
        cls = registry.indicator_class(key)
        name = cls.moodle_id.split("\\")
        assert name[2:4] == ["analytics", "indicator"]
        if key.startswith("mod_"):
            assert key == f"{name[1]}_{name[4]}"
        else:
            assert key == name[4]
        assert cls(**cls().get_params()).columns() == cls().columns()
