"""The graphs that explain an evaluation: their points at evaluation time, PNG on demand.

An evaluation keeps what each graph needs (the rounds' ROC, precision-recall and
calibration points, the learning curve) as a small JSON file, `graphs.json`; drawing
the four PNGs took half a second and matplotlib another half to import, on every
evaluation, for graphs most evaluations never show. `graph_png_kept` draws one when a
page asks for it and keeps it beside the data, so it is drawn once. The ML backend
server draws them all at once (`files_drawn`): Moodle's clients download the run's
log right after the evaluation and expect the PNGs in it.

Matplotlib's object API with the Agg canvas, never pyplot: no global figure state, so
several graphs can be drawn at once in a threaded server. Matplotlib is imported
only to draw; numpy and scikit-learn only to compute the points.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    Round = tuple[np.ndarray, np.ndarray]  # (true labels, probabilities per class)

logger = logging.getLogger(__name__)

GRAPH_DATA = "graphs.json"
ROC, PRECISION_RECALL, CALIBRATION, LEARNING_CURVE = GRAPH_NAMES = (
    "roc-curve.png",
    "precision-recall.png",
    "calibration.png",
    "learning-curve.png",
)
#: Points kept per curve: far more than the 480 pixels of a drawn graph need.
MAX_POINTS = 256
#: A graphs.json larger than this is not ours (ours are tens of kilobytes).
MAX_DATA_BYTES = 4 * 1024 * 1024
_DIGITS = 4


class GraphDataError(ValueError):
    """graphs.json does not hold what a graph needs."""


# --- the points, at evaluation time ------------------------------------------------


def _rounded(values: Any) -> list[float]:
    return [round(float(v), _DIGITS) for v in values]


def _thinned(x: Any, y: Any) -> tuple[list[float], list[float]]:
    """At most MAX_POINTS evenly spaced points of a curve, its ends included."""
    import numpy as np

    if len(x) > MAX_POINTS:
        keep = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).round().astype(int))
        x, y = np.asarray(x)[keep], np.asarray(y)[keep]
    return _rounded(x), _rounded(y)


def _one_vs_rest(rounds: list[Round], classes: list[int]) -> list[tuple[str, Round]]:
    """Binary: one curve per round for the last class; multiclass: pooled, per class."""
    import numpy as np

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


def _roc_points(rounds: list[Round], classes: list[int]) -> dict[str, Any]:
    from sklearn.metrics import auc, roc_curve

    curves = []
    for name, (truth, score) in _one_vs_rest(rounds, classes):
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = roc_curve(truth, score)
        x, y = _thinned(fpr, tpr)
        curves.append({"name": name, "auc": float(auc(fpr, tpr)), "x": x, "y": y})
    return {"curves": curves}


def _precision_recall_points(rounds: list[Round], classes: list[int]) -> dict[str, Any]:
    from sklearn.metrics import precision_recall_curve

    curves = []
    for name, (truth, score) in _one_vs_rest(rounds, classes):
        if truth.max() == 0:
            continue
        precision, recall, _ = precision_recall_curve(
            truth, score, drop_intermediate=True
        )
        x, y = _thinned(recall, precision)
        curves.append({"name": name, "x": x, "y": y})
    return {"curves": curves}


def _calibration_points(rounds: list[Round], classes: list[int]) -> dict[str, Any]:
    """Reliability diagram: predicted probability against observed frequency."""
    import numpy as np
    from sklearn.calibration import calibration_curve

    labels = np.concatenate([r[0] for r in rounds])
    proba = np.concatenate([r[1] for r in rounds])
    if len(classes) == 2:
        sets = [(f"class {classes[1]}", labels == classes[1], proba[:, 1])]
    else:
        best = proba.argmax(axis=1)
        correct = np.asarray(classes)[best] == labels
        sets = [("predicted class", correct, proba.max(axis=1))]
    curves = []
    for name, truth, score in sets:
        if truth.min() == truth.max():
            continue
        observed, predicted = calibration_curve(
            truth.astype(int), score, n_bins=10, strategy="uniform"
        )
        curves.append({"name": name, "x": _rounded(predicted), "y": _rounded(observed)})
    return {"curves": curves}


def graphs_data(
    rounds: list[Round],
    classes: list[int],
    learning_curve: tuple[list[int], list[float], list[float]] | None = None,
) -> dict[str, Any]:
    """What each graph of these evaluation rounds needs, by graph file name.

    ROC, precision-recall and calibration whenever there is a round (a graph
    without a curve still shows its axes, as before); the learning curve when it
    has points.
    """
    data: dict[str, Any] = {"version": 1}
    if rounds:
        data[ROC] = _roc_points(rounds, classes)
        data[PRECISION_RECALL] = _precision_recall_points(rounds, classes)
        data[CALIBRATION] = _calibration_points(rounds, classes)
    if learning_curve is not None and learning_curve[0]:
        sizes, train_scores, test_scores = learning_curve
        data[LEARNING_CURVE] = {
            "sizes": [int(s) for s in sizes],
            "train": _rounded(train_scores),
            "test": _rounded(test_scores),
        }
    return data


def graph_names(data: dict[str, Any]) -> list[str]:
    """The graphs that `data` can draw, in GRAPH_NAMES order."""
    return [name for name in GRAPH_NAMES if name in data]


def graphs_data_dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


# --- drawing ---------------------------------------------------------------------


def _numbers(values: Any, *, limit: int) -> list[float]:
    if not isinstance(values, list) or len(values) > limit:
        raise GraphDataError("a list of numbers was expected")
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise GraphDataError("a list of numbers was expected")
        if not math.isfinite(value):
            raise GraphDataError("a number is not finite")
        out.append(float(value))
    return out


def _curves(spec: Any) -> list[tuple[str, list[float], list[float], Any]]:
    """(label, x, y, auc) of each curve; a graphs.json from elsewhere (an ML backend
    server's log) is checked before anything of it is drawn."""
    if not isinstance(spec, dict) or not isinstance(spec.get("curves"), list):
        raise GraphDataError("no curves")
    curves = []
    for curve in spec["curves"][:100]:
        if not isinstance(curve, dict):
            raise GraphDataError("a curve is not an object")
        x = _numbers(curve.get("x"), limit=100_000)
        y = _numbers(curve.get("y"), limit=100_000)
        if len(x) != len(y):
            raise GraphDataError("a curve's x and y differ in length")
        # Escaped: a dollar sign would start matplotlib's math text.
        label = str(curve.get("name", ""))[:40].replace("$", r"\$")
        area = curve.get("auc")
        if area is not None:
            area = _numbers([area], limit=1)[0]
        curves.append((label, x, y, area))
    return curves


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=80)
    return out.getvalue()


