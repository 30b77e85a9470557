"""Moodle's model evaluation (shared/reference/moodle-analytics.md §5.4, protocol §6).

"Configuration" mode: `n_iterations` rounds, each a random (unstratified) 80/20 split;
a fresh estimator learns on 80% and is scored on 20%. A round whose training part lacks
a class is skipped, as Moodle's server does. score = mean weighted F1 over the rounds,
deviation = population standard deviation of those F1s. deviation > max_deviation adds
NOT_ENOUGH_DATA, score < min_score adds LOW_SCORE. "Trained model" mode scores an
existing model once on all the samples (deviation 0).

Where we differ on purpose: AUC is computed on the probability of the positive class
(Moodle's server uses the probability of the true class, which makes its AUC
meaningless), and the rounds are seeded so an evaluation can be repeated.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
from sklearn.metrics import confusion_matrix, roc_auc_score
from sklearn.model_selection import train_test_split

from mlbackend.engine import graphs
from mlbackend.engine.dataset import Dataset
from mlbackend.engine.estimators import estimator_build
from mlbackend.engine.results import (
    ACCEPTED_DEVIATION,
    EVALUATION_ITERATIONS,
    GENERAL_ERROR,
    LOW_SCORE,
    MIN_SCORE,
    NOT_ENOUGH_DATA,
    OK,
    Result,
)
from mlbackend.engine.trained import (
    IncrementalClassifier,
    engine_threads,
    pipeline_fit,
)

LABELS_MISMATCH = "The labels from the provided dataset do not match the targetclasses from the header"
LEARNING_CURVE_FRACTIONS = (0.1, 0.25, 0.5, 0.75, 1.0)


def _aligned_proba(pipeline, features: np.ndarray, classes: list[int]) -> np.ndarray:
    """Probabilities per class in `classes` order (the caller limits the threads)."""
    raw = pipeline.predict_proba(features)
    proba = np.zeros((features.shape[0], len(classes)))
    for column, value in enumerate(pipeline.classes_):
        proba[:, classes.index(int(value))] = raw[:, column]
    return proba


def _scores(
    labels: np.ndarray, predicted: np.ndarray, classes: list[int]
) -> dict[str, float]:
    """Accuracy, balanced accuracy and the support-weighted precision, recall and F1
    (zero_division=0) of one round, from one confusion matrix.

    The same arithmetic as scikit-learn's accuracy_score, balanced_accuracy_score and
    precision/recall/f1_score(average="weighted"), in the same order, so the figures
    are equal to the last bit (tests/mlbackend/test_engine_evaluation.py compares
    them); each of those re-validates its input, five passes a round that took
    longer than the round's own fit. A class absent from both the truth and the
    predictions weighs 0 here, as it is left out there.
    """
    ordered = np.asarray(sorted(classes))
    n = ordered.shape[0]
    truth = np.searchsorted(ordered, labels)
    guess = np.searchsorted(ordered, predicted)
    matrix = np.bincount(truth * n + guess, minlength=n * n).reshape(n, n)
    tp = np.diagonal(matrix)
    true_sum = matrix.sum(axis=1)
    pred_sum = matrix.sum(axis=0)

    def divided(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        denominator = denominator.astype(np.float64)
        zero = denominator == 0
        denominator[zero] = 1
        out = numerator.astype(np.float64) / denominator
        out[zero] = 0.0
        return out

    present = true_sum > 0
    return {
        "accuracy": float(np.mean(truth == guess)),
        "balanced accuracy": float(np.mean(tp[present] / true_sum[present])),
        "precision": float(np.average(divided(tp, pred_sum), weights=true_sum)),
        "recall": float(np.average(divided(tp, true_sum), weights=true_sum)),
        "f1": float(
            np.average(divided(2.0 * tp, 1.0 * true_sum + pred_sum), weights=true_sum)
        ),
    }


def _round_metrics(
    labels: np.ndarray, proba: np.ndarray, classes: list[int]
) -> dict[str, float | None]:
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    metrics: dict[str, float | None] = {**_scores(labels, predicted, classes)}
    metrics["auc"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        present = set(np.unique(labels).tolist())
        if len(classes) == 2 and len(present) == 2:
            metrics["auc"] = roc_auc_score(labels == classes[1], proba[:, 1])
        elif len(classes) > 2 and present == set(classes):
            metrics["auc"] = roc_auc_score(
                labels, proba, multi_class="ovr", average="weighted", labels=classes
            )
    return {k: (None if v is None else float(v)) for k, v in metrics.items()}


def _learning_curve(
    features: np.ndarray,
    labels: np.ndarray,
    test_features: np.ndarray,
    test_labels: np.ndarray,
    *,
    classes: list[int],
    estimator: str,
    random_state: int,
    fitted: object,
) -> tuple[list[int], list[float], list[float]]:
    """Weighted F1 on growing first parts of a round's training samples; `fitted`
    is the round's own pipeline, fitted on all of them: the last point's model."""
    sizes, train_scores, test_scores = [], [], []
    for fraction in LEARNING_CURVE_FRACTIONS:
        size = max(2, int(round(fraction * labels.shape[0])))
        part_x, part_y = features[:size], labels[:size]
        if set(np.unique(part_y).tolist()) != set(classes):
            continue
        if size == labels.shape[0]:
            pipeline = fitted
        else:
            pipeline = pipeline_fit(
                estimator_build(
                    key=estimator,
                    random_state=random_state,
                    n_features=features.shape[1],
                ),
                part_x,
                part_y,
            )
        for scores, (x, y) in (
            (train_scores, (part_x, part_y)),
            (test_scores, (test_features, test_labels)),
        ):
            predicted = np.asarray(classes)[
                _aligned_proba(pipeline, x, classes).argmax(axis=1)
            ]
            scores.append(_scores(y, predicted, classes)["f1"])
        sizes.append(size)
    return sizes, train_scores, test_scores


def _rounds_run(
    features: np.ndarray,
    labels: np.ndarray,
    rounds: list[tuple[np.ndarray, np.ndarray]],
    *,
    classes: list[int],
    estimator: str,
    random_state: int,
    n_iterations: int,
    learning_curve: bool,
) -> tuple[list[int], list[float], list[float]] | None:
    """Moodle's rounds, appended to `rounds` as (test labels, probabilities); the
    learning curve of the first round that ran, when asked for."""
    curve = None
    for iteration in range(n_iterations):
        train_x, test_x, train_y, test_y = train_test_split(
            features, labels, test_size=0.2, random_state=random_state + iteration
        )
        if set(np.unique(train_y).tolist()) != set(classes):
            continue
        pipeline = pipeline_fit(
            estimator_build(
                key=estimator,
                random_state=random_state,
                n_features=features.shape[1],
            ),
            train_x,
            train_y,
        )
        rounds.append((test_y, _aligned_proba(pipeline, test_x, classes)))
        if learning_curve and curve is None:
            curve = _learning_curve(
                train_x,
                train_y,
                test_x,
                test_y,
                classes=classes,
                estimator=estimator,
                random_state=random_state,
                fitted=pipeline,
            )
    return curve


def evaluation_run(
    *,
    dataset: Dataset,
    estimator: str,
    random_state: int = 0,
    min_score: float = MIN_SCORE,
    max_deviation: float = ACCEPTED_DEVIATION,
    n_iterations: int = EVALUATION_ITERATIONS,
    trained: IncrementalClassifier | None = None,
    draw_graphs: bool = True,
) -> tuple[Result, dict[str, bytes]]:
    """Evaluate; returns the result and the files to keep with it (metrics, info.log
    and, with `draw_graphs`, graphs.json: what the graphs need, drawn on demand by
    graphs.graph_png_kept or all at once by graphs.files_drawn).

    `draw_graphs=False` also skips the learning curve's extra fits. A dataset whose
    labels are not exactly the target classes gives GENERAL_ERROR, as Moodle's
    server answers; anything else gives a score and a status.
    """
    if dataset.labels is None:
        return Result(status=GENERAL_ERROR, info=["Evaluation needs labels."]), {}
    features, labels = dataset.features, dataset.labels
    classes = list(dataset.target_classes)
    if set(np.unique(labels).tolist()) != set(classes):
        return Result(status=GENERAL_ERROR, info=[LABELS_MISMATCH]), {}

    rounds: list[tuple[np.ndarray, np.ndarray]] = []
    info: list[str] = []
    curve = None
    if trained is not None:
        readable = trained.check_compatible(dataset)
        rounds.append((labels, trained.predict_proba(readable.features)))
    else:
        with engine_threads():
            curve = _rounds_run(
                features,
                labels,
                rounds,
                classes=classes,
                estimator=estimator,
                random_state=random_state,
                n_iterations=n_iterations,
                learning_curve=draw_graphs,
            )
        skipped = n_iterations - len(rounds)
        if skipped:
            info.append(
                f"{skipped} of {n_iterations} evaluation rounds were skipped: their "
                "training part lacked a class."
            )

    per_round = [_round_metrics(y, p, classes) for y, p in rounds]
    f1s = np.array([m["f1"] for m in per_round])
    if len(f1s):
        score, deviation = float(f1s.mean()), float(f1s.std())
    else:
        score, deviation = 0.0, 1.0

    metrics: dict[str, object] = {}
    aucs = [m["auc"] for m in per_round if m["auc"] is not None]
    if aucs:
        metrics["auc"] = float(np.mean(aucs))
        metrics["auc_deviation"] = float(np.std(aucs))
    for key in ("balanced accuracy", "accuracy", "precision", "recall"):
        metrics[key] = float(np.mean([m[key] for m in per_round])) if per_round else 0.0
    metrics["f1_score"] = score
    metrics["score_deviation"] = deviation
    metrics["score"] = score
    metrics["min_score"] = min_score
    metrics["accepted_deviation"] = max_deviation

    status = OK
    if deviation > max_deviation:
        status = NOT_ENOUGH_DATA
        info.append(
            "The evaluation results varied too much, we might need more samples to "
            f"check if this model is valid. Model deviation = {deviation}, accepted "
            f"deviation = {max_deviation}"
        )
    if score < min_score:
        status = LOW_SCORE | (status & NOT_ENOUGH_DATA)
        info.append(
            "The evaluated model prediction accuracy is not very good. Model score = "
            f"{score}, minimum score = {min_score}"
        )

    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for y, p in rounds:
        predicted = np.asarray(classes)[p.argmax(axis=1)]
        matrix += confusion_matrix(y, predicted, labels=classes)
    extra = {
        "classes": classes,
        "confusion_matrix": matrix.tolist(),
        "rounds": len(rounds),
        "samples": int(labels.shape[0]),
        "estimator": estimator if trained is None else trained.estimator,
        "mode": "trainedmodel" if trained is not None else "configuration",
    }

    files: dict[str, bytes] = {}
    extra["graphs"] = []
    if draw_graphs and rounds:
        data = graphs.graphs_data(rounds, classes, curve)
        files[graphs.GRAPH_DATA] = graphs.graphs_data_dumps(data)
        extra["graphs"] = sorted(graphs.graph_names(data))
    metrics.update(extra)
    files["metrics.json"] = json.dumps(
        {**metrics, "status": status, "info": info}, indent=1
    ).encode()
    files["info.log"] = ("\n".join(info) + "\n").encode() if info else b""
    result = Result(
        status=status,
        info=info,
        score=score,
        deviation=deviation,
        metrics=metrics,
    )
    return result, files
