"""A classifier that learns incrementally, as Moodle's processors do.

Moodle sends each sample for training once; a later run sends only new samples and
expects the model to keep what it learnt. Estimators that cannot continue training
(gradient boosting) and those that can only approximately (partial_fit moves an MLP
towards the new batch and forgets) would give different models for the same data.
So the model keeps the samples it was trained with and refits the pipeline on all of
them, from the same seed: the result depends only on the data and the seed, never on
how the data were split into runs. The samples are stored with the model (npz, no
pickles), which is also what makes "trained model" evaluation and export complete.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from mlbackend.engine.dataset import RANGE_MEAN_SUFFIX, Dataset
from mlbackend.engine.estimators import estimator_build
from mlbackend.engine.results import (
    GENERAL_ERROR,
    NOT_ENOUGH_DATA,
    EngineError,
    Prediction,
)

ALL_CLASSES_MESSAGE = "Training data needs to include samples belonging to all classes"
#: Missing columns named in a refusal; the rest are counted.
MAX_LISTED = 10


@contextlib.contextmanager
def engine_threads() -> Iterator[None]:
    """Limit OpenMP/BLAS threads (FORESIGHT_ML_THREADS, default 1) while computing.

    On a busy machine OpenMP threads spin-wait for each other: gradient boosting ran
    30 times slower with 2 threads than with 1 on 2 shared cores. Workers and server
    processes give parallelism; raise the limit on a dedicated machine.
    """
    try:
        limit = max(1, int(os.environ.get("FORESIGHT_ML_THREADS", "1")))
    except ValueError:
        limit = 1
    with threadpool_limits(limits=limit):
        yield


def pipeline_fit(
    pipeline: Pipeline, features: np.ndarray, labels: np.ndarray
) -> Pipeline:
    """Fit, turning off early stopping where its validation split cannot stratify."""
    _, counts = np.unique(labels, return_counts=True)
    if counts.min() < 10 or labels.shape[0] < 200:
        step = pipeline.steps[-1][1]
        if "early_stopping" in step.get_params():
            step.set_params(early_stopping=False)
    # Early stopping is the intended end of an MLP's training, not a problem to report.
    with engine_threads(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipeline.fit(features, labels)


class IncrementalClassifier:
    """Accumulates training samples and refits `estimator` on all of them."""

    def __init__(self, *, estimator: str, random_state: int = 0) -> None:
        self.estimator = estimator
        self.random_state = random_state

    def check_compatible(self, dataset: Dataset) -> Dataset:
        """The dataset as the model reads it, or EngineError saying why it cannot.

        A dataset with every column the model was trained with, and only range
        means (".../mean") besides, gives those columns, picked by name: Moodle
        sends its full datasets (each indicator beside its range mean) to a model
        that learnt without the means, as the built-in processor's exports do.
        Columns named otherwise throughout are taken in order when their number
        matches (datasets built without names); anything else is refused, naming
        the columns that are missing.
        """
        if list(dataset.target_classes) != list(self.classes_):
            raise EngineError(
                f"The dataset's target classes {dataset.target_classes} differ from "
                f"the trained model's {self.classes_}.",
                status=GENERAL_ERROR,
            )
        names = list(dataset.columns)
        if names == list(self.columns_):
            return dataset
        keep = self.learnt_columns(names)
        if keep is not None:
            return dataclasses.replace(
                dataset,
                features=dataset.features[:, keep],
                columns=list(self.columns_),
            )
        present = set(names)
        if len(names) == len(self.columns_) and not present & set(self.columns_):
            return dataset
        missing = [name for name in self.columns_ if name not in present]
        if missing:
            listed = ", ".join(missing[:MAX_LISTED])
            more = len(missing) - MAX_LISTED
            raise EngineError(
                f"The dataset lacks {len(missing)} of the {len(self.columns_)} "
                f"columns the model was trained with: {listed}"
                + (f" and {more} more" if more > 0 else "")
                + ". Clear the model and train it again after changing its "
                "indicators.",
                status=GENERAL_ERROR,
            )
        raise EngineError(
            f"The dataset has {dataset.features.shape[1]} feature columns; the "
            f"model was trained with {len(self.columns_)}. Clear the model and "
            "train it again after changing its indicators.",
            status=GENERAL_ERROR,
        )

    def learnt_columns(self, names: list[str]) -> list[int] | None:
        """Where in `names` the columns the model learnt from are, when all are
        there (once each) and the rest are range means; else None."""
        index = {name: i for i, name in enumerate(names)}
        learnt = set(self.columns_)
        if (
            len(index) == len(names)
            and learnt <= set(index)
            and all(name.endswith(RANGE_MEAN_SUFFIX) for name in set(names) - learnt)
        ):
            return [index[name] for name in self.columns_]
        return None

    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "pipeline_")

    def train(self, dataset: Dataset) -> IncrementalClassifier:
        """Add the dataset's samples and refit; returns self."""
        if dataset.labels is None:
            raise EngineError("Training needs a labelled dataset.")
        if self.is_fitted:
            dataset = self.check_compatible(dataset)
            features = np.concatenate(
                [self.features_, dataset.features.astype(np.float32)]
            )
            labels = np.concatenate([self.labels_, dataset.labels.astype(np.int64)])
        else:
            features = dataset.features.astype(np.float32)
            labels = dataset.labels.astype(np.int64)
        present = set(np.unique(labels).tolist())
        if present != set(dataset.target_classes):
            raise EngineError(ALL_CLASSES_MESSAGE, status=NOT_ENOUGH_DATA)
        pipeline = estimator_build(
            key=self.estimator,
            random_state=self.random_state,
            n_features=features.shape[1],
        )
        self.pipeline_ = pipeline_fit(pipeline, features.astype(np.float64), labels)
        self.features_ = features
        self.labels_ = labels
        self.classes_ = list(dataset.target_classes)
        self.columns_ = list(dataset.columns)
        return self

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities in the order of `classes_` (every class has a column)."""
        with engine_threads():
            raw = self.pipeline_.predict_proba(features.astype(np.float64))
        known = [int(c) for c in self.pipeline_.classes_]
        proba = np.zeros((features.shape[0], len(self.classes_)))
        for column, value in enumerate(known):
            proba[:, self.classes_.index(value)] = raw[:, column]
        return proba

    def predict(self, dataset: Dataset) -> list[Prediction]:
        if not self.is_fitted:
            raise EngineError("The model has not been trained yet.", status=2)
        dataset = self.check_compatible(dataset)
        proba = self.predict_proba(dataset.features)
        best = proba.argmax(axis=1)
        values = np.asarray(self.classes_)[best].tolist()
        scores = proba[np.arange(proba.shape[0]), best].tolist()
        return [
            Prediction(sample_id=sample_id, prediction=value, score=score)
            for sample_id, value, score in zip(
                dataset.ids(), values, scores, strict=True
            )
        ]

    def contributions(self, features: np.ndarray) -> Contributions:
        """Per sample and column, how much the column moved the probability of the
        sample's predicted class, and how that was measured.

        Linear models (logistic regression): the exact additive terms of the decision
        function, coefficient x standardised value, i.e. against the training mean
        (the log-odds of the predicted class minus those of a sample at the training
        mean is the sum of the row). Any other estimator: `perturbation_contributions`
        against the training mean. Columns constant in the training set weigh 0 in
        both: the model cannot have learnt anything from them.
        """
        if not self.is_fitted:
            raise EngineError("The model has not been trained yet.", status=2)
        matrix = np.asarray(features, dtype=np.float64)
        training = self.features_.astype(np.float64)
        constant = training.min(axis=0) == training.max(axis=0)
        reference = training.mean(axis=0)
        proba = self.predict_proba(matrix)
        best = proba.argmax(axis=1)
        classify = self.pipeline_.steps[-1][1]
        coef = getattr(classify, "coef_", None)
        if coef is not None and all(
            name == "scale" for name, _step in self.pipeline_.steps[:-1]
        ):
            if len(self.pipeline_.steps) > 1:
                scaler = self.pipeline_.steps[0][1]
                scaled = (matrix - scaler.mean_) / scaler.scale_
            else:
                scaled = matrix - reference
            known = [int(c) for c in classify.classes_]
            weights = np.zeros(matrix.shape)
            for row, column in enumerate(best):
                value = self.classes_[column]
                if coef.shape[0] == 1:  # binary: the row is the second class's log-odds
                    sign = 1.0 if known.index(value) == 1 else -1.0
                    terms = sign * coef[0] * scaled[row]
                else:
                    terms = coef[known.index(value)] * scaled[row]
                weights[row] = terms
            weights[:, constant] = 0.0
            return Contributions(weights=weights, method=LINEAR)

        def class_probability(moved: np.ndarray) -> np.ndarray:
            return self.predict_proba(moved)[np.arange(moved.shape[0]), best]

        weights = perturbation_contributions(
            class_probability=class_probability,
            features=matrix,
            reference=reference,
            skip=constant,
        )
        return Contributions(weights=weights, method=PERTURBATION)


#: How `contributions` measured each column's weight.
LINEAR = "linear"  # exact additive log-odds terms of a linear model
PERTURBATION = "perturbation"  # change in probability when set to the reference


def perturbation_contributions(
    *,
    class_probability: Callable[[np.ndarray], np.ndarray],
    features: np.ndarray,
    reference: np.ndarray,
    skip: np.ndarray,
) -> np.ndarray:
    """Model-agnostic weights: per sample and column, the predicted probability
    minus the probability with that column set to `reference` (one batch call of
    `class_probability` per column). Positive: the column's value pushed towards the
    class `class_probability` reports. Columns where `skip` is true weigh 0.

    `class_probability(matrix)` returns, per row, the probability of the class of
    interest of that row (the class predicted for the sample).
    """
    features = np.asarray(features, dtype=np.float64)
    weights = np.zeros(features.shape)
    if not features.shape[0]:
        return weights
    base = class_probability(features)
    for column in range(features.shape[1]):
        if skip[column]:
            continue
        moved = features.copy()
        moved[:, column] = reference[column]
        weights[:, column] = base - class_probability(moved)
    return weights


@dataclass(frozen=True)
class Contributions:
    """Weights (samples x columns) and the method ("linear": log-odds terms,
    "perturbation": probability points)."""

    weights: np.ndarray
    method: str