def _figure(title: str, xlabel: str, ylabel: str, *, unit_x: bool = True) -> tuple:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 5))
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if unit_x:
        axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    return figure, axes


def _draw_roc(spec: Any) -> bytes:
    figure, axes = _figure("ROC curve", "False positive rate", "True positive rate")
    for label, x, y, area in _curves(spec):
        if area is not None:
            label = f"{label} (AUC {area:.3f})"
        axes.plot(x, y, linewidth=1, label=label)
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower right", fontsize="small")
    return _png(figure)


def _draw_precision_recall(spec: Any) -> bytes:
    figure, axes = _figure("Precision-recall curve", "Recall", "Precision")
    for label, x, y, _ in _curves(spec):
        axes.plot(x, y, linewidth=1, label=label)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower left", fontsize="small")
    return _png(figure)


def _draw_calibration(spec: Any) -> bytes:
    figure, axes = _figure(
        "Calibration", "Mean predicted probability", "Fraction of positives"
    )
    for label, x, y, _ in _curves(spec):
        axes.plot(x, y, marker="o", linewidth=1, label=label)
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper left", fontsize="small")
    return _png(figure)


def _draw_learning_curve(spec: Any) -> bytes:
    if not isinstance(spec, dict):
        raise GraphDataError("no learning curve")
    sizes = _numbers(spec.get("sizes"), limit=1000)
    train = _numbers(spec.get("train"), limit=1000)
    test = _numbers(spec.get("test"), limit=1000)
    if not len(sizes) == len(train) == len(test):
        raise GraphDataError("the learning curve's lists differ in length")
    figure, axes = _figure(
        "Learning curve", "Training samples", "Weighted F1 score", unit_x=False
    )
    axes.plot(sizes, train, marker="o", label="training samples")
    axes.plot(sizes, test, marker="o", label="held-out samples")
    axes.legend(loc="lower right", fontsize="small")
    return _png(figure)


_DRAW = {
    ROC: _draw_roc,
    PRECISION_RECALL: _draw_precision_recall,
    CALIBRATION: _draw_calibration,
    LEARNING_CURVE: _draw_learning_curve,
}


def graph_png(data: dict[str, Any], name: str) -> bytes:
    """Graph `name` drawn from `data` (graphs_data's shape); GraphDataError when
    `data` does not hold it or holds something else."""
    if name not in _DRAW or not isinstance(data, dict) or name not in data:
        raise GraphDataError(f"no data for {name}")
    return _DRAW[name](data[name])


def files_drawn(files: dict[str, bytes]) -> dict[str, bytes]:
    """An evaluation's files with its graphs drawn: each PNG in place of graphs.json,
    as Moodle's server keeps an evaluation log."""
    out = {name: content for name, content in files.items() if name != GRAPH_DATA}
    if GRAPH_DATA in files:
        data = json.loads(files[GRAPH_DATA])
        out.update((name, graph_png(data, name)) for name in graph_names(data))
    return out


# --- drawn on demand, kept beside the data -----------------------------------------


def _data_read(folder: Path) -> dict[str, Any] | None:
    path = folder / GRAPH_DATA
    try:
        if path.stat().st_size > MAX_DATA_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def graphs_available(folder: Path) -> list[str]:
    """The graphs an evaluation folder can show: PNGs kept there (older evaluations,
    ML backend servers' logs) or drawable from its graphs.json."""
    data = _data_read(folder) or {}
    return [n for n in GRAPH_NAMES if n in data or (folder / n).is_file()]


def _write_atomically(path: Path, content: bytes) -> None:
    """A reader sees the whole file or none: written beside it, then renamed."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def graph_png_kept(folder: Path, name: str) -> bytes | None:
    """Graph `name` of the evaluation in `folder`, drawn from its graphs.json and kept
    there as `name` so the next request reads the file; None when the folder has no
    data for it. A folder that cannot be written to still gets its graph, drawn
    again on each request."""
    data = _data_read(folder)
    if data is None or name not in GRAPH_NAMES or name not in data:
        return None
    try:
        png = graph_png(data, name)
    except GraphDataError as exc:
        logger.warning("Graph %s of %s cannot be drawn: %s", name, folder, exc)
        return None
    try:
        _write_atomically(folder / name, png)
    except OSError as exc:
        logger.warning("Graph %s could not be kept in %s: %s", name, folder, exc)
    return png
