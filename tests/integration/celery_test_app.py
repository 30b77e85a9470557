"""The project's Celery app as the integration tests run it in worker processes.

`celery -A tests.integration.celery_test_app worker` runs the real tasks, with two
test-only changes read from the environment:

- FORESIGHT_TEST_QUEUE: the queue this test's tasks (and the tasks they fan out)
  go to, so test runs of other sessions sharing the Redis test database never
  take each other's tasks.
- FORESIGHT_TEST_TRAIN_DELAY: seconds the predictions processor waits before it
  writes a trained model, so a test can start a second worker, or kill this one,
  while a training is surely in progress.

Nothing in the project reads this module.
"""

from __future__ import annotations

import os
import time

from config.celery import app
from mlbackend.engine.storage import StateFolder

QUEUE = os.environ.get("FORESIGHT_TEST_QUEUE", "")
DELAY = float(os.environ.get("FORESIGHT_TEST_TRAIN_DELAY", "0"))

if QUEUE:
    app.conf.task_default_queue = QUEUE

if DELAY:
    _write = StateFolder.write

    def _slow_write(self: StateFolder, files: dict[str, bytes]) -> None:
        time.sleep(DELAY)
        _write(self, files)

    StateFolder.write = _slow_write

__all__ = ["app"]
