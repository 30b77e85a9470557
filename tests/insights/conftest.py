"""Personas and data for the insights tests.

Fake targets (tests/fixtures/insights_targets.py) are registered for every test
here, one per analysable kind, with one enabled model each.
"""

from __future__ import annotations

from typing import Any

import pytest

TARGETS = {
    "fake_course_risk": "tests.fixtures.insights_targets.FakeCourseRisk",
    "fake_no_teaching": "tests.fixtures.insights_targets.FakeNoTeaching",
    "fake_upcoming": "tests.fixtures.insights_targets.FakeUpcoming",
}
INDICATORS = {
    "fake_any_access": "tests.fixtures.insights_targets.FakeBinaryIndicator",
    "fake_read_actions": "tests.fixtures.insights_targets.FakeLinearIndicator",
}


@pytest.fixture(autouse=True)
def fake_plugins(monkeypatch):
    from models_app.plugins import registry

    for key, path in TARGETS.items():
        monkeypatch.setitem(registry.TARGETS, key, path)
    for key, path in INDICATORS.items():
        monkeypatch.setitem(registry.INDICATORS, key, path)


def _model(target: str, **kwargs: Any):
    from models_app.models import AnalyticsModel

    return AnalyticsModel.objects.create(
        target=target, enabled=True, trained=True, **kwargs
    )


@pytest.fixture
def course_model(db):
    return _model("fake_course_risk", name="Students at risk")


@pytest.fixture
def site_model(db):
    return _model("fake_no_teaching", name="Courses at risk of not starting")


@pytest.fixture
def user_model(db):
    return _model("fake_upcoming", name="Upcoming activities due")


@pytest.fixture
def make_prediction():
    """`make_prediction(model, sample)`: a stored prediction of class 1 for `sample`.

    `sample` is an enrolment, a course or a user; its context is the one Moodle's
    analysers give: the course for an enrolment, the system for a course (site-level
    target), the user's own for a user.
    """
    from access.selectors import context_of
    from access.services import context_system
    from insights.models import Prediction
    from lms.models import Course, Enrolment

    def make(model, sample, *, rangeindex: int = 0, score: float = 0.8, **kwargs):
        if isinstance(sample, Enrolment):
            context = context_of(sample.course)
        elif isinstance(sample, Course):
            context = context_system()
        else:
            context = context_of(sample)
        kwargs.setdefault(
            "calculations", {"fake_any_access": -1.0, "fake_read_actions": 0.33}
        )
        return Prediction.objects.create(
            model=model,
            context=context,
            sampleid=sample.pk,
            rangeindex=rangeindex,
            prediction=1,
            predictionscore=score,
            **kwargs,
        )

    return make


@pytest.fixture
def enrolment(student, course):
    from lms.models import Enrolment

    return Enrolment.objects.get(user=student, course=course)


@pytest.fixture
def other_course(category):
    from tests.factories import CourseFactory

    return CourseFactory(category=category, shortname="CHEM1", fullname="Chemistry")


@pytest.fixture
def other_teacher(other_course):
    """An editing teacher of another course in the same category."""
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username="otherteacher", first_name="Olga")
    EnrolmentFactory(user=user, course=other_course)
    RoleAssignmentFactory(user=user, role="editingteacher", context=other_course)
    return user


@pytest.fixture
def other_enrolment(other_course):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username="otherstudent", first_name="Oscar")
    RoleAssignmentFactory(user=user, role="student", context=other_course)
    return EnrolmentFactory(user=user, course=other_course)


@pytest.fixture
def category_manager(category):
    from tests.factories import RoleAssignmentFactory, UserFactory

    user = UserFactory(username="catmanager", first_name="Carla")
    RoleAssignmentFactory(user=user, role="manager", context=category)
    return user


@pytest.fixture
def superuser_with_role(course):
    """A superuser who is also a manager at system level and an enrolled teacher."""
    from access.services import context_system
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(
        username="rootteacher", first_name="Rita", is_staff=True, is_superuser=True
    )
    EnrolmentFactory(user=user, course=course)
    RoleAssignmentFactory(user=user, role="manager", context=context_system())
    RoleAssignmentFactory(user=user, role="editingteacher", context=course)
    return user


@pytest.fixture
def prohibited_course(category):
    """A course where listinsights is prohibited for both teacher roles."""
    from access.models import Permission, Role
    from access.selectors import context_of
    from access.services import capability_override
    from tests.factories import CourseFactory

    course = CourseFactory(category=category, shortname="PHY1", fullname="Physics")
    for shortname in ("editingteacher", "teacher"):
        capability_override(
            role=Role.objects.get(shortname=shortname),
            capability="analytics:listinsights",
            context=context_of(course),
            permission=Permission.PROHIBIT,
        )
    return course


@pytest.fixture
def prohibited_teacher(prohibited_course):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username="phyteacher", first_name="Pia")
    EnrolmentFactory(user=user, course=prohibited_course)
    RoleAssignmentFactory(user=user, role="editingteacher", context=prohibited_course)
    return user


@pytest.fixture
def prohibited_enrolment(prohibited_course):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username="phystudent", first_name="Paul")
    RoleAssignmentFactory(user=user, role="student", context=prohibited_course)
    return EnrolmentFactory(user=user, course=prohibited_course)


# Teachers of `course` who hold the editing teacher role there but are not let into
# it (Moodle's require_login($course) refuses them), and a manager of the course
# who is let in without an enrolment (course:view).


def _teacher_enrolled(course, username: str, **enrolment: Any):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username=username)
    if enrolment.pop("enrolled", True):
        EnrolmentFactory(user=user, course=course, **enrolment)
    RoleAssignmentFactory(user=user, role="editingteacher", context=course)
    return user


@pytest.fixture
def suspended_teacher(course):
    from lms.models import Enrolment

    return _teacher_enrolled(
        course, "suspendedteacher", status=Enrolment.Status.SUSPENDED
    )


@pytest.fixture
def ended_teacher(course):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    return _teacher_enrolled(
        course,
        "endedteacher",
        timestart=now - dt.timedelta(days=20),
        timeend=now - dt.timedelta(days=1),
    )


@pytest.fixture
def future_teacher(course):
    """Enrolled from next week on."""
    import datetime as dt

    from django.utils import timezone

    return _teacher_enrolled(
        course, "futureteacher", timestart=timezone.now() + dt.timedelta(days=7)
    )


@pytest.fixture
def role_only_teacher(course):
    """The editing teacher role in the course, no enrolment at all."""
    return _teacher_enrolled(course, "roleonlyteacher", enrolled=False)


@pytest.fixture
def course_manager(course):
    """A manager assigned in the course context itself, not enrolled."""
    from tests.factories import RoleAssignmentFactory, UserFactory

    user = UserFactory(username="coursemanager", first_name="Cora")
    RoleAssignmentFactory(user=user, role="manager", context=course)
    return user
