"""Who is told about an insight and who may open its pages, persona by persona.

Kinds of insight: a course-level model (an insight in the course context), a
site-level model (the system context), a user-level model (the student's own user
context), and a course-level model in a course where listinsights is prohibited
for both teacher roles. Expected values are (notified, may open the pages).

Beyond roles, a course's pages also need the user to be let into the course, as
Moodle's require_login($course): teachers whose enrolment is suspended, ended or
not yet started, or who hold the role without an enrolment, are refused; managers
(system, category or course) are let in by course:view without an enrolment.
Every page and action is asked, with a notification of each persona's own.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from insights.actions import bulk_actions_of, target_for
from insights.models import Notification, StudentMessage
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
    "suspended_teacher",
    "ended_teacher",
    "future_teacher",
    "role_only_teacher",
    "course_manager",
]

#: Personas whose only role is in `course`: nothing elsewhere.
COURSE_ONLY = dict.fromkeys(
    (
        "suspended_teacher",
        "ended_teacher",
        "future_teacher",
        "role_only_teacher",
        "course_manager",
    ),
    (False, False),
)

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
        "suspended_teacher": (False, False),  # listinsights, but not let in
        "ended_teacher": (False, False),
        "future_teacher": (False, False),
        "role_only_teacher": (False, False),
        "course_manager": (False, True),  # course:view; not enrolled, not told
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
        **COURSE_ONLY,
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
        **COURSE_ONLY,
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
        **COURSE_ONLY,
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
    listing = client.get(reverse("insights:list"))
    assert listing.status_code == 200
    assert (insight.get_absolute_url() in listing.content.decode()) is may_open

    refused = 403
    for name, pk in [
        ("insights:insight", insight.pk),
        ("insights:prediction", prediction.pk),
    ]:
        page = client.get(reverse(name, args=[pk]))
        assert page.status_code == (200 if may_open else refused), name
    outline = client.get(reverse("insights:prediction_outline", args=[prediction.pk]))
    # Only predictions about a student in a course have an outline.
    has_outline = kind in ("course", "prohibited")
    assert outline.status_code == (
        (200 if has_outline else 404) if may_open else refused
    )
    # Compose and send: these fake targets offer no "Send message", so those
    # allowed are sent back to the insight with a message; the others are refused.
    message_url = reverse("insights:student_message", args=[insight.pk])
    composed = client.get(message_url, {"predictions": prediction.pk})
    assert composed.status_code == (302 if may_open else refused)
    sent = client.post(
        message_url,
        {"predictions": [prediction.pk], "subject": "Hi", "body": "Hello"},
    )
    assert sent.status_code == (302 if may_open else refused)
    beside = client.get(reverse("insights:prediction_message", args=[prediction.pk]))
    assert beside.status_code == (302 if may_open else refused)
    assert StudentMessage.objects.exists() is False

    acted = client.post(
        reverse("insights:prediction_action", args=[prediction.pk]),
        {"action": "predictiondetails"},
    )
    assert acted.status_code == (302 if may_open else refused)
    bulk = bulk_actions_of(target_for(insight.model.target))[0].name
    bulk_acted = client.post(
        reverse("insights:insight_actions", args=[insight.pk]),
        {"action": bulk, "predictions": [prediction.pk]},
    )
    assert bulk_acted.status_code == (302 if may_open else refused)
    assert prediction.actions.filter(user=user, actionname=bulk).exists() is may_open
    if not may_open:
        assert prediction.actions.filter(user=user).exists() is False

    # A notification link, whether or not this persona was told (a refused one
    # may have been told before losing access): it opens only what may be seen.
    notification = Notification.objects.filter(
        user=user, insight=insight
    ).first() or Notification.objects.create(user=user, insight=insight, subject="s")
    Notification.objects.filter(pk=notification.pk).update(timeread=None)
    opened = client.get(reverse("insights:notification_open", args=[notification.pk]))
    assert opened.status_code == (302 if may_open else refused)
    notification.refresh_from_db()
    assert (notification.timeread is not None) is may_open
