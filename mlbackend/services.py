"""What each endpoint of the ML backend protocol does, without HTTP.

Bodies and status codes follow Moodle's moodlemlbackend 3.0.5
(shared/reference/moodle-mlbackend-protocol.md §3, §5, §6): JSON objects with a
Moodle result code in `status`; prediction rows are strings and carry the class
*index*, as Moodle's server sends them. Problems with the input are explained in
`info`/`errors`, never as a stack trace; a stored model is only ever replaced whole.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from django.conf import settings

from mlbackend.engine.bundle import (
    bundle_from_classifier,
    bundle_from_zip,
    bundle_to_zip,
    classifier_from_bundle,
)
from mlbackend.engine.dataset import dataset_from_csv
from mlbackend.engine.estimators import DEFAULT_ESTIMATOR
from mlbackend.engine.evaluation import evaluation_run
from mlbackend.engine.graphs import files_drawn
from mlbackend.engine.results import NO_DATASET, OK, EngineError
from mlbackend.engine.trained import IncrementalClassifier

logger = logging.getLogger(__name__)

VERSION = "3.0.5"
NOT_TRAINED = "Provided model have not been trained yet"
NOTHING_TO_EXPORT = "There is nothing to export."


def _estimator() -> str:
    return getattr(settings, "FORESIGHT_MLBACKEND_ESTIMATOR", "") or DEFAULT_ESTIMATOR


def _error(exc: EngineError) -> dict[str, Any]:
    return {"status": exc.status, "info": [], "errors": exc.message}


def training_handle(
    *, storage, uniqueid: str, dirhash: str, data: bytes
) -> dict[str, Any]:
    """Train (incrementally, if the model exists) and store the model atomically.

    The storage runs the change as one read-modify-write (a lock on disk, a
    conditional write in S3), so concurrent trainings never lose samples.
    """

    def train(files: dict[str, bytes] | None) -> dict[str, bytes]:
        if files is None:
            classifier = IncrementalClassifier(estimator=_estimator())
        else:
            classifier = classifier_from_bundle(files)
        return bundle_from_classifier(classifier.train(dataset))

    try:
        dataset = dataset_from_csv(data, labelled=True)
        storage.update(uniqueid, dirhash, train)
    except EngineError as exc:
        return _error(exc)
    return {"status": OK, "info": []}


def prediction_handle(
    *, storage, uniqueid: str, dirhash: str, data: bytes
) -> dict[str, Any]:
    try:
        files = storage.read(uniqueid, dirhash)
        if files is None:
            return {"status": NO_DATASET, "info": [NOT_TRAINED]}
        classifier = classifier_from_bundle(files)
        dataset = dataset_from_csv(data, labelled=False)
        dataset = classifier.check_compatible(dataset)
        proba = classifier.predict_proba(dataset.features)
    except EngineError as exc:
        return _error(exc)
    best = proba.argmax(axis=1)
    indexes = best.astype(str).tolist()
    scores = proba[np.arange(proba.shape[0]), best].astype(np.float32).astype(str)
    rows = [
        [sample_id, index, score]
        for sample_id, index, score in zip(
            dataset.ids(), indexes, scores.tolist(), strict=True
        )
    ]
    return {"status": OK, "info": [], "predictions": rows}


def evaluation_handle(
    *,
    storage,
    uniqueid: str,
    dirhash: str,
    data: bytes,
    min_score: float,
    max_deviation: float,
    n_iterations: int,
    trained_dirhash: str | None = None,
) -> dict[str, Any]:
    """Evaluate and keep the run's graphs and metrics; the answer always has a runid."""
    files: dict[str, bytes] = {}
    try:
        dataset = dataset_from_csv(data, labelled=True)
        trained = None
        if trained_dirhash:
            stored = storage.read(uniqueid, trained_dirhash)
            if stored is None:
                raise EngineError(NOT_TRAINED, status=NO_DATASET)
            trained = classifier_from_bundle(stored)
        result, files = evaluation_run(
            dataset=dataset,
            estimator=_estimator(),
            min_score=min_score,
            max_deviation=max_deviation,
            n_iterations=n_iterations,
            trained=trained,
        )
        # Drawn now, not on demand: Moodle's client downloads the log right after.
        files = files_drawn(files)
        body: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for key, value in result.metrics.items():
            if key in ("classes", "confusion_matrix", "rounds", "samples", "graphs"):
                extras[key] = value
            elif key not in ("estimator", "mode"):
                body[key] = value
        extras["estimator"] = result.metrics.get("estimator")
        status, info = result.status, result.info
    except EngineError as exc:
        body, extras, status, info = {}, {}, exc.status, [exc.message]
        files["info.log"] = (exc.message + "\n").encode()
    runid = storage.log_write(uniqueid, dirhash, files)
    body["dir"] = storage.describe(uniqueid, dirhash, runid)
    body.update(status=status, info=info, runid=runid)
    body.update(extras)
    return body


def evaluation_log_zip(*, storage, uniqueid: str, dirhash: str, runid: int) -> bytes:
    """The run's files as a zip; an empty zip when there is no such run (as Moodle)."""
    return bundle_to_zip(storage.log_read(uniqueid, dirhash, runid))


def export_zip(*, storage, uniqueid: str, dirhash: str) -> bytes | None:
    files = storage.read(uniqueid, dirhash)
    return None if files is None else bundle_to_zip(files)


def import_zip(*, storage, uniqueid: str, dirhash: str, data: bytes) -> None:
    """Validate an export zip (no pickles, safe names, sizes) and store it whole.

    What the zip may expand to is bounded by its own size (bundle.MAX_EXPANSION) and
    by four times the upload limit, checked before anything is inflated.
    """
    limit = 4 * int(getattr(settings, "FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES", 0) or 0)
    files = bundle_from_zip(data, max_total_bytes=limit or 2 * 1024**3)
    storage.replace(uniqueid, dirhash, files)
