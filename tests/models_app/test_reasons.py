"""Per-prediction reasons: computed from the model itself, stored with each
prediction, and never an indicator the model could not have learnt from."""

from __future__ import annotations

import numpy as np
import pytest

from mlbackend.engine.dataset import dataset_build
from mlbackend.engine.trained import LINEAR, PERTURBATION, IncrementalClassifier
from models_app.plugins.processors.builtin import BuiltinProcessor
from models_app.services.running.reasons import (
    NONE,
    SITE_PERTURBATION,
    reasons_compute,
)

COLUMNS = ["strong", "weak", "constant", "range/0"]
MODEL = "d3a1f3c0a1b2c3d4e5f60718293a4b5c6d7e8f90"


def _training(n: int = 400, seed: int = 0):
    """Class 1 when `strong` is low; `weak` matters a little; `constant` is 0.5
    for every training sample; the range column is noise."""
    rng = np.random.default_rng(seed)
    strong = rng.uniform(-1, 1, n)
    weak = rng.uniform(-1, 1, n)
    noise = rng.uniform(-1, 1, n)
    labels = (strong + 0.2 * weak + 0.1 * rng.normal(size=n) < 0).astype(int)
    features = np.column_stack([strong, weak, np.full(n, 0.5), noise])
    return dataset_build(
        features=features,
        target_classes=[0, 1],
        labels=labels,
        columns=COLUMNS,
        sample_ids=[str(i) for i in range(n)],
    )


def _known_weights(classifier: IncrementalClassifier) -> None:
    """Replace the fitted logistic regression's weights with known ones."""
    classify = classifier.pipeline_.steps[-1][1]
    classify.coef_ = np.array([[-3.0, 1.0, 0.0, 0.5]])
    classify.intercept_ = np.array([0.0])


def test_a_linear_model_with_known_weights_gives_its_exact_terms():
    data = _training()
    classifier = IncrementalClassifier(estimator="logistic_regression").train(data)
    _known_weights(classifier)
    scaler = classifier.pipeline_.steps[0][1]
    # A student with `strong` far below the mean: class 1, mostly because of it.
    sample = np.array([[-0.9, 0.8, 0.7, 0.0]])

    result = classifier.contributions(sample)

    assert result.method == LINEAR
    z = (sample[0] - scaler.mean_) / scaler.scale_
    expected = np.array([-3.0, 1.0, 0.0, 0.5]) * z
    expected[2] = 0.0
    assert np.allclose(result.weights[0], expected)
    # Exactly additive: the terms add up to the log-odds minus those at the mean.
    proba = classifier.predict_proba(sample)[0, 1]
    assert np.isclose(result.weights[0].sum(), np.log(proba / (1 - proba)))
    assert result.weights[0][0] > result.weights[0][1] > 0


def test_a_sample_predicted_as_the_other_class_has_the_signs_turned():
    data = _training()
    classifier = IncrementalClassifier(estimator="logistic_regression").train(data)
    _known_weights(classifier)
    sample = np.array([[0.9, -0.8, 0.5, 0.0]])  # class 0

    weights = classifier.contributions(sample).weights[0]

    assert classifier.predict_proba(sample)[0].argmax() == 0
    assert weights[0] > 0 and weights[1] > 0  # both push towards class 0


@pytest.mark.parametrize(
    "estimator", ["logistic_regression", "gradient_boosting", "neural_network"]
)
def test_a_column_constant_in_training_never_weighs(estimator):
    data = _training()
    classifier = IncrementalClassifier(estimator=estimator).train(data)
    # Prediction samples whose constant column differs from the training value.
    samples = np.array([[-0.8, 0.1, -1.0, 0.3], [0.7, -0.4, 1.0, -0.2]])

    result = classifier.contributions(samples)

    linear = estimator == "logistic_regression"
    assert result.method == (LINEAR if linear else PERTURBATION)
    assert np.all(result.weights[:, 2] == 0.0)
    assert np.any(result.weights != 0.0)


def test_stored_reasons_rank_and_skip_constant_and_range_columns(tmp_path):
    processor = BuiltinProcessor()
    processor.train(model_id=MODEL, dataset=_training(), output_dir=tmp_path)
    data = dataset_build(
        features=np.array([[-0.9, 0.8, 0.9, 1.0], [0.9, 0.0, -1.0, 1.0]]),
        target_classes=[0, 1],
        columns=COLUMNS,
        sample_ids=["a", "b"],
    )

    reasons = reasons_compute(
        processor=processor,
        model_id=MODEL,
        output_dir=tmp_path,
        data=data,
        rows=[0],
        predicted=[1.0],
        columns=COLUMNS,
    )

    assert list(reasons) == [0]
    assert reasons[0]["method"] == LINEAR
    keys = [item["key"] for item in reasons[0]["items"]]
    assert keys[0] == "strong"
    assert "constant" not in keys and "range/0" not in keys
    weights = [abs(item["weight"]) for item in reasons[0]["items"]]
    assert weights == sorted(weights, reverse=True)


