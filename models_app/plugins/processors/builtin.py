"""The `builtin` processor: scikit-learn in the worker process.

Each model lives in `<output_dir>/<model_id>/`: `model/` is the trained model, an
atomic state folder in the safe format (skops with trusted types, npz), and
`evaluation/<runid>/` holds each evaluation's graphs and metrics.
"""

from __future__ import annotations

import errno
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from mlbackend.engine.dataset import Dataset, dataset_from_csv
from mlbackend.engine.results import NO_DATASET, EngineError, Result
from mlbackend.engine.storage import (
    StateFolder,
    files_write_atomically,
    identifier_check,
    tree_delete,
)
from models_app.plugins.base import Processor

if TYPE_CHECKING:
    from mlbackend.engine.trained import Contributions, IncrementalClassifier

# The engine modules that load scikit-learn, skops and matplotlib (seconds) are
# imported inside the methods: the registry imports this class for its label, and
# every `manage.py` command and page would pay for them otherwise.
#: mlbackend.engine.estimators.DEFAULT_ESTIMATOR (tests/test_startup.py checks).
DEFAULT_ESTIMATOR = "logistic_regression"
NOT_TRAINED = "The model has not been trained yet."
MAX_IMPORT_BYTES = 2 * 1024**3


def _dataset(dataset: Dataset | bytes, *, labelled: bool) -> Dataset:
    if isinstance(dataset, Dataset):
        return dataset
    return dataset_from_csv(dataset, labelled=labelled)


class BuiltinProcessor(Processor):
    """Learns with scikit-learn in process; logistic regression unless told otherwise."""

    key = "builtin"
    label = _("Built-in (scikit-learn)")

    def __init__(
        self, *, estimator: str = DEFAULT_ESTIMATOR, random_state: int = 0
    ) -> None:
        self.estimator = estimator
        self.random_state = random_state

    def _model_dir(self, model_id: str, output_dir: Path) -> Path:
        return Path(output_dir) / identifier_check(model_id, name="model id")

    def _state(self, model_id: str, output_dir: Path) -> StateFolder:
        return StateFolder(self._model_dir(model_id, output_dir) / "model")

    @staticmethod
    def _load(state: StateFolder) -> IncrementalClassifier | None:
        from mlbackend.engine.bundle import classifier_from_bundle

        files = state.read()
        return None if files is None else classifier_from_bundle(files)

    def is_ready(self) -> str | None:
        from mlbackend.engine.estimators import estimator_build

        try:
            estimator_build(key=self.estimator, random_state=0, n_features=1)
        except EngineError as exc:
            return exc.message
        return None

    def train(
        self, *, model_id: str, dataset: Dataset | bytes, output_dir: Path
    ) -> Result:
        from mlbackend.engine.bundle import bundle_from_classifier
        from mlbackend.engine.trained import IncrementalClassifier

        state = self._state(model_id, output_dir)
        try:
            data = _dataset(dataset, labelled=True)
            with state.locked():
                classifier = self._load(state)
                if classifier is None:
                    classifier = IncrementalClassifier(
                        estimator=self.estimator, random_state=self.random_state
                    )
                classifier.train(data)
                state.write(bundle_from_classifier(classifier))
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
            predictions = classifier.predict(_dataset(dataset, labelled=False))
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
        classifier.check_compatible(data)
        return classifier.contributions(data.features)

    def evaluate(
        self,
        *,
        model_id: str,
        dataset: Dataset | bytes,
        output_dir: Path,
        min_score: float = 0.7,
        max_deviation: float = 0.05,
        n_iterations: int = 10,
        trained_model: bool = False,
    ) -> Result:
        from mlbackend.engine.evaluation import evaluation_run

        state = self._state(model_id, output_dir)
        try:
            data = _dataset(dataset, labelled=True)
            trained = None
            if trained_model:
                trained = self._load(state)
                if trained is None:
                    return Result(status=NO_DATASET, info=[NOT_TRAINED])
            result, files = evaluation_run(
                dataset=data,
                estimator=self.estimator,
                random_state=self.random_state,
                min_score=min_score,
                max_deviation=max_deviation,
                n_iterations=n_iterations,
                trained=trained,
            )
        except EngineError as exc:
            return Result(status=exc.status, info=[exc.message])
        folder = self._model_dir(model_id, output_dir) / "evaluation"
        runid = _write_run(folder, files)
        result.runid = runid
        result.dir = str(folder / str(runid))
        return result

    def export(self, *, model_id: str, output_dir: Path) -> bytes:
        from mlbackend.engine.bundle import bundle_to_zip

        files = self._state(model_id, output_dir).read()
        if files is None:
            raise EngineError(NOT_TRAINED, status=NO_DATASET)
        return bundle_to_zip(files)

    def import_(self, *, model_id: str, output_dir: Path, data: bytes) -> None:
        from mlbackend.engine.bundle import BundleError, bundle_from_zip

        try:
            files = bundle_from_zip(data, max_total_bytes=MAX_IMPORT_BYTES)
        except BundleError as exc:
            raise EngineError(
                f"The model could not be imported: {exc.message}"
            ) from None
        state = self._state(model_id, output_dir)
        with state.locked():
            state.write(files)

    def clear(self, *, model_id: str, output_dir: Path) -> None:
        tree_delete(self._model_dir(model_id, output_dir))


def _write_run(folder: Path, files: dict[str, bytes]) -> int:
    runid = time.time_ns() // 1_000_000
    while True:
        try:
            files_write_atomically(folder / str(runid), files)
            return runid
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            runid += 1
