"""The project's Celery app, with trained models written slowly (integration tests).

`celery -A tests.integration.celery_slow_app worker` runs the real tasks, but the
predictions processor waits FORESIGHT_TEST_TRAIN_DELAY seconds before it writes a
trained model, so a test can start a second worker, or kill this one, while a
training is surely in progress. Test code only: nothing in the project reads it.
"""

from __future__ import annotations

import os
import time

from config.celery import app
from mlbackend.engine.storage import StateFolder

DELAY = float(os.environ.get("FORESIGHT_TEST_TRAIN_DELAY", "0"))
_write = StateFolder.write


def _slow_write(self: StateFolder, files: dict[str, bytes]) -> None:
    time.sleep(DELAY)
    _write(self, files)


StateFolder.write = _slow_write

__all__ = ["app"]
