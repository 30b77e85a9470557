"""The sync's lock: one sync at a time, and analysis waits while one runs.

A row with an expiry (as models_app's model locks): a sync that dies frees it when
`expires` passes. `sync_wait` is what an analysis run calls before it reads the
site, so that it never sees half of a sync (each part commits whole, but the
parts depend on each other: enrolments without their new users, say).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from moodlesync.models import SyncLock

LOCK_NAME = "moodle"
LOCK_TTL = timedelta(minutes=30)


class SyncRunning(Exception):
    """Another sync of the site is running."""


def sync_lock_acquire(*, owner: str, ttl: timedelta = LOCK_TTL) -> bool:
    now = timezone.now()
    try:
        with transaction.atomic():
            SyncLock.objects.create(
                name=LOCK_NAME, owner=owner, acquired=now, expires=now + ttl
            )
        return True
    except IntegrityError:
        pass
    taken = SyncLock.objects.filter(name=LOCK_NAME, expires__lt=now).update(
        owner=owner, acquired=now, expires=now + ttl
    )
    return taken == 1


def sync_lock_release(*, owner: str) -> None:
    SyncLock.objects.filter(name=LOCK_NAME, owner=owner).delete()


def sync_lock_refresh(*, owner: str, ttl: timedelta = LOCK_TTL) -> None:
    SyncLock.objects.filter(name=LOCK_NAME, owner=owner).update(
        expires=timezone.now() + ttl
    )


@contextmanager
def sync_lock() -> Iterator[str]:
    """Hold the sync lock for the block; SyncRunning when another sync holds it."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not sync_lock_acquire(owner=owner):
        raise SyncRunning
    try:
        yield owner
    finally:
        sync_lock_release(owner=owner)


def sync_running() -> bool:
    """Whether a live sync holds the lock now."""
    return SyncLock.objects.filter(name=LOCK_NAME, expires__gte=timezone.now()).exists()


def sync_wait(*, timeout: float | None = None, poll: float = 1.0) -> bool:
    """Wait until no sync is running (at most `timeout` seconds, default
    MOODLE_SYNC_WAIT or 900); True when none is running at return."""
    if timeout is None:
        timeout = float(getattr(settings, "MOODLE_SYNC_WAIT", 900))
    deadline = time.monotonic() + timeout
    while sync_running():
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True
