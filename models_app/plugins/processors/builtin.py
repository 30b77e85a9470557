"""The `builtin` processor: scikit-learn in the worker process.

Each model lives in `<output_dir>/<model_id>/`: `model/` is the trained model, an
atomic state folder in the safe format (skops with trusted types, npz), and
`evaluation/<runid>/` holds each evaluation's graphs and metrics.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.utils.translation import gettext_lazy as _

from mlbackend.engine.dataset import RANGE_MEAN_SUFFIX, Dataset, dataset_from_csv
from mlbackend.engine.results import NO_DATASET, EngineError, Result
from mlbackend.engine.storage import StateFolder, tree_delete
from models_app.plugins.processors.evaluation import EvaluatingProcessor

if TYPE_CHECKING:
    from mlbackend.engine.trained import Contributions, IncrementalClassifier
    from models_app.plugins.processors.calibration import CalibratedClassifier

# The engine modules that load scikit-learn, skops and matplotlib (seconds) are
# imported inside the methods: the registry imports this class for its label, and
# every `manage.py` command and page would pay for them otherwise.
#: mlbackend.engine.estimators.DEFAULT_ESTIMATOR (tests/test_startup.py checks), and
#: the backtest's choice for a model that names none (`bench/quality.py`, OULAD,
#: learnt from one presentation and replayed on the other; ROC AUC at 25% / 50%):
#:
#:     dropout        AAA->BBB     BBB->AAA     grade to pass  AAA->BBB     BBB->AAA
#:     logistic       0.81 / 0.89  0.76 / 0.78                 0.83 / 0.90  0.82 / 0.84
#:     neural net     0.78 / 0.89  0.76 / 0.83                 0.81 / 0.89  0.82 / 0.79
#:     grad. boosting 0.77 / 0.86  0.72 / 0.77                 0.79 / 0.89  0.81 / 0.84
#:
#: Logistic regression is best or within 0.01 in 7 of 8, the net in 5, boosting in 2.
DEFAULT_ESTIMATOR = "logistic_regression"
#: The estimators on offer (mlbackend.engine.estimators.ESTIMATORS, whose labels
#: these are), for the model's field and forms without loading scikit-learn.
ESTIMATOR_LABELS = {
    "logistic_regression": _("Logistic regression"),
    "gradient_boosting": _("Gradient boosting"),
    "neural_network": _("Neural network (small MLP)"),
}
#: One of calibration.CALIBRATIONS; chosen by the backtest (see calibration.py).
DEFAULT_CALIBRATION = "none"
NOT_TRAINED = "The model has not been trained yet."
MAX_IMPORT_BYTES = 2 * 1024**3


def _dataset(dataset: Dataset | bytes, *, labelled: bool) -> Dataset:
    if isinstance(dataset, Dataset):
        return dataset
    return dataset_from_csv(dataset, labelled=labelled)


def estimator_choices() -> list[tuple[str, str]]:
    return [(key, str(label)) for key, label in ESTIMATOR_LABELS.items()]


class BuiltinProcessor(EvaluatingProcessor):
    """Learns with scikit-learn in process; logistic regression unless told otherwise.

    Probabilities may be calibrated (`calibration`: sigmoid, isotonic or none, the
    default; see calibration.py for what the backtest found).

    Moodle's datasets carry, beside each indicator, its mean over every sample of
    the range (`.../mean`): a description of the course, not of the student. Learnt
    from a few courses, those columns hold a handful of distinct values, and a
    model extrapolates from them on any other course: trained on OULAD's BBB and
    replayed on AAA, logistic regression flagged 294 of 360 students at 25% of the
    course (precision 0.16, Brier score 0.48); without them 33 (precision 0.45,
    Brier 0.12), with the same ROC AUC (`bench/quality.py`); on the generated site
    (`--generated`, earlier courses against later ones) the ROC AUC rose by 0.01 to
    0.10 at 25% and 50% of the course, both ways, both targets. So the processor
    learns without them unless `range_means`; a model keeps the columns it was
    trained with (the datasets themselves do not change).
    """

    key = "builtin"
    label = _("Built-in (scikit-learn)")

    def __init__(
        self,
        *,
        estimator: str = DEFAULT_ESTIMATOR,
        random_state: int = 0,
        calibration: str = DEFAULT_CALIBRATION,
        range_means: bool = False,
    ) -> None:
        self.estimator = estimator
        self.random_state = random_state
        self.calibration = calibration
        self.range_means = range_means

    @classmethod
    def for_model(cls, model: object) -> BuiltinProcessor:
        """The processor as `model` (an AnalyticsModel) configures it: its estimator,
        or the default when it names none."""
        return cls(estimator=getattr(model, "estimator", "") or DEFAULT_ESTIMATOR)

    def _state(self, model_id: str, output_dir: Path) -> StateFolder:
        return StateFolder(self._model_dir(model_id, output_dir) / "model")

    @staticmethod
    def _load(state: StateFolder) -> CalibratedClassifier | None:
        from mlbackend.engine.bundle import classifier_from_bundle
        from models_app.plugins.processors.calibration import (
            CALIBRATION_FILE,
            CalibratedClassifier,
            calibration_loads,
        )

        files = state.read()
        if files is None:
            return None
        classifier = classifier_from_bundle(files)
        calibration = None
        if CALIBRATION_FILE in files:  # absent: trained before calibration existed
            calibration = calibration_loads(
                files[CALIBRATION_FILE], classes=classifier.classes_
            )
        return CalibratedClassifier.wrap(classifier, calibration)

    def _learnt(
        self, data: Dataset, classifier: IncrementalClassifier | None = None
    ) -> tuple[Dataset, list[int]]:
        """The columns of `data` a model learns from, and their indexes: those of
        a trained `classifier` (found by name, so a model trained with or without
        the range means keeps predicting), else all but the range means unless
        `range_means`."""
        names = list(data.columns)
        keep = list(range(len(names)))
        if classifier is not None and classifier.is_fitted:
            # Only range means may be left out: any other difference is a dataset
            # that does not fit the model, which check_compatible explains.
            keep = classifier.learnt_columns(names) or keep
        elif not self.range_means:
            keep = [i for i in keep if not names[i].endswith(RANGE_MEAN_SUFFIX)] or keep
        if keep == list(range(len(names))):
            return data, keep
        return (
            dataclasses.replace(
                data,
                features=data.features[:, keep],
                columns=[names[i] for i in keep],
            ),
            keep,
        )

    def _files(self, classifier: IncrementalClassifier) -> dict[str, bytes]:
        """The state to store: the engine's bundle and this processor's calibration."""
        from mlbackend.engine.bundle import bundle_from_classifier
        from models_app.plugins.processors.calibration import (
            CALIBRATION_FILE,
            calibration_dumps,
            calibration_fit,
        )

        files = bundle_from_classifier(classifier)
        calibration = calibration_fit(
            features=classifier.features_,
            labels=classifier.labels_,
            classes=classifier.classes_,
            estimator=classifier.estimator,
            method=self.calibration,
            random_state=classifier.random_state,
        )
        if calibration is not None:
            files[CALIBRATION_FILE] = calibration_dumps(calibration)
        return files

    def is_ready(self) -> str | None:
        from mlbackend.engine.estimators import estimator_build
        from models_app.plugins.processors.calibration import CALIBRATIONS

        if self.calibration not in CALIBRATIONS:
            return (
                f"Unknown calibration {self.calibration!r}; choose one of "
                f"{list(CALIBRATIONS)}."
            )
        try:
            estimator_build(key=self.estimator, random_state=0, n_features=1)
        except EngineError as exc:
            return exc.message
        return None

    def train(
        self, *, model_id: str, dataset: Dataset | bytes, output_dir: Path
    ) -> Result:
        from mlbackend.engine.trained import IncrementalClassifier

        state = self._state(model_id, output_dir)
        try:
            data = _dataset(dataset, labelled=True)
            with state.locked():
                classifier: IncrementalClassifier | None = self._load(state)
                if classifier is None:
                    classifier = IncrementalClassifier(
                        estimator=self.estimator, random_state=self.random_state
                    )
                classifier.train(self._learnt(data, classifier)[0])
                state.write(self._files(classifier))
        except EngineError as exc:
            return Result(status=exc.status, info=[exc.message])
        return Result(
            info=[f"Trained on {classifier.labels_.shape[0]} samples in total."]
        )

    def predict(
        self, *, model_id: str, dataset: Dataset | bytes, output_dir: Path
    ) -> Result:
        state = self._state(model_id, output_dir)
        try:
            classifier = self._load(state)
            if classifier is None:
                return Result(status=NO_DATASET, info=[NOT_TRAINED])
            data = _dataset(dataset, labelled=False)
            predictions = classifier.predict(self._learnt(data, classifier)[0])
        except EngineError as exc:
            return Result(status=exc.status, info=[exc.message])
        return Result(predictions=predictions)

    def reasons(
        self, *, model_id: str, dataset: Dataset | bytes, output_dir: Path
    ) -> Contributions:
        """Per sample and column, how much the column moved the probability of the
        sample's predicted class (see IncrementalClassifier.contributions); raises
        EngineError when the model is not trained or the dataset does not fit it."""
        classifier = self._load(self._state(model_id, output_dir))
        if classifier is None:
            raise EngineError(NOT_TRAINED, status=NO_DATASET)
        data = _dataset(dataset, labelled=False)
        learnt, keep = self._learnt(data, classifier)
        classifier.check_compatible(learnt)
        found = classifier.contributions(learnt.features)
        if keep == list(range(data.features.shape[1])):
            return found
        # Columns the model does not learn from weigh 0.
        weights = np.zeros(data.features.shape)
        weights[:, keep] = found.weights
        return dataclasses.replace(found, weights=weights)

    def _evaluation_run(
        self,
        *,
        model_id: str,
        dataset: Dataset | bytes,
        output_dir: Path,
        min_score: float,
        max_deviation: float,
        n_iterations: int,
        trained_model: bool,
    ) -> tuple[Result, dict[str, bytes] | None]:
        from mlbackend.engine.evaluation import evaluation_run

        try:
            data = _dataset(dataset, labelled=True)
            trained = None
            if trained_model:
                trained = self._load(self._state(model_id, output_dir))
                if trained is None:
                    return Result(status=NO_DATASET, info=[NOT_TRAINED]), None
            return evaluation_run(
                dataset=self._learnt(data, trained)[0],
                estimator=self.estimator,
                random_state=self.random_state,
                min_score=min_score,
                max_deviation=max_deviation,
                n_iterations=n_iterations,
                trained=trained,
            )
        except EngineError as exc:
            return Result(status=exc.status, info=[exc.message]), None

    def export(self, *, model_id: str, output_dir: Path) -> bytes:
        """The engine's bundle only: the calibration is derived from it (an import
        computes it again), and every ML backend server reads the bundle."""
        from mlbackend.engine.bundle import MEMBERS, bundle_to_zip

        files = self._state(model_id, output_dir).read()
        if files is None:
            raise EngineError(NOT_TRAINED, status=NO_DATASET)
        return bundle_to_zip({name: files[name] for name in MEMBERS})

    def import_(self, *, model_id: str, output_dir: Path, data: bytes) -> None:
        from mlbackend.engine.bundle import (
            BundleError,
            bundle_from_zip,
            classifier_from_bundle,
        )

        try:
            files = bundle_from_zip(data, max_total_bytes=MAX_IMPORT_BYTES)
        except BundleError as exc:
            raise EngineError(
                f"The model could not be imported: {exc.message}"
            ) from None
        files = self._files(classifier_from_bundle(files))
        state = self._state(model_id, output_dir)
        with state.locked():
            state.write(files)

    def clear(self, *, model_id: str, output_dir: Path) -> None:
        tree_delete(self._model_dir(model_id, output_dir))
