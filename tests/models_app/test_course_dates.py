"""Guessing course dates from enrolments and the log (Moodle's rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from access.models import Context, ContextLevel, Role, RoleAssignment
from lms.models import Category, Course, Enrolment
from logstore.models import StandardLogEntry
from models_app.services.course_dates import course_dates_apply, course_dates_guess

pytestmark = pytest.mark.django_db
DAY = 86400
NOW = 1_700_000_000


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@pytest.fixture
def course():
    category = Category.objects.create(name="Science")
    return Course.objects.create(
        category=category, shortname="BIO1", fullname="Biology"
    )


def _student(course, name, *, enrol_start, accesses):
    user = get_user_model().objects.create(username=name)
    role, _ = Role.objects.get_or_create(
        shortname="student", defaults={"name": "Student", "archetype": "student"}
    )
    context, _ = Context.objects.get_or_create(
        contextlevel=ContextLevel.COURSE, instanceid=course.id
    )
    RoleAssignment.objects.create(role=role, context=context, user=user)
    Enrolment.objects.create(user=user, course=course, timestart=_dt(enrol_start))
    for time in accesses:
        StandardLogEntry.objects.create(
            eventname="\\core\\event\\course_viewed",
            component="core",
            action="viewed",
            target="course",
            crud="r",
            edulevel=2,
            contextid=context.id,
            contextlevel=ContextLevel.COURSE,
            contextinstanceid=course.id,
            userid=user.id,
            courseid=course.id,
            timecreated=time,
        )
    return user


def test_start_is_mean_of_median_first_access_and_median_enrolment_start(course):
    base = NOW - 200 * DAY
    _student(course, "a", enrol_start=base, accesses=[base + 2 * DAY, base + 50 * DAY])
    _student(course, "b", enrol_start=base + 4 * DAY, accesses=[base + 6 * DAY])
    _student(course, "c", enrol_start=base + 8 * DAY, accesses=[base + 10 * DAY])
    [guess] = course_dates_guess(now=NOW)
    median_first = base + 6 * DAY
    median_enrol = base + 4 * DAY
    assert guess.guessed_start == _dt((median_first + median_enrol) // 2)


def test_end_is_median_last_access_when_nobody_came_in_eight_weeks(course):
    base = NOW - 300 * DAY
    _student(course, "a", enrol_start=base, accesses=[base + DAY, base + 90 * DAY])
    _student(course, "b", enrol_start=base, accesses=[base + 100 * DAY])
    _student(course, "c", enrol_start=base, accesses=[base + 120 * DAY])
    [guess] = course_dates_guess(now=NOW)
    assert guess.guessed_end == _dt(base + 100 * DAY)


def test_no_end_while_a_student_accessed_recently(course):
    _student(course, "a", enrol_start=NOW - 100 * DAY, accesses=[NOW - 10 * DAY])
    [guess] = course_dates_guess(now=NOW)
    assert guess.guessed_end is None
    assert "last 8 weeks" in guess.reason


def test_courses_with_dates_are_left_alone_unless_guess_all(course):
    course.startdate, course.enddate = _dt(NOW - 100 * DAY), _dt(NOW - 10 * DAY)
    course.save()
    _student(course, "a", enrol_start=NOW - 90 * DAY, accesses=[NOW - 80 * DAY])
    assert course_dates_guess(now=NOW) == []
    assert len(course_dates_guess(now=NOW, guess_all=True)) == 1


def test_apply_writes_guesses_and_never_ends_before_start(course):
    base = NOW - 300 * DAY
    _student(course, "a", enrol_start=base, accesses=[base + DAY, base + 100 * DAY])
    guesses = course_dates_guess(now=NOW)
    assert course_dates_apply(guesses=guesses) == 1
    course.refresh_from_db()
    assert course.startdate == guesses[0].guessed_start
    assert course.enddate == guesses[0].guessed_end


def test_command_prints_and_updates_only_with_update(course, capsys):
    base = NOW - 300 * DAY
    _student(course, "a", enrol_start=base, accesses=[base + DAY, base + 100 * DAY])
    call_command("guess_course_start_and_end")
    course.refresh_from_db()
    assert course.startdate is None
    assert "BIO1" in capsys.readouterr().out
    call_command("guess_course_start_and_end", "--update", f"--filter={course.id}")
    course.refresh_from_db()
    assert course.startdate is not None


def test_command_rejects_a_bad_filter():
    with pytest.raises(CommandError, match="course ids"):
        call_command("guess_course_start_and_end", "--filter=abc")
