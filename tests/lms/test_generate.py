"""The site generator: deterministic, validated, engagement-driven, consistent with access."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Count, Max

from access.models import Context, ContextLevel, RoleAssignment
from access.selectors import users_with_capability
from lms.generator import site_config_build, site_generate
from lms.generator.log import LogPlan
from lms.generator.plan import DROPOUT, FINISHED, NEVER_START, STRONG, plan_build
from lms.generator.writer import SiteIds
from lms.models import (
    Activity,
    ActivityCompletion,
    Category,
    Course,
    CourseGrade,
    Enrolment,
)
from logstore.models import LegacyLogEntry, StandardLogEntry

NOW = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)


def _config(**kwargs):
    sizes = {"courses": 6, "students_per_course": 20, "events": 12_000, "now": NOW}
    return site_config_build(**(sizes | kwargs))


def _fake_ids(plan) -> SiteIds:
    n_courses, n_acts = len(plan.course_start), len(plan.act_course)
    return SiteIds(
        category=np.arange(len(plan.category_name)) + 1,
        course=np.arange(n_courses) + 1,
        activity=np.arange(n_acts) + 1,
        user=np.arange(len(plan.user_username)) + 1,
        course_context=np.arange(n_courses) + 100,
        activity_context=np.arange(n_acts) + 1000,
        category_context=np.arange(len(plan.category_name)) + 10,
        system_context=1,
    )


def _log_rows(config) -> list[np.ndarray]:
    plan = plan_build(config, config.now)
    batches = list(LogPlan(plan).batches(_fake_ids(plan)))
    columns = ["event", "userid", "contextid", "timecreated", "objectid"]
    return [np.concatenate([getattr(b, c) for b in batches]) for c in columns]


# --- determinism and validation (no database) -------------------------------------


def test_the_same_seed_and_time_give_the_same_site_and_log():
    first, second = (
        plan_build(_config(), _config().now),
        plan_build(_config(), _config().now),
    )
    assert first.course_shortname == second.course_shortname
    for name in (
        "course_start",
        "enrol_user",
        "engagement",
        "grade_value",
        "completion_time",
    ):
        assert np.array_equal(
            getattr(first, name), getattr(second, name), equal_nan=True
        )
    for a, b in zip(_log_rows(_config()), _log_rows(_config()), strict=True):
        assert np.array_equal(a, b)


def test_another_seed_gives_another_site():
    one = plan_build(_config(seed=1), _config().now)
    two = plan_build(_config(seed=2), _config().now)
    assert not np.array_equal(one.course_start, two.course_start)
    assert not np.array_equal(
        _log_rows(_config(seed=1))[3], _log_rows(_config(seed=2))[3]
    )


def test_the_log_has_exactly_the_requested_rows():
    assert len(_log_rows(_config(events=12_345))[0]) == 12_345


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"courses": 0}, "courses"),
        ({"courses": 1_000_000}, "courses"),
        ({"students_per_course": 0}, "students_per_course"),
        ({"events": -1}, "events"),
        ({"seed": -5}, "seed"),
        ({"logstore": "both_and_more"}, "logstore"),
        ({"preset": "huge"}, "preset"),
    ],
)
def test_out_of_range_arguments_are_refused(kwargs, field):
    with pytest.raises(ValidationError) as error:
        site_config_build(**kwargs)
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_the_command_reports_bad_arguments_and_writes_nothing():
    with pytest.raises(CommandError, match="courses must be between 1 and"):
        call_command("generate_site", "--courses", "0", stdout=StringIO())
    with pytest.raises(CommandError, match="students-per-course"):
        call_command(
            "generate_site", "--students-per-course", "99999", stdout=StringIO()
        )
    with pytest.raises(CommandError, match="--now"):
        call_command("generate_site", "--now", "yesterday", stdout=StringIO())
    assert Course.objects.exists() is False
    assert get_user_model().objects.exists() is False


# --- what is written ----------------------------------------------------------------


@pytest.fixture
def generated(db):
    return site_generate(config=_config(logstore="both"))


def test_engagement_drives_outcomes(generated):
    plan = generated.plan
    users = dict(zip(plan.user_username, range(len(plan.user_username)), strict=True))
    db_user = {u.pk: users[u.username] for u in get_user_model().objects.all()}
    db_course = {c.pk: i for i, c in enumerate(Course.objects.order_by("id"))}
    last = {
        (db_user[row["userid"]], db_course[row["courseid"]]): row["last"]
        for row in StandardLogEntry.objects.filter(courseid__in=db_course)
        .values("userid", "courseid")
        .annotate(last=Max("timecreated"))
    }
    dropouts = never = 0
    for e in range(len(plan.enrol_user)):
        key = (plan.enrol_user[e], plan.enrol_course[e])
        start, end = plan.course_start[key[1]], plan.course_end[key[1]]
        if plan.enrol_archetype[e] == DROPOUT:
            dropouts += 1
            # Silent in the last quarter of the course.
            assert last.get(key, 0) < start + 0.75 * (end - start)
        if plan.enrol_archetype[e] == NEVER_START:
            never += 1
            assert key not in last
    assert dropouts > 0
    assert never > 0
    finished = plan.course_status[plan.enrol_course] == FINISHED
    grade = plan.course_grade
    strong = finished & (plan.enrol_archetype == STRONG)
    dropped = finished & (plan.enrol_archetype == DROPOUT)
    assert np.nanmean(grade[strong]) > np.nanmean(np.nan_to_num(grade[dropped])) + 10
    completed = plan.course_completed >= 0
    assert completed[strong].mean() > completed[dropped].mean()
    # And the database holds those grades.
    assert CourseGrade.objects.count() == int((~np.isnan(grade)).sum())


def test_courses_mix_finished_running_and_hidden_ones(generated):
    now = NOW
    courses = Course.objects.all()
    assert courses.count() == 6
    assert any(c.enddate < now for c in courses)
    assert any(c.startdate <= now < c.enddate for c in courses)
    assert any(c.startdate > now for c in courses)
    assert any(not c.visible for c in courses)
    assert all(c.enddate > c.startdate for c in courses)
    assert all(c.grade_to_pass > 0 for c in courses)
    assert Category.objects.filter(parent__isnull=False).exists()
    due = Activity.objects.filter(duedate__isnull=False)
    assert due.exists()
    assert set(due.values_list("modname", flat=True)) <= Activity.TYPES_WITH_DUE_DATE


def test_contexts_and_roles_match_access(generated):
    for course in Course.objects.select_related("category"):
        context = Context.objects.get(
            contextlevel=ContextLevel.COURSE, instanceid=course.pk
        )
        parent = Context.objects.get(
            contextlevel=ContextLevel.CATEGORY, instanceid=course.category_id
        )
        assert context.parent_id == parent.pk
        assert context.path == f"{parent.path}/{context.pk}"
        students = set(
            RoleAssignment.objects.filter(
                context=context, role__shortname="student"
            ).values_list("user_id", flat=True)
        )
        enrolled = set(
            Enrolment.objects.filter(
                course=course, user__username__startswith="student"
            ).values_list("user_id", flat=True)
        )
        assert students == enrolled
        # Teachers of the course (and the site manager) may list its insights.
        allowed = set(users_with_capability("analytics:listinsights", context))
        teacher = RoleAssignment.objects.get(
            context=context, role__shortname="editingteacher"
        ).user
        assert teacher in allowed
        assert teacher.has_perm("analytics:listinsights", course) is True
        assert get_user_model().objects.get(username="manager") in allowed
        assert not allowed & set(get_user_model().objects.filter(pk__in=students))
    assert RoleAssignment.objects.filter(
        user__username="categorymanager", context__contextlevel=ContextLevel.CATEGORY
    ).exists()
    # Every log row's context is the context of its activity, course or the system.
    log_contexts = set(
        StandardLogEntry.objects.values_list(
            "contextid", "contextlevel", "contextinstanceid"
        ).distinct()
    )
    known = set(
        Context.objects.filter(pk__in={c for c, _l, _i in log_contexts}).values_list(
            "pk", "contextlevel", "instanceid"
        )
    )
    assert log_contexts == known


def test_both_stores_hold_the_same_activity(generated):
    assert StandardLogEntry.objects.count() == 12_000
    assert LegacyLogEntry.objects.count() == 12_000
    standard = set(
        StandardLogEntry.objects.values("userid", "courseid")
        .annotate(n=Count("id"))
        .values_list("userid", "courseid", "n")
    )
    legacy = set(
        LegacyLogEntry.objects.values("userid", "course")
        .annotate(n=Count("id"))
        .values_list("userid", "course", "n")
    )
    assert standard == legacy
    # Row for row: same user, course, activity and time in both stores.
    from collections import Counter

    standard_rows = Counter(
        (user, course, instance if level == ContextLevel.MODULE else 0, time)
        for user, course, level, instance, time in StandardLogEntry.objects.values_list(
            "userid", "courseid", "contextlevel", "contextinstanceid", "timecreated"
        )
    )
    legacy_rows = Counter(
        LegacyLogEntry.objects.values_list("userid", "course", "cmid", "time")
    )
    assert standard_rows == legacy_rows
    # Moodle's legacy actions, which the legacy reader maps back to event names.
    assert LegacyLogEntry.objects.filter(module="course", action="view").count() == (
        StandardLogEntry.objects.filter(
            eventname="\\core\\event\\course_viewed"
        ).count()
    )
    assert LegacyLogEntry.objects.filter(
        module="quiz", action="close attempt"
    ).count() == (
        StandardLogEntry.objects.filter(
            eventname="\\mod_quiz\\event\\attempt_submitted"
        ).count()
    )


def test_activity_completion_follows_the_log(generated):
    # Every completion has its completion event in the log, at the same time.
    completions = ActivityCompletion.objects.select_related("activity").all()
    assert completions.exists()
    events = set(
        StandardLogEntry.objects.filter(
            eventname="\\core\\event\\course_module_completion_updated"
        ).values_list("userid", "contextinstanceid", "timecreated")
    )
    for completion in completions:
        key = (
            completion.user_id,
            completion.activity_id,
            int(completion.timemodified.timestamp()),
        )
        assert key in events


@pytest.mark.django_db
def test_if_empty_does_nothing_when_courses_exist():
    out = StringIO()
    call_command(
        "generate_site", "--courses", "2", "--students-per-course", "5",
        "--events", "500", "--now", "2026-01-15T00:00Z", stdout=out,
    )  # fmt: skip
    assert "500 log rows" in out.getvalue()
    assert "rows/s" in out.getvalue()
    out = StringIO()
    call_command("generate_site", "--preset", "demo", "--if-empty", stdout=out)
    assert "nothing generated" in out.getvalue()
    assert Course.objects.count() == 2
    with pytest.raises(CommandError, match="exist already"):
        call_command(
            "generate_site", "--courses", "2", "--events", "10", stdout=StringIO()
        )
    assert Course.objects.count() == 2


@pytest.mark.django_db
def test_a_failure_while_writing_the_log_leaves_nothing_behind(monkeypatch):
    import logstore.services

    def broken(*, batch, using="default"):
        raise RuntimeError("disk full")

    monkeypatch.setattr(logstore.services, "legacy_log_write", broken)
    contexts = Context.objects.count()
    with pytest.raises(RuntimeError, match="disk full"):
        site_generate(config=_config(logstore="both"))
    assert Course.objects.exists() is False
    assert Category.objects.exists() is False
    assert get_user_model().objects.exists() is False
    assert StandardLogEntry.objects.exists() is False
    assert Context.objects.count() == contexts


@pytest.mark.django_db
def test_demo_admin_prints_a_fresh_login_that_works_and_makes_a_site_manager():
    from django.contrib.auth import authenticate

    first, second = StringIO(), StringIO()
    call_command("demo_admin", stdout=first)
    call_command("demo_admin", stdout=second)
    username, password = first.getvalue().split("Login: ")[1].split(" / ")
    new_password = second.getvalue().split(" / ")[1].strip()
    assert username == "admin"
    assert new_password != password.strip()
    assert authenticate(username="admin", password=password.strip()) is None
    admin = authenticate(username="admin", password=new_password)
    assert admin is not None and admin.is_superuser and admin.is_staff
    assert (
        RoleAssignment.objects.filter(
            user=admin,
            role__shortname="manager",
            context__contextlevel=ContextLevel.SYSTEM,
        ).count()
        == 1
    )
