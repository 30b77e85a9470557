"""The model lock: one run per model, taken over once it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from models_app.models import AnalyticsModel, ModelLock
from models_app.services.locks import (
    ModelLocked,
    model_lock_acquire,
    model_lock_refresh,
    model_lock_release,
)
from models_app.services.running.heartbeat import model_run_lock

pytestmark = pytest.mark.django_db
TTL = timedelta(minutes=5)


@pytest.fixture
def model():
    return AnalyticsModel.objects.create(target="course_dropout")


def test_second_owner_cannot_take_a_live_lock(model):
    assert model_lock_acquire(model=model, owner="a", ttl=TTL) is True
    assert model_lock_acquire(model=model, owner="b", ttl=TTL) is False
    assert ModelLock.objects.get(model=model).owner == "a"


def test_expired_lock_is_taken_over_by_one_owner_only(model):
    model_lock_acquire(model=model, owner="dead-worker", ttl=TTL)
    ModelLock.objects.filter(model=model).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    assert model_lock_acquire(model=model, owner="b", ttl=TTL) is True
    assert model_lock_acquire(model=model, owner="c", ttl=TTL) is False
    assert ModelLock.objects.get(model=model).owner == "b"


def test_refresh_extends_only_the_owners_lock(model):
    model_lock_acquire(model=model, owner="a", ttl=timedelta(seconds=10))
    before = ModelLock.objects.get(model=model).expires
    assert model_lock_refresh(model=model, owner="a", ttl=TTL) is True
    assert ModelLock.objects.get(model=model).expires > before
    assert model_lock_refresh(model=model, owner="b", ttl=TTL) is False


def test_release_by_another_owner_keeps_the_lock(model):
    model_lock_acquire(model=model, owner="a", ttl=TTL)
    model_lock_release(model=model, owner="b")
    assert ModelLock.objects.filter(model=model).exists() is True
    model_lock_release(model=model, owner="a")
    assert ModelLock.objects.filter(model=model).exists() is False


def test_context_manager_raises_while_held_and_releases_after(model):
    with model_run_lock(model=model):
        with pytest.raises(ModelLocked, match="being processed"):
            with model_run_lock(model=model):
                pass
    assert ModelLock.objects.filter(model=model).exists() is False


def test_lock_is_released_when_the_block_fails(model):
    with pytest.raises(RuntimeError):
        with model_run_lock(model=model):
            raise RuntimeError("training crashed")
    assert ModelLock.objects.filter(model=model).exists() is False
