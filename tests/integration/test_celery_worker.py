"""Real Celery workers on the Redis broker: nightly runs end to end, one run per
model across workers, and a worker killed while training.

Workers are subprocesses sharing the test database (DATABASE_URL) and data folder,
on the Redis test database (FORESIGHT_TEST_REDIS_URL, default db 15). Each test
uses a queue of its own, emptied before and after it, so concurrent test runs of
other sessions on the same Redis never take each other's tasks. A missing Redis
fails the tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from insights.models import Prediction
from models_app.models import AnalyticsModel, ModelLock, ModelLog, TrainSample
from models_app.services.locks import model_lock_acquire
from models_app.services.running import Status, model_train
from models_app.services.running.common import model_storage
from models_app.tasks import predict_models_task, train_model_task, train_models_task
from tests.integration.celery_worker import (
    Worker,
    queue_name,
    redis_queue_clear,
    redis_url,
    wait_for,
    worker_env,
)

# The flush after each test ends in post_migrate, which re-installs what
# migrations create (roles, default models, schedules) for the tests after.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

INDICATORS = ["any_course_access", "any_write_action_in_course", "read_actions"]


@pytest.fixture
def queue():
    name = queue_name()
    redis_queue_clear(redis_url(), name)
    yield name
    redis_queue_clear(redis_url(), name)


@pytest.fixture
def broker(queue):
    return redis_url()


@pytest.fixture
def workers(tmp_path, queue):
    """`start(name, **env)` starts a worker on this test's queue; all are stopped
    at teardown."""
    started: list[Worker] = []

    def start(name: str, *, broker: str, **env: str) -> Worker:
        worker = Worker(
            name=name,
            env=worker_env(broker=broker, FORESIGHT_TEST_QUEUE=queue, **env),
            log=tmp_path / f"{name}.log",
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def site():
    """A small generated site around the current day, so the nightly tasks (which
    analyse at the current time) find finished courses and running ones."""
    from lms.generator import site_config_build, site_generate

    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    config = site_config_build(
        courses=10, students_per_course=20, events=15_000, seed=3, now=today
    )
    site_generate(config=config)
    return today


def _model(**kwargs) -> AnalyticsModel:
    fields = {
        "target": "course_dropout",
        "indicators": INDICATORS,
        "interval": "quarters",
        "enabled": True,
        "version": 1,
    }
    fields.update(kwargs)
    return AnalyticsModel.objects.create(**fields)


def _send(task, broker: str, queue: str, *args) -> None:
    """Queue `task` on this test's queue of the Redis broker (this process's
    default broker is another)."""
    with celery_app.connection_for_write(broker) as connection:
        task.apply_async(args=args, connection=connection, queue=queue)


def _state_files(model: AnalyticsModel) -> dict[str, bytes]:
    model_id, output_dir = model_storage(model)
    folder = Path(output_dir) / model_id / "model"
    current = (folder / "CURRENT").read_text().strip()
    return {p.name: p.read_bytes() for p in (folder / current).iterdir()}


def _finished_logs(model: AnalyticsModel, kind: str) -> list[ModelLog]:
    return list(
        ModelLog.objects.filter(model=model, kind=kind, timefinished__isnull=False)
    )


def test_nightly_train_and_predict_end_to_end(site, broker, queue, workers):
    model = _model()
    # Only this model runs (Moodle's default models may be installed too).
    AnalyticsModel.objects.exclude(pk=model.pk).update(enabled=False)
    worker = workers("nightly", broker=broker)
    worker.wait_ready()

    _send(train_models_task, broker, queue)
    wait_for(
        lambda: _finished_logs(model, "training"),
        timeout=90,
        what="the training",
        detail=worker.output,
    )
    model.refresh_from_db()
    assert model.trained is True, worker.output()
    assert TrainSample.objects.filter(model=model).exists()

    _send(predict_models_task, broker, queue)
    [log] = wait_for(
        lambda: _finished_logs(model, "prediction"),
        timeout=90,
        what="predictions",
        detail=worker.output,
    )
    assert log.result in {"ok", "warning"}, log.info
    assert log.samples > 0
    assert Prediction.objects.filter(model=model).count() > 0, log.details
    # Outcomes are in ModelLog (no Celery result backend): one finished row each.
    assert len(_finished_logs(model, "training")) == 1


def test_two_workers_on_one_model_give_exactly_one_training(
    site, broker, queue, workers
):
    model = _model()
    AnalyticsModel.objects.exclude(pk=model.pk).update(enabled=False)
    started = [
        workers(
            name,
            broker=broker,
            FORESIGHT_TEST_TRAIN_DELAY="4",
        )
        for name in ("first", "second")
    ]
    for worker in started:
        worker.wait_ready()

    _send(train_model_task, broker, queue, model.pk)
    _send(train_model_task, broker, queue, model.pk)

    logs = wait_for(
        lambda: (
            len(_finished_logs(model, "training")) == 2
            and _finished_logs(model, "training")
        ),
        timeout=90,
        what="both runs to finish",
    )
    results = sorted(log.result for log in logs)
    assert results in (["ok", "skipped"], ["skipped", "warning"]), [
        (log.result, log.info) for log in logs
    ]
    [skipped] = [log for log in logs if log.result == "skipped"]
    assert "Another run holds this model" in skipped.info[0]["message"]
    # Only one run recorded its samples, once per analysable.
    rows = list(TrainSample.objects.filter(model=model))
    assert len(rows) == len({row.analysableid for row in rows}) > 0
    # Each worker took one of the two tasks.
    assert all("train_model_task" in worker.output() for worker in started)


def test_killed_worker_keeps_the_trained_model_and_frees_the_lock(
    site, broker, queue, workers
):
    model = _model()
    assert model_train(model=model).status == Status.OK
    before = _state_files(model)
    # Forget the used samples so the next run trains on them again.
    TrainSample.objects.filter(model=model).delete()

    worker = workers(
        "doomed",
        broker=broker,
        FORESIGHT_TEST_TRAIN_DELAY="60",
        FORESIGHT_MODEL_LOCK_TTL="6",
    )
    worker.wait_ready()
    _send(train_model_task, broker, queue, model.pk)
    wait_for(
        lambda: ModelLog.objects.filter(
            model=model, kind="training", details__stage="training"
        ).exists(),
        timeout=60,
        what="the worker to start training",
        detail=lambda: f"{list(ModelLog.objects.values())}\n{worker.output()}",
    )
    worker.kill()

    # The dead worker's lock is still live for a few seconds: nobody takes it.
    assert (
        model_lock_acquire(model=model, owner="early-bird", ttl=dt.timedelta(minutes=1))
        is False
    )
    assert _state_files(model) == before

    wait_for(
        lambda: ModelLock.objects.get(model=model).expires < timezone.now(),
        timeout=15,
        what="the lock to expire",
    )
    [dead] = ModelLog.objects.filter(model=model, result="running")
    retry = model_train(model=model)
    assert retry.status == Status.OK, retry.message
    # The dead run's log no longer claims to be running.
    dead.refresh_from_db()
    assert dead.result == "failed"
    assert "stopped without finishing" in dead.info[-1]["message"]
    assert not ModelLock.objects.filter(model=model).exists()
    assert _state_files(model) != before
