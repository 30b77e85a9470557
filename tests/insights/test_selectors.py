"""What each person sees in an insight, and the admin's per-model figures."""

from __future__ import annotations

import pytest

from insights.actions import HIDING_ACTIONS
from insights.selectors import (
    course_contexts_viewable,
    course_viewable,
    enrolment_active,
    insights_visible_to,
    prediction_figures_by_model,
    predictions_visible_to,
)
from insights.services import insights_generate, prediction_action_record
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "action,hides",
    [
        ("fixed", True),
        ("notapplicable", True),
        ("incorrectlyflagged", True),
        ("predictiondetails", False),
        ("viewoutlinereport", False),
    ],
)
def test_flags_hide_a_prediction_from_the_person_who_set_them(
    course_model, make_prediction, enrolment, teacher, noneditingteacher, action, hides
):
    prediction = make_prediction(course_model, enrolment)
    (insight,) = insights_generate(model=course_model, predictions=[prediction])

    prediction_action_record(prediction=prediction, user=teacher, actionname=action)

    mine = list(predictions_visible_to(user=teacher, insight=insight))
    assert (mine == []) is hides
    assert list(predictions_visible_to(user=noneditingteacher, insight=insight)) == [
        prediction
    ]


@pytest.mark.parametrize("action", ["useful", "notuseful"])
def test_answering_a_one_sample_insight_hides_it(
    user_model, make_prediction, student, action
):
    prediction = make_prediction(user_model, student)
    (insight,) = insights_generate(model=user_model, predictions=[prediction])
    assert action in HIDING_ACTIONS
    prediction_action_record(prediction=prediction, user=student, actionname=action)
    assert list(predictions_visible_to(user=student, insight=insight)) == []


def test_only_the_latest_range_of_each_sample_shows(
    course, course_model, make_prediction, enrolment, teacher
):
    old = make_prediction(course_model, enrolment, rangeindex=0)
    new = make_prediction(course_model, enrolment, rangeindex=2)
    other = make_prediction(course_model, EnrolmentFactory(course=course))
    (insight,) = insights_generate(model=course_model, predictions=[old, new, other])
    visible = set(predictions_visible_to(user=teacher, insight=insight))
    assert visible == {new, other}


def test_insights_of_disabled_models_are_not_listed(
    course_model, make_prediction, enrolment, teacher
):
    insights_generate(
        model=course_model, predictions=[make_prediction(course_model, enrolment)]
    )
    assert insights_visible_to(user=teacher).count() == 1
    course_model.enabled = False
    course_model.save()
    assert insights_visible_to(user=teacher).count() == 0


def test_figures_per_model(course, course_model, make_prediction, teacher, manager):
    predictions = [
        make_prediction(course_model, EnrolmentFactory(course=course)) for _ in range(4)
    ]
    prediction_action_record(
        prediction=predictions[0], user=teacher, actionname="incorrectlyflagged"
    )
    # Two people flagging the same prediction count it once.
    prediction_action_record(
        prediction=predictions[1], user=teacher, actionname="incorrectlyflagged"
    )
    prediction_action_record(
        prediction=predictions[1], user=manager, actionname="incorrectlyflagged"
    )
    prediction_action_record(
        prediction=predictions[2], user=teacher, actionname="fixed"
    )

    (row,) = prediction_figures_by_model()

    assert row == course_model
    assert row.predictions_total == 4
    assert row.marked_incorrectlyflagged == 2
    assert row.marked_useful == 0 and row.marked_notuseful == 0


# Let into the course: course:view or an active enrolment (Moodle's can_access_course)

COURSE_PERSONAS = [
    "teacher",
    "noneditingteacher",
    "student",
    "manager",
    "category_manager",
    "course_manager",
    "superuser",
    "outsider",
    "suspended_teacher",
    "ended_teacher",
    "future_teacher",
    "role_only_teacher",
    "other_teacher",
]
LET_IN = {
    "teacher",
    "noneditingteacher",
    "student",
    "manager",
    "category_manager",
    "course_manager",
    "superuser",
}


@pytest.mark.parametrize("persona", COURSE_PERSONAS)
def test_who_is_let_into_a_course_and_its_activities(request, course, persona):
    """The one-course check and the many-courses QuerySet give the same answers."""
    from access.selectors import context_of
    from tests.factories import ActivityFactory

    user = request.getfixturevalue(persona)
    course_context = context_of(course)
    activity_context = context_of(ActivityFactory(course=course))
    expected = persona in LET_IN

    assert course_viewable(user=user, context=course_context) is expected
    assert course_viewable(user=user, context=activity_context) is expected
    listed = course_contexts_viewable(user=user).filter(pk=course_context.pk).exists()
    assert listed is expected


def test_contexts_outside_courses_need_no_enrolment(suspended_teacher, category):
    from access.selectors import context_of
    from access.services import context_system

    for context in (
        context_system(),
        context_of(category),
        context_of(suspended_teacher),
    ):
        assert course_viewable(user=suspended_teacher, context=context) is True


def test_an_enrolment_is_active_from_its_start_until_its_end(course, teacher):
    import datetime as dt

    from django.utils import timezone

    from lms.models import Enrolment

    now = timezone.now()
    enrolment = Enrolment.objects.get(user=teacher, course=course)
    active = Enrolment.objects.filter(enrolment_active(now=now), pk=enrolment.pk)
    for start, end, expected in [
        (None, None, True),
        (now, None, True),  # starts now
        (now + dt.timedelta(seconds=1), None, False),
        (None, now, False),  # ended now
        (None, now + dt.timedelta(seconds=1), True),
    ]:
        Enrolment.objects.filter(pk=enrolment.pk).update(timestart=start, timeend=end)
        assert active.exists() is expected, (start, end)


def test_an_activity_insight_follows_its_course(
    course, course_model, suspended_teacher, teacher
):
    """An insight in an activity's context is refused to whoever its course refuses."""
    from access.selectors import context_of
    from insights.models import Insight
    from insights.selectors import insight_context_viewable
    from tests.factories import ActivityFactory

    context = context_of(ActivityFactory(course=course))
    insight = Insight.objects.create(model=course_model, context=context)
    for user, expected in ((teacher, True), (suspended_teacher, False)):
        assert insight_context_viewable(user=user, context=context) is expected
        listed = insights_visible_to(user=user).filter(pk=insight.pk).exists()
        assert listed is expected
