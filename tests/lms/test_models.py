"""Model validation of the learning site: bad dates and due dates are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.models import Activity, Course, Enrolment
from tests.factories import ActivityFactory, CategoryFactory, CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _course(**kwargs) -> Course:
    start = timezone.now()
    defaults = {
        "category": CategoryFactory(),
        "shortname": "BAD1",
        "fullname": "Bad dates",
        "startdate": start,
        "enddate": start - dt.timedelta(days=1),
    }
    return Course(**(defaults | kwargs))


def test_course_ending_before_it_starts_fails_validation():
    course = _course()
    with pytest.raises(ValidationError) as error:
        course.full_clean()
    assert "enddate" in error.value.message_dict


def test_course_ending_before_it_starts_is_refused_by_the_database():
    course = _course()
    with pytest.raises(IntegrityError), transaction.atomic():
        course.save()
    assert Course.objects.filter(shortname="BAD1").exists() is False


def test_course_without_dates_or_ending_after_start_is_valid():
    _course(shortname="OK1", startdate=None, enddate=None).full_clean()
    start = timezone.now()
    _course(
        shortname="OK2", startdate=start, enddate=start + dt.timedelta(days=70)
    ).full_clean()


def test_due_date_on_a_type_without_one_fails_validation():
    activity = ActivityFactory.build(
        course=CourseFactory(), modname=Activity.Type.PAGE, duedate=timezone.now()
    )
    with pytest.raises(ValidationError) as error:
        activity.full_clean()
    assert "duedate" in error.value.message_dict


def test_due_date_on_an_assignment_is_valid():
    activity = ActivityFactory.build(
        course=CourseFactory(), modname=Activity.Type.ASSIGN, duedate=timezone.now()
    )
    activity.full_clean()


def test_enrolment_ending_before_it_starts_fails_validation():
    start = timezone.now()
    enrolment = Enrolment(
        user=UserFactory(),
        course=CourseFactory(),
        timestart=start,
        timeend=start - dt.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as error:
        enrolment.full_clean()
    assert "timeend" in error.value.message_dict


def test_a_user_is_enrolled_once_per_course():
    user, course = UserFactory(), CourseFactory()
    Enrolment.objects.create(user=user, course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(user=user, course=course)
