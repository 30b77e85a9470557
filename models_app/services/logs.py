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


def log_nothing_new_predicted(*, log: ModelLog) -> bool:
    """Whether `log` is a finished prediction that predicted nothing because the
    current range of every course it analysed was already predicted (each said
    so in its messages), so a page can say why a run brought nothing new."""
    from models_app.analysis.chunk import NO_NEW_PREDICTIONS

    return (
        log.kind == ModelLog.Kind.PREDICTION
        and log.result in {ModelLog.Result.OK, ModelLog.Result.WARNING}
        and log.samples == 0
        and log.analysables > 0
        and any(
            isinstance(item, dict) and item.get("msgid") == NO_NEW_PREDICTIONS
            for item in log.info
        )
    )
