"""In headless Chromium, "Send message" on a student's prediction page opens the
message form (the button's own destination), not the same page again."""

from __future__ import annotations

import re

import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _default_roles(transactional_db):
    """The default roles, reinstalled if an earlier live-server test's flush took
    them (idempotent)."""
    from django.apps import apps

    from access.defaults import defaults_install
    from access.models import Role

    if not Role.objects.exists():
        defaults_install(apps)


@pytest.fixture(autouse=True)
def _english_urls():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def prediction(admin_user, course, teacher, student):
    """A dropout prediction (class 1) about `student`, with its insight; the
    teacher is staff with a known password (the admin login form)."""
    from access.selectors import context_of
    from insights.models import Prediction
    from insights.services import insights_generate
    from lms.models import Enrolment
    from models_app.models import AnalyticsModel

    teacher.is_staff = True
    teacher.set_password(DEFAULT_PASSWORD)
    teacher.save(update_fields=["is_staff", "password"])
    model = AnalyticsModel.objects.create(
        name="Dropout", target="course_dropout", enabled=True, trained=True
    )
    prediction = Prediction.objects.create(
        model=model,
        context=context_of(course),
        sampleid=Enrolment.objects.get(user=student, course=course).pk,
        rangeindex=0,
        prediction=1,
        predictionscore=0.9,
        calculations={"any_course_access": -1.0},
    )
    insights_generate(model=model, predictions=[prediction])
    return prediction


def test_send_message_on_the_prediction_page_opens_the_message_form(
    prediction, student, new_page, admin_login, live_url
):
    page = new_page()
    admin_login(page, username="teacher", password=DEFAULT_PASSWORD)
    page.goto(live_url("insights:prediction", pk=prediction.pk))

    page.locator("form.actions button.action-studentmessage").click()

    page.wait_for_url(re.compile(r".*/insights/\d+/message/\?predictions=\d+"))
    assert student.get_full_name() in page.locator(".recipients").inner_text()
    assert page.locator("textarea[name=body]").is_visible()
    assert prediction.actions.filter(actionname="studentmessage").count() == 1
