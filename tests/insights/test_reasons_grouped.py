"""A prediction's reasons, one per measure: an indicator and its classmates variant
(and, when listed together, its class mean) are summed into one reason whose
direction is their net effect, so a teacher never reads the same measure twice
with opposite arrows.

The contributions come from a model trained for real (builtin processor, logistic
regression) on the run tests' small site, with each measure's classmates variant:
the model weighs the collinear pair with opposite signs.
"""

from __future__ import annotations

import pytest

from insights.models import Prediction
from insights.reasons import (
    indicator_texts,
    measure_of,
    measure_text,
    prediction_reasons,
)

pytestmark = pytest.mark.django_db

PAIRED = [
    "any_course_access",
    "read_actions",
    "read_actions_classmates",
    "days_since_last_access",
    "days_since_last_access_classmates",
]


@pytest.fixture
def trained_predictions() -> list[Prediction]:
    from models_app.services.running import model_predict, model_train
    from tests.models_app.running_site import (
        NOW,
        dropout_model,
        finished_course,
        running_course,
    )

    finished_course(), finished_course()
    running_course(students=6)
    model = dropout_model(indicators=PAIRED)
    model_train(model=model, now=NOW)
    model_predict(model=model, now=NOW)
    stored = list(Prediction.objects.filter(model=model).order_by("pk"))
    assert stored, "the trained model flags the running course's idle students"
    return stored


def _weights(prediction: Prediction) -> dict[str, float]:
    return {i["key"]: i["weight"] for i in prediction.reasons["items"]}


def _opposite_pair(prediction: Prediction) -> tuple[str, str] | None:
    weights = _weights(prediction)
    for base in ("read_actions", "days_since_last_access"):
        paired = f"{base}_classmates"
        both = base in weights and paired in weights
        if both and (weights[base] > 0) != (weights[paired] > 0):
            return base, paired
    return None


def test_the_classmates_variant_is_the_same_measure_as_its_base():
    assert measure_of("read_actions_classmates") == "read_actions"
    assert measure_of("read_actions") == "read_actions"
    assert measure_of("read_actions/mean") == "read_actions"
    assert measure_of("days_since_last_access_classmates") == ("days_since_last_access")
    assert measure_of("assessments_submitted_classmates") == "assessments_submitted"
    assert measure_of("assessment_scores_classmates") == "assessment_scores"
    # Its own measure: all activity against the class median, no base.
    assert measure_of("relative_activity") == "relative_activity"
    assert measure_of("not_an_indicator") == "not_an_indicator"


def test_a_pair_weighed_with_opposite_signs_is_one_reason_with_the_net_sign(
    trained_predictions,
):
    found = [(p, _opposite_pair(p)) for p in trained_predictions]
    found = [(p, pair) for p, pair in found if pair is not None]
    assert found, "the real model weighs a collinear pair with opposite signs"
    for prediction, (base, paired) in found:
        weights = _weights(prediction)
        net = weights[base] + weights[paired]

        reasons = prediction_reasons(prediction, about_class=False)

        (reason,) = [r for r in reasons if r.key == base]
        assert reason.raises is (net > 0)
        assert reason.weight == pytest.approx(net, abs=1e-4)
        assert set(reason.columns) == {base, paired}
        assert all(paired not in r.columns for r in reasons if r is not reason)


def test_no_measure_appears_twice_and_the_ranking_is_by_net_effect(
    trained_predictions,
):
    for prediction in trained_predictions:
        reasons = prediction_reasons(prediction, about_class=False)
        keys = [r.key for r in reasons]
        assert keys and len(keys) == len(set(keys))
        columns = [c for r in reasons for c in r.columns]
        assert len(columns) == len(set(columns))
        assert not any(c.endswith("/mean") for c in columns)
        sizes = [abs(r.weight) for r in reasons]
        assert sizes == sorted(sizes, reverse=True)
        assert reasons[0].share == 100
        assert all(4 <= r.share <= 100 for r in reasons)
        # The course view's top three are the page's first three.
        top = prediction_reasons(prediction, limit=3, about_class=False)
        assert [r.key for r in top] == keys[:3]
        # Each reason names its measure once, with the classmates in words.
        texts = [r.text for r in reasons]
        assert not any("compared with classmates" in t for t in texts)
        assert sum("Read actions" in t for t in texts) <= 1


def test_the_texts_name_the_measure_and_the_students_values():
    calculations = {
        "read_actions": -1.0,
        "read_actions/mean": 0.0,
        "read_actions_classmates": -0.6,
        "days_since_last_access": 0.5,
        "days_since_last_access_classmates": 0.05,
        "assessments_submitted_classmates": -0.3,
        "assessment_scores": float("nan"),
        "assessment_scores_classmates": float("nan"),
    }

    assert measure_text("read_actions", calculations) == (
        "Read actions: very low (much lower than classmates)"
    )
    assert measure_text("days_since_last_access", calculations) == (
        "No access for 7 days (about as recent as classmates)"
    )
    # Only the classmates variant in the model: the measure with the comparison.
    assert measure_text("assessments_submitted", calculations) == (
        "Assessments handed in: fewer than classmates"
    )
    assert measure_text("assessment_scores", calculations) == (
        "Assessment scores: no value yet"
    )
    assert measure_text("read_actions", calculations, about_class=True) == (
        "Read actions: medium"
    )
    assert indicator_texts(calculations) == [
        "Read actions: very low (much lower than classmates)",
        "No access for 7 days (about as recent as classmates)",
        "Assessments handed in: fewer than classmates",
        "Assessment scores: no value yet",
    ]


class _Stored:
    """A prediction's two stored fields, as insights.Prediction has them."""

    def __init__(self, calculations, items):
        self.calculations = calculations
        self.reasons = {"method": "linear", "items": items}


def test_class_reasons_keep_the_class_means_apart_and_both_lists_mix_them_in():
    prediction = _Stored(
        {
            "read_actions": -1.0,
            "read_actions/mean": 0.4,
            "read_actions_classmates": -0.6,
            "any_course_access": -1.0,
        },
        [
            {"key": "read_actions", "weight": 2.0},
            {"key": "read_actions_classmates", "weight": -0.5},
            {"key": "any_course_access", "weight": 1.0},
            {"key": "read_actions/mean", "weight": -0.7},
        ],
    )

    mine = prediction_reasons(prediction, about_class=False)
    assert [(r.key, r.weight, r.share) for r in mine] == [
        ("read_actions", 1.5, 100),
        ("any_course_access", 1.0, 67),
    ]
    (about_class,) = prediction_reasons(prediction, about_class=True)
    assert (about_class.key, about_class.raises) == ("read_actions", False)
    assert about_class.text == "Read actions: high"
    both = prediction_reasons(prediction)
    assert [(r.key, r.weight) for r in both] == [
        ("any_course_access", 1.0),
        ("read_actions", 0.8),
    ]
    assert both[1].text == (
        "Read actions: very low (much lower than classmates; class: high)"
    )


def test_a_measure_whose_columns_cancel_out_is_no_reason():
    prediction = _Stored(
        {"read_actions": -1.0, "read_actions_classmates": -0.6},
        [
            {"key": "read_actions", "weight": 0.8},
            {"key": "read_actions_classmates", "weight": -0.8},
        ],
    )

    assert prediction_reasons(prediction, about_class=False) == []
