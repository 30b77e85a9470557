"""Probability calibration of the built-in processor's trained models.

A classifier's probabilities rank students well yet may not mean what they say: on
a course it never saw, a logistic regression trained on another flagged students at
"70% or more" of whom 26-31% withdrew. The insights show a student when the
probability passes the target's minimum score, so the probabilities must be right,
not only in the right order. Calibration learns a monotone map from the model's
probability to the observed frequency, on probabilities the model gave to samples
it did not learn from (stratified folds of the stored training samples, each fold
predicted by a pipeline fitted on the others, as scikit-learn's
CalibratedClassifierCV with `ensemble=False` does):

- `sigmoid` (Platt): p' = 1 / (1 + exp(-(slope * logit(p) + intercept))); two numbers.
- `isotonic`: a non-decreasing step function through the out-of-fold frequencies,
  interpolated linearly (scikit-learn's IsotonicRegression.predict); its knots.
- `none`: the model's own probabilities.

The map is stored beside the model as `calibration.json`: numbers only, checked
field by field before use, never a pickle. It is derived data: the stored training
samples and the seed determine it, so an exported model leaves it out (the export
stays what every Foresight processor and ML backend server reads) and an import
computes it again. Binary targets get one map on the second class; with more
classes each class gets its own and the row is normalised, as scikit-learn does.

The default (builtin.DEFAULT_CALIBRATION) is `none`, chosen by the backtest
(`bench/quality.py --calibrations none sigmoid isotonic`: OULAD AAA-2013J and
BBB-2013B, each learnt from and replayed on the other, dropout and grade to pass,
quarters, at 25% and 50%). Sigmoid moved the Brier score by at most 0.0013, up as
often as down, and the ROC AUC not at all; isotonic lowered the ROC AUC through its
ties (dropout AAA->BBB at 25%: 0.81 -> 0.76). A map learnt on the training courses
cannot correct what made the flags wrong on a new course, its other base rate and
the course-level columns a model extrapolated from (builtin.py leaves those out).
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from mlbackend.engine.estimators import estimator_build
from mlbackend.engine.results import EngineError
from mlbackend.engine.trained import (
    IncrementalClassifier,
    engine_threads,
    pipeline_fit,
)

CALIBRATIONS = ("none", "sigmoid", "isotonic")
CALIBRATION_FILE = "calibration.json"
FOLDS = 5
MAX_KNOTS = 100_000
_EPS = 1e-6


def calibration_fit(
    *,
    features: np.ndarray,
    labels: np.ndarray,
    classes: list[int],
    estimator: str,
    method: str,
    random_state: int = 0,
) -> dict[str, Any] | None:
    """The calibration map of `method` for the estimator trained on these samples,
    or None when there is nothing to calibrate (`none`, or a class with fewer than
    two samples, which no fold split can hold out)."""
    if method not in CALIBRATIONS:
        raise EngineError(
            f"Unknown calibration {method!r}; choose one of {list(CALIBRATIONS)}."
        )
    if method == "none":
        return None
    _, counts = np.unique(labels, return_counts=True)
    if len(counts) < len(classes) or counts.min() < 2:
        return None
    oof = _out_of_fold_proba(
        features=features,
        labels=labels,
        classes=classes,
        estimator=estimator,
        random_state=random_state,
        folds=int(min(FOLDS, counts.min())),
    )
    columns = [1] if len(classes) == 2 else list(range(len(classes)))
    maps = [
        _map_fit(method, oof[:, column], (labels == classes[column]).astype(float))
        for column in columns
    ]
    return {"method": method, "classes": list(classes), "maps": maps}


def _out_of_fold_proba(
    *,
    features: np.ndarray,
    labels: np.ndarray,
    classes: list[int],
    estimator: str,
    random_state: int,
    folds: int,
) -> np.ndarray:
    X = features.astype(np.float64)
    proba = np.zeros((X.shape[0], len(classes)))
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for learn, held in split.split(X, labels):
        pipeline = pipeline_fit(
            estimator_build(
                key=estimator, random_state=random_state, n_features=X.shape[1]
            ),
            X[learn],
            labels[learn],
        )
        with engine_threads():
            raw = pipeline.predict_proba(X[held])
        for column, value in enumerate(pipeline.classes_):
            proba[held, classes.index(int(value))] = raw[:, column]
    return proba


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _map_fit(method: str, p: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    if method == "sigmoid":
        if y.min() == y.max():
            return {"slope": 0.0, "intercept": float(_logit(np.array([y[0]]))[0])}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = LogisticRegression(C=1e6, max_iter=1000).fit(
                _logit(p).reshape(-1, 1), y
            )
        return {
            "slope": float(fitted.coef_[0, 0]),
            "intercept": float(fitted.intercept_[0]),
        }
    fitted = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y)
    return {
        "x": [float(v) for v in fitted.X_thresholds_],
        "y": [float(v) for v in fitted.y_thresholds_],
    }


def calibration_apply(proba: np.ndarray, calibration: dict[str, Any]) -> np.ndarray:
    """Calibrated probabilities (rows sum to 1) from the model's own."""
    method, maps = calibration["method"], calibration["maps"]
    if len(maps) == 1:
        p = _map_apply(method, maps[0], proba[:, 1])
        return np.column_stack([1.0 - p, p])
    out = np.column_stack(
        [_map_apply(method, m, proba[:, i]) for i, m in enumerate(maps)]
    )
    total = out.sum(axis=1, keepdims=True)
    uniform = np.full_like(out, 1.0 / out.shape[1])
    return np.where(total > 0, out / np.where(total > 0, total, 1.0), uniform)


