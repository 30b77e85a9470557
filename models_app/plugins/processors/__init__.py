"""Predictions processors: `builtin` (scikit-learn in the worker) and `mlbackend`
(an ML backend server over HTTP, ours or Moodle's).

Both run the same engine (mlbackend.engine): the builtin processor in process, our
server behind the protocol. Results and errors are the engine's, re-exported here.
"""

from __future__ import annotations

import hashlib

from mlbackend.engine.dataset import Dataset, dataset_build, dataset_from_csv
from mlbackend.engine.results import EngineError as ProcessorError
from mlbackend.engine.results import Prediction, Result
from settings_app import selectors as settings_selectors

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

    Several sites may share one ML backend server, so the id includes what tells
    this site apart: its stored site identifier (Moodle hashes its wwwroot and table
    prefix). Hosts and database names are left out: a deployment that reorders
    ALLOWED_HOSTS or renames its database must find its trained models again. Sites
    that trained models before the identifier existed keep their old ids: the
    migration stored their old host and database name as the identifier
    (models_app/migrations/0004_site_identifier.py).
    """
    site = settings_selectors.site_identifier()
    raw = "$$".join([site, str(model_pk), str(version)])
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
