"""The model log: one row per run, training or evaluation, visible in the admin."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from models_app.models import AnalyticsModel, ModelLog


def model_log_start(
    *,
    model: AnalyticsModel,
    kind: str,
    interval: str = "",
    user=None,
) -> ModelLog:
    return ModelLog.objects.create(
        model=model,
        version=model.version,
        kind=kind,
        interval=interval or model.interval,
        result=ModelLog.Result.RUNNING,
        usermodified=user,
    )


def model_log_finish(
    *,
    log: ModelLog,
    result: str,
    analysables: int | None = None,
    samples: int | None = None,
    score: float | None = None,
    details: dict[str, Any] | None = None,
    directory: str = "",
) -> ModelLog:
    if result == ModelLog.Result.OK and any(
        item.get("level") in {"warning", "error"} for item in log.info
    ):
        result = ModelLog.Result.WARNING
    log.result = result
    if analysables is not None:
        log.analysables = analysables
    if samples is not None:
        log.samples = samples
    if score is not None:
        log.score = score
    if details:
        log.details = {**log.details, **details}
    if directory:
        log.directory = directory
    log.timefinished = timezone.now()
    log.save()
    return log
