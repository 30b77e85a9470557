"""The built-in processor calibrates its probabilities, stores the map as checked
JSON beside the model (never a pickle), and leaves it out of exports."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from mlbackend.engine.bundle import MEMBERS
from mlbackend.engine.dataset import dataset_build
from models_app.plugins.processors.builtin import BuiltinProcessor
from models_app.plugins.processors.calibration import CALIBRATION_FILE
from tests.mlbackend.datasets import separable, unlabelled

MODEL = "e0834bc57e49e3b6128ec141d54d9b2d68d19b54"


def stepped(n: int, seed: int):
    """P(class 1) is 0.8 where the first column is positive and 0.2 elsewhere: a
    logistic regression's S-curve cannot be right on both sides of the step."""
    rng = np.random.default_rng(seed)
    features = rng.uniform(-1, 1, size=(n, 2))
    labels = (rng.uniform(size=n) < np.where(features[:, 0] > 0, 0.8, 0.2)).astype(int)
    return dataset_build(features=features, labels=labels, target_classes=[0, 1])


def _p1(processor, output, probe):
    result = processor.predict(
        model_id=MODEL, dataset=unlabelled(probe), output_dir=output
    )
    assert result.ok, result.info
    return np.array(
        [p.score if p.prediction == 1 else 1 - p.score for p in result.predictions]
    )


def _state_files(output):
    state = output / MODEL / "model"
    current = (state / "CURRENT").read_text().strip()
    return {p.name: p.read_bytes() for p in (state / current).iterdir()}


def test_isotonic_calibration_makes_probabilities_mean_what_they_say(tmp_path):
    probe = stepped(2000, seed=1)
    far = np.abs(probe.features[:, 0]) > 0.6
    right = far & (probe.features[:, 0] > 0)
    left = far & (probe.features[:, 0] < 0)
    errors = {}
    for method in ("none", "isotonic"):
        processor = BuiltinProcessor(calibration=method)
        output = tmp_path / method
        assert processor.train(
            model_id=MODEL, dataset=stepped(2000, seed=0), output_dir=output
        ).ok
        p1 = _p1(processor, output, probe)
        errors[method] = max(abs(p1[right].mean() - 0.8), abs(p1[left].mean() - 0.2))
    assert errors["isotonic"] < 0.03 < errors["none"], errors


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_the_map_is_plain_json_and_left_out_of_exports(tmp_path, method):
    processor = BuiltinProcessor(calibration=method)
    assert processor.train(
        model_id=MODEL, dataset=separable(200), output_dir=tmp_path
    ).ok
    stored = json.loads(_state_files(tmp_path)[CALIBRATION_FILE])
    assert stored["method"] == method and stored["classes"] == [0, 1]
    exported = processor.export(model_id=MODEL, output_dir=tmp_path)
    assert sorted(zipfile.ZipFile(io.BytesIO(exported)).namelist()) == sorted(MEMBERS)

    other = tmp_path / "imported"
    processor.import_(model_id=MODEL, output_dir=other, data=exported)
    assert json.loads(_state_files(other)[CALIBRATION_FILE]) == stored
    probe = separable(30, seed=4)
    assert np.allclose(_p1(processor, tmp_path, probe), _p1(processor, other, probe))


def test_no_calibration_stores_no_map(tmp_path):
    processor = BuiltinProcessor(calibration="none")
    assert processor.train(
        model_id=MODEL, dataset=separable(100), output_dir=tmp_path
    ).ok
    assert CALIBRATION_FILE not in _state_files(tmp_path)


def test_a_tampered_map_is_refused_with_a_reason(tmp_path):
    processor = BuiltinProcessor(calibration="isotonic")
    assert processor.train(
        model_id=MODEL, dataset=separable(100), output_dir=tmp_path
    ).ok
    state = tmp_path / MODEL / "model"
    current = (state / "CURRENT").read_text().strip()
    path = state / current / CALIBRATION_FILE
    mapping = json.loads(path.read_text())
    mapping["maps"][0]["y"] = [2.0] * len(mapping["maps"][0]["y"])
    path.write_text(json.dumps(mapping))
    result = processor.predict(
        model_id=MODEL, dataset=unlabelled(separable(5)), output_dir=tmp_path
    )
    assert not result.ok
    assert "calibration.json holds a map that is not sound" in result.info[0]


def test_an_unknown_calibration_is_not_ready():
    assert (
        "Unknown calibration 'platt'"
        in BuiltinProcessor(calibration="platt").is_ready()
    )


def test_the_processor_takes_the_estimator_the_model_names():
    class Model:
        estimator = "gradient_boosting"

    assert BuiltinProcessor.for_model(Model()).estimator == "gradient_boosting"
    Model.estimator = ""
    assert BuiltinProcessor.for_model(Model()).estimator == "logistic_regression"


def test_the_estimators_on_offer_are_the_engines():
    from mlbackend.engine.estimators import ESTIMATORS
    from models_app.plugins.processors.builtin import ESTIMATOR_LABELS

    assert list(ESTIMATOR_LABELS) == list(ESTIMATORS)


def _with_range_mean(n: int, seed: int, *, means: tuple[float, float]):
    """Two ranges of one course: a student column that tells the classes apart
    roughly, and a Moodle range-mean column, one value per range, where the
    second range has more students of class 1 (as later ranges have more
    leavers)."""
    rng = np.random.default_rng(seed)
    late = np.arange(n) % 2 == 1
    x = rng.uniform(-1, 1, size=n)
    p1 = np.clip(0.5 + 0.35 * x + np.where(late, 0.15, -0.15), 0, 1)
    labels = (rng.uniform(size=n) < p1).astype(int)
    features = np.column_stack([x, np.where(late, means[1], means[0])])
    return dataset_build(
        features=features,
        labels=labels,
        target_classes=[0, 1],
        columns=["read_actions", "read_actions/mean"],
        sample_ids=[f"s{i}-0" for i in range(n)],
    )


def test_range_means_are_left_out_unless_asked_for(tmp_path):
    """A course-level column learnt from a few values cannot move a prediction on
    another course, and weighs nothing in the reasons; asked for, it does."""
    from mlbackend.engine.bundle import classifier_from_bundle

    train = _with_range_mean(2000, 0, means=(-0.6, -0.4))
    probe = _with_range_mean(200, 3, means=(0.9, 0.9))
    shifted = _with_range_mean(200, 3, means=(-0.9, -0.9))
    moved = {}
    for keep in (False, True):
        processor = BuiltinProcessor(range_means=keep)
        output = tmp_path / str(keep)
        assert processor.train(model_id=MODEL, dataset=train, output_dir=output).ok
        columns = classifier_from_bundle(_state_files(output)).columns_
        assert ("read_actions/mean" in columns) is keep
        moved[keep] = np.abs(
            _p1(processor, output, probe) - _p1(processor, output, shifted)
        ).max()
        reasons = processor.reasons(model_id=MODEL, dataset=probe, output_dir=output)
        assert reasons.weights.shape == probe.features.shape
        assert bool(reasons.weights[:, 1].any()) is keep
        # A model keeps the columns it was trained with, whatever the processor says.
        other = BuiltinProcessor(range_means=not keep)
        assert len(_p1(other, output, probe)) == 200
    assert moved[False] == 0.0 and moved[True] > 0.2, moved