def _map_apply(method: str, mapping: dict[str, Any], p: np.ndarray) -> np.ndarray:
    if method == "sigmoid":
        z = mapping["slope"] * _logit(p) + mapping["intercept"]
        return 1.0 / (1.0 + np.exp(-z))
    return np.interp(p, mapping["x"], mapping["y"])


def calibration_dumps(calibration: dict[str, Any]) -> bytes:
    return json.dumps(calibration, indent=1).encode()


def calibration_loads(content: bytes, *, classes: list[int]) -> dict[str, Any]:
    """A stored map, every field checked; raises EngineError when it is not sound
    (the caller then trains again: the map is derived data)."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise EngineError(f"{CALIBRATION_FILE} is not valid JSON.") from None
    if not isinstance(data, dict) or data.get("method") not in CALIBRATIONS[1:]:
        raise EngineError(f"{CALIBRATION_FILE} names no known calibration.")
    if data.get("classes") != list(classes):
        raise EngineError(f"{CALIBRATION_FILE} is for other classes than the model.")
    maps = data.get("maps")
    expected = 1 if len(classes) == 2 else len(classes)
    if not isinstance(maps, list) or len(maps) != expected:
        raise EngineError(f"{CALIBRATION_FILE} has the wrong number of maps.")
    for mapping in maps:
        _map_check(data["method"], mapping)
    return data


def _finite(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _map_check(method: str, mapping: Any) -> None:
    bad = EngineError(f"{CALIBRATION_FILE} holds a map that is not sound.")
    if not isinstance(mapping, dict):
        raise bad
    if method == "sigmoid":
        if set(mapping) != {"slope", "intercept"} or not all(
            _finite(v) for v in mapping.values()
        ):
            raise bad
        return
    x, y = mapping.get("x"), mapping.get("y")
    if (
        set(mapping) != {"x", "y"}
        or not isinstance(x, list)
        or not isinstance(y, list)
        or not 0 < len(x) == len(y) <= MAX_KNOTS
        or not all(_finite(v) for v in [*x, *y])
        or any(b < a for a, b in zip(x, x[1:], strict=False))
        or any(b < a for a, b in zip(y, y[1:], strict=False))
        or not all(0.0 <= v <= 1.0 for v in y)
    ):
        raise bad


class CalibratedClassifier(IncrementalClassifier):
    """A trained IncrementalClassifier whose probabilities go through a calibration
    map (None: its own). Predictions, trained-model evaluation and the perturbation
    reasons all read `predict_proba`, so all of them see calibrated probabilities."""

    calibration: dict[str, Any] | None = None

    @classmethod
    def wrap(
        cls, classifier: IncrementalClassifier, calibration: dict[str, Any] | None
    ) -> CalibratedClassifier:
        wrapped = cls(
            estimator=classifier.estimator, random_state=classifier.random_state
        )
        wrapped.__dict__.update(classifier.__dict__)
        wrapped.calibration = calibration
        return wrapped

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        proba = super().predict_proba(features)
        if self.calibration is None:
            return proba
        return calibration_apply(proba, self.calibration)
