"""Moodle's evaluation rules, pinned on datasets whose answer is known."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from mlbackend.engine.dataset import dataset_build
from mlbackend.engine.estimators import estimator_build
from mlbackend.engine.evaluation import LABELS_MISMATCH, evaluation_run
from mlbackend.engine.graphs import graph_names, graph_png
from mlbackend.engine.results import GENERAL_ERROR, LOW_SCORE, NOT_ENOUGH_DATA, OK
from mlbackend.engine.trained import IncrementalClassifier, pipeline_fit
from tests.mlbackend.datasets import noise, separable

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("estimator", ["gradient_boosting", "logistic_regression"])
def test_perfectly_separable_data_scores_one_and_is_ok(estimator):
    result, files = evaluation_run(
        dataset=separable(300), estimator=estimator, draw_graphs=False
    )
    assert result.score == 1.0
    assert result.deviation == 0.0
    assert result.status == OK
    assert result.info == []


def test_the_small_neural_network_learns_separable_data_too():
    result, _ = evaluation_run(
        dataset=separable(300), estimator="neural_network", draw_graphs=False
    )
    assert result.score > 0.95
    assert result.status == OK


def test_pure_noise_is_a_low_score():
    result, _ = evaluation_run(
        dataset=noise(400), estimator="logistic_regression", draw_graphs=False
    )
    assert result.score < 0.7
    assert result.status & LOW_SCORE
    assert any("Model score = " in line for line in result.info)


def test_a_tiny_dataset_is_not_enough_data():
    tiny = dataset_build(
        features=np.random.default_rng(1).uniform(-1, 1, (12, 3)),
        labels=[0, 1] * 6,
        target_classes=[0, 1],
    )
    result, _ = evaluation_run(
        dataset=tiny, estimator="logistic_regression", draw_graphs=False
    )
    assert result.deviation > 0.05
    assert result.status & NOT_ENOUGH_DATA
    assert any("accepted deviation = 0.05" in line for line in result.info)


def test_score_is_the_mean_weighted_f1_of_ten_80_20_rounds():
    """An independent re-computation of Moodle's rule gives the same figures."""
    dataset = noise(250, seed=3)
    dataset.labels = (dataset.features[:, 0] + dataset.features[:, 1] > 0).astype(int)
    dataset.labels[:40] = 1 - dataset.labels[:40]  # some noise: F1 varies by round
    result, _ = evaluation_run(
        dataset=dataset, estimator="logistic_regression", draw_graphs=False
    )
    f1s = []
    for iteration in range(10):
        train_x, test_x, train_y, test_y = train_test_split(
            dataset.features, dataset.labels, test_size=0.2, random_state=iteration
        )
        assert len(test_y) == 50
        pipeline = pipeline_fit(
            estimator_build(key="logistic_regression", random_state=0, n_features=4),
            train_x,
            train_y,
        )
        f1s.append(f1_score(test_y, pipeline.predict(test_x), average="weighted"))
    assert result.metrics["rounds"] == 10
    assert result.score == pytest.approx(np.mean(f1s))
    assert result.deviation == pytest.approx(np.std(f1s))
    assert result.metrics["f1_score"] == result.score
    assert sum(map(sum, result.metrics["confusion_matrix"])) == 10 * 50


@pytest.mark.parametrize(
    ("score_ok", "deviation_ok", "status"),
    [(True, True, 0), (True, False, 8), (False, True, 4), (False, False, 12)],
)
def test_status_combines_low_score_and_not_enough_data(score_ok, deviation_ok, status):
    result, _ = evaluation_run(
        dataset=noise(200, seed=5),
        estimator="logistic_regression",
        min_score=0.0 if score_ok else 1.0,
        max_deviation=1.0 if deviation_ok else 0.0,
        draw_graphs=False,
    )
    assert result.status == status
    assert len(result.info) == (not score_ok) + (not deviation_ok)


def test_labels_that_do_not_match_the_target_classes_are_a_general_error():
    dataset = separable(100)
    dataset.target_classes = [0, 1, 2]
    result, files = evaluation_run(dataset=dataset, estimator="logistic_regression")
    assert result.status == GENERAL_ERROR
    assert result.info == [LABELS_MISMATCH]
    assert files == {}


def test_evaluation_reports_moodles_metrics_and_keeps_what_the_graphs_need():
    result, files = evaluation_run(
        dataset=separable(200), estimator="gradient_boosting"
    )
    keys = list(result.metrics)
    assert keys[:11] == [
        "auc",
        "auc_deviation",
        "balanced accuracy",
        "accuracy",
        "precision",
        "recall",
        "f1_score",
        "score_deviation",
        "score",
        "min_score",
        "accepted_deviation",
    ]
    # The points, not the pictures: nothing is drawn until a page asks.
    assert not [name for name in files if name.endswith(".png")]
    data = json.loads(files["graphs.json"])
    names = [
        "roc-curve.png",
        "precision-recall.png",
        "calibration.png",
        "learning-curve.png",
    ]
    assert graph_names(data) == names
    assert result.metrics["graphs"] == sorted(names)
    for name in names:
        assert graph_png(data, name).startswith(PNG), name
    # Ten rounds' curves of 40 test samples each: a few kilobytes, not a picture.
    assert len(files["graphs.json"]) < 30_000
    [first, *_] = data["roc-curve.png"]["curves"]
    assert first["name"] == "round 1" and first["auc"] == 1.0
    assert len(data["learning-curve.png"]["sizes"]) == 5
    saved = json.loads(files["metrics.json"])
    assert saved["score"] == result.score
    assert saved["status"] == OK


