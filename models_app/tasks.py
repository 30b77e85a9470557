"""Celery tasks: thin wrappers that take ids, call one service and own retries.

The nightly "Train models" and "Predict models" tasks (scheduled by beat, see
migration 0002) fan out one task per model, so any number of workers share the
night's work; each model's lock keeps one run per model at a time.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger("models_app.tasks")

# A database that goes away for a moment (restart, failover) is worth a retry; a
# model's own errors are reported in its log and are not retried.
RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_kwargs": {"max_retries": 3},
}


def _model(model_id: int) -> Any:
    from models_app.models import AnalyticsModel

    return AnalyticsModel.objects.filter(pk=model_id).first()


def _missing(model_id: int, action: str) -> dict[str, Any]:
    logger.warning("%s: analytics model %s does not exist.", action, model_id)
    return {
        "model_id": model_id,
        "action": action,
        "status": "refused",
        "message": f"Analytics model {model_id} does not exist.",
    }


def _fan_out(task: Any, models: list[Any]) -> list[int]:
    ids = [model.pk for model in models]
    for model_id in ids:
        task.delay(model_id)
    return ids


@shared_task(**RETRY)
def train_models_task() -> dict[str, Any]:
    """Queue the training of every enabled model (Moodle's train_models task)."""
    from models_app.services.running import models_to_train
    from settings_app.selectors import analytics_disabled_message, analytics_enabled

    if not analytics_enabled():
        logger.warning("Train models: %s", analytics_disabled_message())
        return {"status": "disabled", "queued": []}
    return {"status": "ok", "queued": _fan_out(train_model_task, models_to_train())}


@shared_task(**RETRY)
def predict_models_task() -> dict[str, Any]:
    """Queue predictions of every enabled, trained model (predict_models task)."""
    from models_app.services.running import models_to_predict
    from settings_app.selectors import analytics_disabled_message, analytics_enabled

    if not analytics_enabled():
        logger.warning("Predict models: %s", analytics_disabled_message())
        return {"status": "disabled", "queued": []}
    return {
        "status": "ok",
        "queued": _fan_out(predict_model_task, models_to_predict()),
    }


@shared_task(**RETRY)
def train_model_task(model_id: int, now: int | None = None) -> dict[str, Any]:
    from models_app.services.running import model_train

    model = _model(model_id)
    if model is None:
        return _missing(model_id, "train")
    return model_train(model=model, now=now).as_dict()


@shared_task(**RETRY)
def predict_model_task(model_id: int, now: int | None = None) -> dict[str, Any]:
    from models_app.services.running import model_predict

    model = _model(model_id)
    if model is None:
        return _missing(model_id, "predict")
    return model_predict(model=model, now=now).as_dict()


@shared_task(**RETRY)
def evaluate_model_task(
    model_id: int,
    mode: str = "configuration",
    interval: str | None = None,
    reuse_prev_analysed: bool = True,
    user_id: int | None = None,
) -> dict[str, Any]:
    """Evaluate for the models page; the progress is in the model log's details
    (`details["progress"]`), which the page polls."""
    from django.contrib.auth import get_user_model

    from models_app.services.running import model_evaluate

    model = _model(model_id)
    if model is None:
        return _missing(model_id, "evaluate")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return model_evaluate(
        model=model,
        mode=mode,
        interval=interval,
        reuse_prev_analysed=reuse_prev_analysed,
        user=user,
    ).as_dict()


@shared_task(**RETRY)
def analytics_cleanup_task() -> dict[str, Any]:
    """Hourly: expired and orphaned calculations and sample bookkeeping."""
    from models_app.services.running import analytics_cleanup

    deleted = analytics_cleanup()
    if deleted is None:
        return {"status": "disabled"}
    return {"status": "ok", **deleted}


@shared_task(**RETRY)
def backtest_task(model_id: int, run_id: str) -> dict[str, Any]:
    """A backtest asked for from the models page; its report is kept with the run
    (models_app.services.backtest.runs), which the page reads."""
    from models_app.services.backtest.runs import backtest_execute

    run = backtest_execute(model_pk=model_id, run_id=run_id)
    return {"model_id": model_id, "run": run_id, "status": run["status"]}
