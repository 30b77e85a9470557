"""The `builtin` processor: scikit-learn in process, models stored safely per model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlbackend.engine.dataset import dataset_to_csv
from mlbackend.engine.estimators import DEFAULT_ESTIMATOR, ESTIMATORS
from mlbackend.engine.graphs import graphs_available
from models_app.plugins.processors import ProcessorError, model_unique_id
from models_app.plugins.processors.builtin import BuiltinProcessor
from models_app.plugins.registry import PROCESSORS, processor_class
from tests.mlbackend.datasets import MOODLE_LABELLED, noise, separable, unlabelled

MODEL = "e0834bc57e49e3b6128ec141d54d9b2d68d19b54"


@pytest.mark.parametrize("key", sorted(PROCESSORS))
def test_every_registered_processor_loads_and_round_trips_its_params(key):
    cls = processor_class(key)
    assert cls.key == key
    assert str(cls.label)
    instance = cls()
    assert cls(**instance.get_params()).get_params() == instance.get_params()
    json.dumps(instance.get_params())


def test_the_default_estimator_is_the_one_chosen_on_oulad():
    assert BuiltinProcessor().estimator == DEFAULT_ESTIMATOR == "logistic_regression"
    assert BuiltinProcessor().is_ready() is None
    assert "Unknown estimator" in BuiltinProcessor(estimator="svm").is_ready()


@pytest.mark.parametrize("estimator", sorted(ESTIMATORS))
def test_train_then_predict_with_every_estimator(tmp_path, estimator):
    processor = BuiltinProcessor(estimator=estimator)
    assert processor.train(
        model_id=MODEL, dataset=separable(300), output_dir=tmp_path
    ).ok
    probe = separable(50, seed=9)
    result = processor.predict(
        model_id=MODEL, dataset=unlabelled(probe), output_dir=tmp_path
    )
    predicted = np.array([p.prediction for p in result.predictions])
    assert (predicted == probe.labels).mean() >= 0.95
    assert result.predictions[0].sample_id == "s0-0"
    assert (tmp_path / MODEL / "model" / "CURRENT").exists()


def test_predictions_carry_class_values_not_indexes(tmp_path):
    dataset = separable(200)
    dataset.labels = np.where(dataset.labels == 1, 7, 3)
    dataset.target_classes = [3, 7]
    processor = BuiltinProcessor(estimator="logistic_regression")
    assert processor.train(model_id=MODEL, dataset=dataset, output_dir=tmp_path).ok
    probe = unlabelled(separable(20, seed=2))
    probe.target_classes = [3, 7]
    result = processor.predict(model_id=MODEL, dataset=probe, output_dir=tmp_path)
    assert {p.prediction for p in result.predictions} == {3, 7}


def test_training_is_incremental_and_deterministic(tmp_path):
    first, second = separable(150, seed=1), separable(100, seed=2)
    processor = BuiltinProcessor(random_state=4)
    processor.train(model_id="stepwise", dataset=first, output_dir=tmp_path)
    processor.train(model_id="stepwise", dataset=second, output_dir=tmp_path)
    both = separable(150, seed=1)
    both.features = np.vstack([first.features, second.features])
    both.labels = np.concatenate([first.labels, second.labels])
    processor.train(model_id="together", dataset=both, output_dir=tmp_path)
    probe = unlabelled(noise(40, seed=3))
    probe.features = probe.features[:, :3]
    probe.columns = probe.columns[:3]
    a = processor.predict(model_id="stepwise", dataset=probe, output_dir=tmp_path)
    b = processor.predict(model_id="together", dataset=probe, output_dir=tmp_path)
    assert [p.score for p in a.predictions] == [p.score for p in b.predictions]


def test_the_model_counts_every_sample_it_was_trained_with(tmp_path):
    processor = BuiltinProcessor(estimator="logistic_regression")
    for seed in range(3):
        result = processor.train(
            model_id=MODEL, dataset=separable(40, seed=seed), output_dir=tmp_path
        )
    assert result.info == ["Trained on 120 samples in total."]


def test_moodle_csv_bytes_are_accepted(tmp_path):
    processor = BuiltinProcessor(estimator="logistic_regression")
    rows = MOODLE_LABELLED + b"-0.1,0.2,0.5,0\n0.3,0.1,-0.5,1\n"
    assert processor.train(model_id=MODEL, dataset=rows, output_dir=tmp_path).ok
    data = dataset_to_csv(unlabelled(separable(3)))
    result = processor.predict(model_id=MODEL, dataset=data, output_dir=tmp_path)
    assert len(result.predictions) == 3


def test_bad_input_is_a_clear_result_and_keeps_the_model(tmp_path):
    processor = BuiltinProcessor(estimator="logistic_regression")
    processor.train(model_id=MODEL, dataset=separable(100), output_dir=tmp_path)
    before = processor.export(model_id=MODEL, output_dir=tmp_path)

    one_class = separable(30)
    one_class.labels[:] = 1
    fresh = processor.train(model_id="fresh", dataset=one_class, output_dir=tmp_path)
    assert fresh.status == 8
    assert fresh.info == [
        "Training data needs to include samples belonging to all classes"
    ]

    broken = processor.train(
        model_id=MODEL,
        dataset=MOODLE_LABELLED.replace(b"0.6949", b"?"),
        output_dir=tmp_path,
    )
    assert broken.status == 1
    assert "is not a number" in broken.info[0]

    wider = separable(50, n_features=5)
    mismatch = processor.train(model_id=MODEL, dataset=wider, output_dir=tmp_path)
    assert mismatch.status == 1
    assert "5 feature columns" in mismatch.info[0]
    assert processor.export(model_id=MODEL, output_dir=tmp_path) == before


def test_prediction_before_training_is_no_dataset(tmp_path):
    result = BuiltinProcessor().predict(
        model_id=MODEL, dataset=unlabelled(separable(5)), output_dir=tmp_path
    )
    assert result.status == 2
    assert result.predictions == []
    with pytest.raises(ProcessorError, match="not been trained"):
        BuiltinProcessor().export(model_id=MODEL, output_dir=tmp_path)


def test_evaluation_keeps_what_its_graphs_need_with_the_model(tmp_path):
    """The graphs' points, not their PNGs: those are drawn when a page asks."""
    processor = BuiltinProcessor(estimator="logistic_regression")
    result = processor.evaluate(
        model_id=MODEL, dataset=separable(200), output_dir=tmp_path
    )
    assert result.status == 0
    assert result.score == 1.0
    folder = tmp_path / MODEL / "evaluation" / str(result.runid)
    assert result.dir == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "graphs.json",
        "info.log",
        "metrics.json",
    ]
    assert graphs_available(folder) == [
        "roc-curve.png",
        "precision-recall.png",
        "calibration.png",
        "learning-curve.png",
    ]
    assert json.loads((folder / "metrics.json").read_text())["score"] == 1.0


