"""The model's lock, held for a run and kept alive by a heartbeat thread.

A live worker never loses its model however long training takes; a dead one
(killed, machine lost) frees it once the lock's TTL has passed without a beat.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from models_app.models import AnalyticsModel, ModelLock
from models_app.services.locks import (
    ModelLocked,
    lock_owner_name,
    model_lock_acquire,
    model_lock_refresh,
    model_lock_release,
)

logger = logging.getLogger("models_app.running")

DEFAULT_LOCK_TTL = 300  # seconds; the heartbeat refreshes it every third of that


def lock_ttl() -> timedelta:
    """How long a model's lock lives without a heartbeat (FORESIGHT_MODEL_LOCK_TTL)."""
    seconds = getattr(settings, "FORESIGHT_MODEL_LOCK_TTL", 0) or DEFAULT_LOCK_TTL
    return timedelta(seconds=float(seconds))


class HeldLock:
    """A model lock this run holds, refreshed by a heartbeat thread."""

    def __init__(self, *, model: AnalyticsModel, owner: str, ttl: timedelta) -> None:
        self.model = model
        self.owner = owner
        self.ttl = ttl
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"model-lock-{model.pk}", daemon=True
        )

    def _beat(self) -> None:
        period = max(self.ttl.total_seconds() / 3, 0.2)
        try:
            while not self._stop.wait(period):
                try:
                    if not model_lock_refresh(
                        model=self.model, owner=self.owner, ttl=self.ttl
                    ):
                        self.lost = True
                        logger.error("Model %s: the lock was lost.", self.model.pk)
                        return
                except Exception:  # a database hiccup: try again next beat
                    logger.exception("Model %s: lock refresh failed", self.model.pk)
        finally:
            connection.close()  # this thread's own connection

    def check(self) -> None:
        """Raise when the lock was lost: results must not be written twice."""
        if self.lost:
            raise LockLost(_("The model's lock expired and was taken by another run."))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


class LockLost(Exception):
    pass


@contextmanager
def model_run_lock(*, model: AnalyticsModel) -> Iterator[HeldLock]:
    """Hold the model's lock for the block with a heartbeat; ModelLocked if taken."""
    ttl = lock_ttl()
    owner = lock_owner_name()
    if not model_lock_acquire(model=model, owner=owner, ttl=ttl):
        current = ModelLock.objects.filter(model=model).first()
        raise ModelLocked(
            model=model,
            owner=current.owner if current else _("another run"),
            expires=current.expires if current else timezone.now(),
        )
    held = HeldLock(model=model, owner=owner, ttl=ttl)
    held.start()
    try:
        yield held
    finally:
        held.stop()
        model_lock_release(model=model, owner=owner)