def test_trained_model_mode_scores_the_existing_model_once_on_all_data():
    classifier = IncrementalClassifier(estimator="logistic_regression").train(
        separable(200, seed=1)
    )
    dataset = separable(80, seed=2)
    result, files = evaluation_run(
        dataset=dataset, estimator="neural_network", trained=classifier
    )
    assert result.metrics["rounds"] == 1
    assert result.metrics["mode"] == "trainedmodel"
    assert result.metrics["estimator"] == "logistic_regression"
    assert result.deviation == 0.0
    assert result.score == 1.0
    assert sum(map(sum, result.metrics["confusion_matrix"])) == 80
    data = json.loads(files["graphs.json"])
    assert "learning-curve.png" not in graph_names(data)
    assert len(data["roc-curve.png"]["curves"]) == 1
    assert graph_png(data, "roc-curve.png").startswith(PNG)


def test_multiclass_evaluation_works_and_has_a_weighted_auc():
    rng = np.random.default_rng(0)
    features = rng.uniform(-1, 1, (150, 2))
    labels = np.digitize(features[:, 0], [-0.33, 0.33])
    dataset = dataset_build(features=features, labels=labels, target_classes=[0, 1, 2])
    result, files = evaluation_run(dataset=dataset, estimator="gradient_boosting")
    assert result.score > 0.9
    assert 0.9 < result.metrics["auc"] <= 1.0
    assert np.array(result.metrics["confusion_matrix"]).shape == (3, 3)
    data = json.loads(files["graphs.json"])
    assert [c["name"] for c in data["roc-curve.png"]["curves"]] == [
        "class 0",
        "class 1",
        "class 2",
    ]
    assert graph_png(data, "calibration.png").startswith(PNG)


def test_evaluation_is_deterministic_for_a_seed():
    runs = [
        evaluation_run(
            dataset=noise(150), estimator=key, n_iterations=3, draw_graphs=False
        )[0]
        for key in ("neural_network", "neural_network")
    ]
    first, second = runs
    assert first.score == second.score
    assert first.deviation == second.deviation


@pytest.mark.parametrize("classes", [[0, 1], [1, 0], [0, 1, 2], [2, 0, 1, 3]])
def test_round_scores_equal_scikit_learns_to_the_last_bit(classes):
    """One confusion matrix gives what five scikit-learn scorers give, bit for bit,
    including classes missing from the predictions or from the truth."""
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        precision_recall_fscore_support,
    )

    from mlbackend.engine.evaluation import _scores

    rng = np.random.default_rng(len(classes))
    for case in range(300):
        n = int(rng.integers(1, 400))
        present = rng.permutation(classes)[: rng.integers(1, len(classes) + 1)]
        labels = rng.choice(present, n)
        guessed = rng.permutation(classes)[: rng.integers(1, len(classes) + 1)]
        predicted = np.where(rng.random(n) < 0.7, labels, rng.choice(guessed, n))
        ours = _scores(labels, predicted, classes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            precision, recall, f1, _ = precision_recall_fscore_support(
                labels, predicted, average="weighted", zero_division=0
            )
            theirs = {
                "accuracy": accuracy_score(labels, predicted),
                "balanced accuracy": balanced_accuracy_score(labels, predicted),
                "precision": precision,
                "recall": recall,
                "f1": f1,
            }
        assert ours == {k: float(v) for k, v in theirs.items()}, case


def test_the_learning_curves_last_point_is_the_rounds_own_model():
    """Its last fit would repeat the round's: the round's pipeline is used, with the
    figures a fresh fit gives."""
    from mlbackend.engine.evaluation import _learning_curve

    dataset = noise(300)
    train_x, test_x, train_y, test_y = train_test_split(
        dataset.features, dataset.labels, test_size=0.2, random_state=0
    )
    fitted = pipeline_fit(
        estimator_build(key="logistic_regression", random_state=0, n_features=4),
        train_x,
        train_y,
    )
    sizes, train_scores, test_scores = _learning_curve(
        train_x,
        train_y,
        test_x,
        test_y,
        classes=[0, 1],
        estimator="logistic_regression",
        random_state=0,
        fitted=fitted,
    )
    assert sizes[-1] == train_y.shape[0]
    predicted = fitted.predict(test_x)
    assert test_scores[-1] == f1_score(test_y, predicted, average="weighted")
    assert train_scores[-1] == f1_score(
        train_y, fitted.predict(train_x), average="weighted"
    )
