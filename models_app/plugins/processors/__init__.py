"""Predictions processors: `builtin` (scikit-learn in the worker) and `mlbackend`
(an ML backend server over HTTP, ours or Moodle's).

Both run the same engine (mlbackend.engine): the builtin processor in process, our
server behind the protocol. Results and errors are the engine's, re-exported here.
"""

from __future__ import annotations

import hashlib

from django.conf import settings

from mlbackend.engine.dataset import Dataset, dataset_build, dataset_from_csv
from mlbackend.engine.results import EngineError as ProcessorError
from mlbackend.engine.results import Prediction, Result

__all__ = [
    "Dataset",
    "Prediction",
    "ProcessorError",
    "Result",
    "dataset_build",
    "dataset_from_csv",
    "model_unique_id",
]


def model_unique_id(*, model_pk: int, version: int) -> str:
    """Moodle's uniqueid: sha1 of the site, the model and its version.

    Several sites may share one ML backend server, so the id includes what tells this
    site apart (its first allowed host and its database name).
    """
    host = (settings.ALLOWED_HOSTS or ["localhost"])[0]
    database = str(settings.DATABASES["default"].get("NAME", ""))
    raw = "$$".join([host, database, str(model_pk), str(version)])
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