class _ServerLike:
    """A processor that, like an ML backend server, only predicts (no reasons())."""

    def __init__(self, inner: BuiltinProcessor) -> None:
        self.inner = inner
        self.calls = 0

    def predict(self, **kwargs):
        self.calls += 1
        return self.inner.predict(**kwargs)


def test_a_server_without_reasons_is_probed_from_the_site(tmp_path):
    inner = BuiltinProcessor()
    inner.train(model_id=MODEL, dataset=_training(), output_dir=tmp_path)
    server = _ServerLike(inner)
    rng = np.random.default_rng(1)
    features = np.column_stack(
        [rng.uniform(-1, 1, 30), rng.uniform(-1, 1, 30), np.zeros(30), np.ones(30)]
    )
    features[0, 0] = -1.0  # the student at risk
    data = dataset_build(
        features=features,
        target_classes=[0, 1],
        columns=COLUMNS,
        sample_ids=[str(i) for i in range(30)],
    )

    reasons = reasons_compute(
        processor=server,
        model_id=MODEL,
        output_dir=tmp_path,
        data=data,
        rows=[0],
        predicted=[1.0],
        columns=COLUMNS,
    )

    assert reasons[0]["method"] == SITE_PERTURBATION
    assert reasons[0]["items"][0]["key"] == "strong"
    assert reasons[0]["items"][0]["weight"] > 0
    # Columns constant among the predicted samples are not probed: one base call
    # and one call per other column.
    assert server.calls == 1 + 2


def test_a_server_that_fails_gives_no_reasons_but_no_error(tmp_path):
    server = _ServerLike(BuiltinProcessor())  # never trained: predict fails
    data = dataset_build(
        features=np.array([[0.1, 0.2, 0.3, 0.4], [0.2, 0.1, 0.0, 0.4]]),
        target_classes=[0, 1],
        columns=COLUMNS,
        sample_ids=["a", "b"],
    )

    reasons = reasons_compute(
        processor=server,
        model_id=MODEL,
        output_dir=tmp_path,
        data=data,
        rows=[0, 1],
        predicted=[1.0, 1.0],
        columns=COLUMNS,
    )

    assert reasons == {
        0: {"method": NONE, "items": []},
        1: {"method": NONE, "items": []},
    }


@pytest.mark.django_db
def test_a_prediction_run_stores_the_models_reasons_with_each_prediction():
    from insights.models import Prediction
    from models_app.services.running import model_predict, model_train
    from models_app.services.running.common import model_storage
    from tests.models_app.running_site import (
        NOW,
        dropout_model,
        finished_course,
        running_course,
    )

    finished_course(), finished_course(), running_course()
    model = dropout_model()
    model_train(model=model, now=NOW)
    model_predict(model=model, now=NOW)

    stored = list(Prediction.objects.filter(model=model))
    assert stored
    model_id, output_dir = model_storage(model)
    classifier = BuiltinProcessor()._load(
        BuiltinProcessor()._state(model_id, output_dir)
    )
    from models_app.analysis.csvfile import moodle_column

    training = classifier.features_
    constant_moodle = {
        column
        for j, column in enumerate(classifier.columns_)
        if training[:, j].min() == training[:, j].max()
    }
    site_columns = [k for k in stored[0].calculations if not k.startswith("_")]
    constant = {c for c in site_columns if moodle_column(c) in constant_moodle}
    # Views only: no student ever wrote in these courses.
    assert "any_write_action_in_course" in constant
    for prediction in stored:
        assert prediction.reasons["method"] == LINEAR
        keys = [item["key"] for item in prediction.reasons["items"]]
        assert keys, "a flagged student has at least one reason"
        assert not any(key.startswith("range/") for key in keys)
        assert not constant.intersection(keys)
        assert all(item["weight"] > 0 for item in prediction.reasons["items"][:1])


def test_the_top_measures_are_stored_with_every_column_of_each():
    """The page sums an indicator and its classmates variant into one reason: a
    small partner column must be stored with its measure, not cut by rank."""
    from models_app.defaults import (
        FORESIGHT_DROPOUT_INDICATORS,
        MOODLE_COURSE_INDICATORS,
    )
    from models_app.services.running.reasons import MAX_REASONS, _items

    singles = [
        key
        for key in (*MOODLE_COURSE_INDICATORS, *FORESIGHT_DROPOUT_INDICATORS)
        if "classmates" not in key and key != "read_actions"
    ]
    assert len(singles) >= MAX_REASONS
    # read_actions first, then MAX_REASONS other measures, then read_actions'
    # classmates variant and its /mean, the smallest of all.
    columns = ["read_actions", *singles[:MAX_REASONS], "read_actions_classmates"]
    columns.append("read_actions/mean")
    weights = np.array([5.0, *np.linspace(4, 1, MAX_REASONS), -0.3, 0.2])
    keys = [item["key"] for item in _items(weights, columns)]
    assert keys == [
        "read_actions",
        *singles[: MAX_REASONS - 1],
        "read_actions_classmates",
        "read_actions/mean",
    ]
