"""The graphs that explain an evaluation, drawn as PNG bytes.

Matplotlib's object API with the Agg canvas, never pyplot: no global figure state, so
several evaluations can draw at once in a threaded server.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve
from sklearn.metrics import auc, precision_recall_curve, roc_curve

Round = tuple[np.ndarray, np.ndarray]  # (true labels, probabilities per class)


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=80)
    return out.getvalue()


def _figure(title: str, xlabel: str, ylabel: str) -> tuple[Figure, object]:
    figure = Figure(figsize=(6, 5))
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    return figure, axes


def _one_vs_rest(rounds: list[Round], classes: list[int]) -> list[tuple[str, Round]]:
    """Binary: one curve per round for the last class; multiclass: pooled, per class."""
    if len(classes) == 2:
        return [
            (f"round {i + 1}", ((labels == classes[1]).astype(int), proba[:, 1]))
            for i, (labels, proba) in enumerate(rounds)
        ]
    labels = np.concatenate([r[0] for r in rounds])
    proba = np.concatenate([r[1] for r in rounds])
    return [
        (f"class {value}", ((labels == value).astype(int), proba[:, index]))
        for index, value in enumerate(classes)
    ]


def roc_png(rounds: list[Round], classes: list[int]) -> bytes:
    figure, axes = _figure("ROC curve", "False positive rate", "True positive rate")
    for name, (truth, score) in _one_vs_rest(rounds, classes):
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = roc_curve(truth, score)
        axes.plot(fpr, tpr, linewidth=1, label=f"{name} (AUC {auc(fpr, tpr):.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower right", fontsize="small")
    return _png(figure)


def precision_recall_png(rounds: list[Round], classes: list[int]) -> bytes:
    figure, axes = _figure("Precision-recall curve", "Recall", "Precision")
    for name, (truth, score) in _one_vs_rest(rounds, classes):
        if truth.max() == 0:
            continue
        precision, recall, _ = precision_recall_curve(truth, score)
        axes.plot(recall, precision, linewidth=1, label=name)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower left", fontsize="small")
    return _png(figure)


def calibration_png(rounds: list[Round], classes: list[int]) -> bytes:
    """Reliability diagram: predicted probability against observed frequency."""
    figure, axes = _figure(
        "Calibration", "Mean predicted probability", "Fraction of positives"
    )
    labels = np.concatenate([r[0] for r in rounds])
    proba = np.concatenate([r[1] for r in rounds])
    if len(classes) == 2:
        curves = [(f"class {classes[1]}", labels == classes[1], proba[:, 1])]
    else:
        best = proba.argmax(axis=1)
        correct = np.asarray(classes)[best] == labels
        curves = [("predicted class", correct, proba.max(axis=1))]
    for name, truth, score in curves:
        if truth.min() == truth.max():
            continue
        observed, predicted = calibration_curve(
            truth.astype(int), score, n_bins=10, strategy="uniform"
        )
        axes.plot(predicted, observed, marker="o", linewidth=1, label=name)
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper left", fontsize="small")
    return _png(figure)


def learning_curve_png(
    sizes: list[int], train_scores: list[float], test_scores: list[float]
) -> bytes:
    figure = Figure(figsize=(6, 5))
    axes = figure.add_subplot()
    axes.set_title("Learning curve")
    axes.set_xlabel("Training samples")
    axes.set_ylabel("Weighted F1 score")
    axes.set_ylim(0, 1.02)
    axes.plot(sizes, train_scores, marker="o", label="training samples")
    axes.plot(sizes, test_scores, marker="o", label="held-out samples")
    axes.legend(loc="lower right", fontsize="small")
    return _png(figure)
