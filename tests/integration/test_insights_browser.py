"""A teacher acts on an insight in headless Chromium; a teacher of another course
is refused the same page.

The teacher logs in through the admin login form, as LOGIN_URL says, so the
account is staff (Django's admin login accepts only staff accounts).
"""

from __future__ import annotations

import re

import pytest

from tests.factories import DEFAULT_PASSWORD

# The flush after each test ends in post_migrate, which re-installs what
# migrations create (roles, default models, schedules) for the tests after.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

FAKE_TARGET = (
    "fake_course_risk",
    "tests.fixtures.insights_targets.FakeCourseRisk",
)


@pytest.fixture(autouse=True)
def _default_roles(transactional_db):
    """The default roles, reinstalled if an earlier live-server test's flush took
    them and no serialized copy was there to restore (idempotent)."""
    from django.apps import apps

    from access.defaults import defaults_install
    from access.models import Role

    if not Role.objects.exists():
        defaults_install(apps)


@pytest.fixture(autouse=True)
def _english_urls():
    """URLs built here are unprefixed whatever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _insight_on(model, course, student, calculations: dict):
    """The insight of one prediction (class 1) about `student` in `course`."""
    from access.selectors import context_of
    from insights.models import Prediction
    from insights.services import insights_generate
    from lms.models import Enrolment

    prediction = Prediction.objects.create(
        model=model,
        context=context_of(course),
        sampleid=Enrolment.objects.get(user=student, course=course).pk,
        rangeindex=0,
        prediction=1,
        predictionscore=0.9,
        calculations=calculations,
    )
    (insight,) = insights_generate(model=model, predictions=[prediction])
    return insight, prediction


@pytest.fixture
def insight_for_teacher(monkeypatch, admin_user, course, teacher, student):
    from models_app.models import AnalyticsModel
    from models_app.plugins import registry

    monkeypatch.setitem(registry.TARGETS, *FAKE_TARGET)
    _staff_with_password(teacher)
    model = AnalyticsModel.objects.create(
        name="Students at risk", target=FAKE_TARGET[0], enabled=True, trained=True
    )
    return _insight_on(model, course, student, {"any_course_access": -1.0})


def test_teacher_marks_a_prediction_fixed_and_it_no_longer_shows(
    insight_for_teacher, new_page, admin_login, live_url, student, other_teacher
):
    insight, prediction = insight_for_teacher
    page = new_page()
    admin_login(page, username="teacher", password=DEFAULT_PASSWORD)

    page.goto(live_url("insights:list"))
    assert page.locator("#unread-count").inner_text().strip() == "1"

    page.click("#notifications-link")
    page.get_by_role("link", name="Students at risk: Biology").click()
    page.wait_for_url(re.compile(rf".*/insights/{insight.pk}/$"))
    row = page.locator(f"#prediction-{prediction.pk}")
    assert student.get_full_name() in row.inner_text()
    assert page.locator("#unread-count").count() == 0  # opening it read it

    row.locator("details.menu summary").click()  # one actions menu per row
    row.locator("button.action-fixed").click()
    page.wait_for_load_state()
    assert "has been saved" in page.locator(".messages").inner_text()
    assert page.locator(f"#prediction-{prediction.pk}").count() == 0
    assert student.get_full_name() not in page.content()
    assert prediction.actions.filter(actionname="fixed").count() == 1

    intruder = new_page()
    admin_login(intruder, username="otherteacher", password=DEFAULT_PASSWORD)
    response = intruder.goto(live_url("insights:insight", pk=insight.pk))
    assert response.status == 403
    assert student.get_full_name() not in intruder.content()
    response = intruder.goto(live_url("insights:prediction", pk=prediction.pk))
    assert response.status == 403


@pytest.mark.usefixtures("emails_inline")
def test_teacher_writes_to_a_student_at_risk_from_the_insight(
    admin_user, course, teacher, student, new_page, admin_login, live_url
):
    from django.core import mail

    from insights.models import StudentMessage
    from models_app.models import AnalyticsModel

    _staff_with_password(teacher)
    model = AnalyticsModel.objects.create(
        name="Dropout", target="course_dropout", enabled=True, trained=True
    )
    insight, prediction = _insight_on(
        model, course, student, {"assessment_scores": -0.6}
    )
    page = new_page()
    admin_login(page, username="teacher", password=DEFAULT_PASSWORD)
    page.goto(live_url("insights:insight", pk=insight.pk))

    row = page.locator(f"#prediction-{prediction.pk}")
    row.locator("details.menu summary").click()
    row.locator("button.action-studentmessage").click()
    page.wait_for_url(re.compile(rf".*/insights/{insight.pk}/message/\?predictions=.*"))
    assert student.get_full_name() in page.locator(".recipients").inner_text()
    page.fill("textarea[name=body]", "Can we meet on Monday?")
    page.click("button.send")
    page.wait_for_url(re.compile(rf".*/insights/{insight.pk}/$"))
    assert "on its way to 1 student" in page.locator(".messages").inner_text()
    message = StudentMessage.objects.get()
    assert (message.recipient, message.body) == (student, "Can we meet on Monday?")
    # The insight's notification went to the teacher; the message to the student.
    assert [(e.to, e.reply_to) for e in mail.outbox[1:]] == [
        ([student.email], [teacher.email])
    ]


def _staff_with_password(user):
    """Staff (the admin login form's rule), password hashed by the test hasher.

    `admin_user` switched to a fast hasher; a factory may have hashed before that.
    """
    user.is_staff = True
    user.set_password(DEFAULT_PASSWORD)
    user.save(update_fields=["is_staff", "password"])


@pytest.fixture
def other_teacher(admin_user, course):
    from tests.factories import (
        CourseFactory,
        EnrolmentFactory,
        RoleAssignmentFactory,
        UserFactory,
    )

    other_course = CourseFactory(category=course.category, fullname="Chemistry")
    user = UserFactory(username="otherteacher")
    EnrolmentFactory(user=user, course=other_course)
    RoleAssignmentFactory(user=user, role="editingteacher", context=other_course)
    _staff_with_password(user)
    return user