def test_evaluation_of_noise_is_a_low_score(tmp_path):
    result = BuiltinProcessor(estimator="logistic_regression").evaluate(
        model_id=MODEL, dataset=noise(300), output_dir=tmp_path
    )
    assert result.status & 4
    assert result.score < 0.7


def test_trained_model_evaluation_needs_and_uses_the_trained_model(tmp_path):
    processor = BuiltinProcessor(estimator="logistic_regression")
    missing = processor.evaluate(
        model_id=MODEL, dataset=separable(50), output_dir=tmp_path, trained_model=True
    )
    assert missing.status == 2
    processor.train(model_id=MODEL, dataset=separable(200), output_dir=tmp_path)
    result = processor.evaluate(
        model_id=MODEL,
        dataset=separable(80, seed=3),
        output_dir=tmp_path,
        trained_model=True,
    )
    assert result.status == 0
    assert result.deviation == 0.0
    assert result.metrics["rounds"] == 1


def test_export_import_and_clear(tmp_path):
    processor = BuiltinProcessor(estimator="gradient_boosting")
    processor.train(model_id=MODEL, dataset=separable(200), output_dir=tmp_path)
    data = processor.export(model_id=MODEL, output_dir=tmp_path)
    elsewhere = tmp_path / "other-site"
    processor.import_(model_id="imported", output_dir=elsewhere, data=data)
    probe = unlabelled(separable(20, seed=5))
    a = processor.predict(model_id=MODEL, dataset=probe, output_dir=tmp_path)
    b = processor.predict(model_id="imported", dataset=probe, output_dir=elsewhere)
    assert [p.score for p in a.predictions] == [p.score for p in b.predictions]

    with pytest.raises(ProcessorError, match="could not be imported"):
        processor.import_(model_id="imported", output_dir=elsewhere, data=data[:100])
    again = processor.predict(model_id="imported", dataset=probe, output_dir=elsewhere)
    assert [p.score for p in again.predictions] == [p.score for p in b.predictions]

    processor.clear(model_id=MODEL, output_dir=tmp_path)
    assert not (tmp_path / MODEL).exists()
    gone = processor.predict(model_id=MODEL, dataset=probe, output_dir=tmp_path)
    assert gone.status == 2


@pytest.mark.parametrize("model_id", ["../x", "a/b", "", ".."])
def test_model_ids_cannot_leave_the_output_directory(tmp_path, model_id):
    with pytest.raises(ProcessorError):
        BuiltinProcessor().train(
            model_id=model_id, dataset=separable(20), output_dir=tmp_path / "out"
        )
    assert not (tmp_path / "x").exists()


def test_a_stored_model_that_was_tampered_with_is_refused(tmp_path):
    processor = BuiltinProcessor(estimator="logistic_regression")
    processor.train(model_id=MODEL, dataset=separable(100), output_dir=tmp_path)
    folder = tmp_path / MODEL / "model"
    state = folder / (folder / "CURRENT").read_text()
    (state / "estimator.skops").write_bytes(b"not skops")
    result = processor.predict(
        model_id=MODEL, dataset=unlabelled(separable(5)), output_dir=tmp_path
    )
    assert result.status == 1
    assert "not a valid skops file" in result.info[0]


@pytest.mark.django_db  # the site identifier is stored
def test_model_unique_id_is_moodle_shaped_and_changes_with_the_version(settings):
    first = model_unique_id(model_pk=3, version=100)
    assert len(first) == 40 and int(first, 16) >= 0
    assert model_unique_id(model_pk=3, version=101) != first
    assert model_unique_id(model_pk=3, version=100) == first
