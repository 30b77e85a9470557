"""Who is told about an insight and who may open its pages, persona by persona.

Kinds of insight: a course-level model (an insight in the course context), a
site-level model (the system context), a user-level model (the student's own user
context), and a course-level model in a course where listinsights is prohibited
for both teacher roles. Expected values are (notified, may open the pages).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from insights.models import Notification
from insights.selectors import insights_visible_to
from insights.services import insights_generate

PERSONAS = [
    "manager",
    "category_manager",
    "teacher",
    "noneditingteacher",
    "student",
    "outsider",
    "superuser",
    "superuser_with_role",
    "prohibited_teacher",
]

EXPECTED = {
    "course": {
        "manager": (False, True),  # not in the course: Moodle tells only its people
        "category_manager": (False, True),
        "teacher": (True, True),
        "noneditingteacher": (True, True),
        "student": (False, False),
        "outsider": (False, False),
        "superuser": (False, True),
        "superuser_with_role": (True, True),
        "prohibited_teacher": (False, False),
    },
    "site": {
        "manager": (True, True),
        "category_manager": (False, False),
        "teacher": (False, False),
        "noneditingteacher": (False, False),
        "student": (False, False),
        "outsider": (False, False),
        "superuser": (False, True),
        "superuser_with_role": (True, True),
        "prohibited_teacher": (False, False),
    },
    "user": {
        "manager": (False, True),
        "category_manager": (False, False),
        "teacher": (False, False),
        "noneditingteacher": (False, False),
        "student": (True, True),  # the user concerned, by listowninsights
        "outsider": (False, False),
        "superuser": (False, True),
        "superuser_with_role": (False, True),
        "prohibited_teacher": (False, False),
    },
    "prohibited": {
        "manager": (False, True),
        "category_manager": (False, True),
        "teacher": (False, False),
        "noneditingteacher": (False, False),
        "student": (False, False),
        "outsider": (False, False),
        "superuser": (False, True),
        "superuser_with_role": (False, True),
        "prohibited_teacher": (False, False),  # prohibit beats the teacher's allow
    },
}


@pytest.fixture
def everyone(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.fixture
def insight_of_kind(
    request,
    everyone,
    course_model,
    site_model,
    user_model,
    make_prediction,
    enrolment,
    course,
    student,
    prohibited_enrolment,
):
    kind = request.param
    if kind == "course":
        model, predictions = course_model, [make_prediction(course_model, enrolment)]
    elif kind == "site":
        model, predictions = site_model, [make_prediction(site_model, course)]
    elif kind == "user":
        model, predictions = user_model, [make_prediction(user_model, student)]
    else:
        model = course_model
        predictions = [make_prediction(course_model, prohibited_enrolment)]
    (insight,) = insights_generate(model=model, predictions=predictions)
    return kind, insight, predictions[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "insight_of_kind", ["course", "site", "user", "prohibited"], indirect=True
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_is_notified_and_who_may_open_the_pages(
    insight_of_kind, persona, everyone, client
):
    kind, insight, prediction = insight_of_kind
    notified, may_open = EXPECTED[kind][persona]
    user = everyone[persona]

    received = Notification.objects.filter(user=user, insight=insight).exists()
    assert received is notified

    listed = insights_visible_to(user=user).filter(pk=insight.pk).exists()
    assert listed is may_open

    client.force_login(user)
    expected_status = 200 if may_open else 403
    page = client.get(reverse("insights:insight", args=[insight.pk]))
    assert page.status_code == expected_status
    details = client.get(reverse("insights:prediction", args=[prediction.pk]))
    assert details.status_code == expected_status
    acted = client.post(
        reverse("insights:prediction_action", args=[prediction.pk]),
        {"action": "predictiondetails"},
    )
    assert acted.status_code == (302 if may_open else 403)
    if not may_open:
        assert prediction.actions.filter(user=user).exists() is False
