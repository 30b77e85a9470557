"""One run per analytics model at a time, across any number of workers and machines.

The lock is a row in the database (ModelLock, one per model) with an expiry, so a
worker that dies does not block the model forever: once `expires` has passed, the
next worker takes the lock over. A long run extends its lock with
`model_lock_refresh` between analysables.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from models_app.models import AnalyticsModel, ModelLock


class ModelLocked(Exception):
    """Another run holds the model's lock."""

    def __init__(self, *, model: AnalyticsModel, owner: str, expires) -> None:
        self.model = model
        self.owner = owner
        self.expires = expires
        super().__init__(
            f"Model {model.pk} is being processed by {owner} "
            f"(lock expires at {expires:%Y-%m-%d %H:%M:%S %Z}); this run leaves it."
        )


def lock_owner_name() -> str:
    """A name unique to this process and call, readable in the admin."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def model_lock_acquire(*, model: AnalyticsModel, owner: str, ttl: timedelta) -> bool:
    """Take the model's lock for `ttl`; False when someone else holds a live lock."""
    now = timezone.now()
    try:
        with transaction.atomic():
            ModelLock.objects.create(
                model=model, owner=owner, acquired=now, expires=now + ttl
            )
        return True
    except IntegrityError:
        pass
    # A lock row exists: take it over only if it has expired. The conditional
    # UPDATE is atomic in every database, so two workers cannot both win.
    taken = ModelLock.objects.filter(model=model, expires__lt=now).update(
        owner=owner, acquired=now, expires=now + ttl
    )
    return taken == 1


def model_lock_refresh(*, model: AnalyticsModel, owner: str, ttl: timedelta) -> bool:
    """Extend a lock this owner holds; False if it was lost (expired and taken)."""
    updated = ModelLock.objects.filter(model=model, owner=owner).update(
        expires=timezone.now() + ttl
    )
    return updated == 1


def model_lock_release(*, model: AnalyticsModel, owner: str) -> None:
    ModelLock.objects.filter(model=model, owner=owner).delete()
