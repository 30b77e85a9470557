"""What each person sees in an insight, and the admin's per-model figures."""

from __future__ import annotations

import pytest

from insights.actions import HIDING_ACTIONS
from insights.selectors import (
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
