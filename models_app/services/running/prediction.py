"""Predict with one model, or every enabled trained model (Moodle's predict_models).

Confident, non-ignored predictions are stored (insights.Prediction, Moodle's
analytics_predictions) with the indicator values behind them, then handed to the
insights routing, which tells the people allowed to act. As in training, the
(sample, range) pairs are recorded as predicted only in the transaction that
stores the predictions, so a crash leaves them to be predicted by the next run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from models_app.analysis import bookkeeping
from models_app.models import AnalyticsModel, ModelLog
from models_app.services.logs import model_log_finish
from models_app.services.running.common import (
    RunOutcome,
    Status,
    log_fail,
    model_run,
    model_storage,
    processor_for,
    target_of,
)
from models_app.services.running.reasons import reasons_compute
from models_app.services.running.training import (
    _details,
    _progress,
    dataset_for_run,
    run_refusal,
)

ACTION = "predict"


def model_predict(
    *,
    model: AnalyticsModel,
    user: Any = None,
    now: int | None = None,
    chunk_size: int | None = None,
) -> RunOutcome:
    """Predict the latest range of every running analysable not predicted yet."""

    def work(*, log: ModelLog, held: Any) -> RunOutcome:
        return _predict(model=model, log=log, held=held, now=now, chunk_size=chunk_size)

    return model_run(
        model=model, kind=ModelLog.Kind.PREDICTION, action=ACTION, work=work, user=user
    )


def prediction_is_confident(*, target: Any, predicted: float, score: float) -> bool:
    """Moodle's triggers_callback: a score of at least the target's minimum and a
    class the target does not ignore."""
    if math.isnan(predicted) or score < target.min_prediction_score:
        return False
    return int(predicted) not in tuple(target.ignored_classes)


def _predict(
    *,
    model: AnalyticsModel,
    log: ModelLog,
    held: Any,
    now: int | None,
    chunk_size: int | None,
) -> RunOutcome:
    started = time.perf_counter()
    refused = run_refusal(model=model, log=log, mode="prediction", action=ACTION)
    if refused is not None:
        return refused
    target: Any = target_of(model)  # known: run_refusal refuses unknown targets
    rule_based = bool(target.based_on_assumptions)
    processor: Any = None
    if not rule_based:
        if not model.trained:
            return log_fail(
                log=log,
                action=ACTION,
                message=_(
                    "The model has not been trained yet. Train it first: Run now "
                    "on the models page, or manage.py train_models --modelid %(id)s"
                )
                % {"id": model.pk},
            )
        processor, reason = processor_for(model)
        if reason:
            return log_fail(log=log, action=ACTION, message=reason)

    dataset, ended = dataset_for_run(
        model=model,
        log=log,
        mode="prediction",
        action=ACTION,
        now=now,
        chunk_size=chunk_size,
        started=started,
        nothing=_("No new samples to predict."),
    )
    if ended is not None:
        return ended
    figures = {"analysables": dataset.analysables_analysed, "samples": len(dataset)}

    held.check()
    _progress(log, stage="predicting")
    if rule_based:
        results = [
            (i, float(label), 1.0) for i, label in enumerate(dataset.labels.tolist())
        ]
    else:
        model_id, output_dir = model_storage(model)
        processor_data = dataset.for_processor()
        result = processor.predict(
            model_id=model_id, dataset=processor_data, output_dir=output_dir
        )
        if not result.ok:
            return log_fail(
                log=log,
                action=ACTION,
                message="; ".join(result.info) or _("Prediction failed."),
                **figures,
            )
        row_of = {sid: i for i, sid in enumerate(dataset.ids)}
        results = [
            (row_of[p.sample_id], float(p.prediction), float(p.score))
            for p in result.predictions
            if p.sample_id in row_of
        ]
    confident = [
        (i, predicted, score)
        for i, predicted, score in results
        if prediction_is_confident(target=target, predicted=predicted, score=score)
    ]
    reasons: dict[int, dict[str, Any]] = {}
    if not rule_based and confident:
        _progress(log, stage="explaining")
        reasons = reasons_compute(
            processor=processor,
            model_id=model_id,
            output_dir=output_dir,
            data=processor_data,
            rows=[i for i, _p, _s in confident],
            predicted=[p for _i, p, _s in confident],
            columns=list(dataset.columns),
        )
    held.check()
    with transaction.atomic():
        stored = _predictions_store(
            model=model, dataset=dataset, rows=confident, reasons=reasons
        )
        bookkeeping.predict_samples_record(
            model=model, interval=dataset.interval, samples=_predicted(dataset)
        )
        model_log_finish(
            log=log,
            result=ModelLog.Result.OK,
            details={
                **_details(dataset, started),
                "predictions": len(results),
                "stored": len(stored),
            },
            **figures,
        )
        if stored:
            # Inside the transaction: predictions nobody was told about are
            # rolled back and predicted again by the next run.
            from insights.services import insights_generate

            insights_generate(model=model, predictions=stored)
    return RunOutcome(
        model_id=model.pk,
        action=ACTION,
        status=Status.OK,
        message=_("%(n)s predictions stored out of %(total)s.")
        % {"n": len(stored), "total": len(results)},
        predictions=len(stored),
        **figures,
    )


def _predictions_store(
    *,
    model: AnalyticsModel,
    dataset: Any,
    rows: list[tuple[int, float, float]],
    reasons: dict[int, dict[str, Any]],
) -> list[Any]:
    from insights.models import Prediction

    columns = [
        (j, name)
        for j, name in enumerate(dataset.columns)
        if not name.startswith("range/")
    ]
    due = dataset.extra.get("activities_due", {})
    ids = dataset.ids
    objects = []
    for i, predicted, score in rows:
        values = dataset.X[i]
        calculations: dict[str, Any] = {
            name: (None if np.isnan(values[j]) else float(values[j]))
            for j, name in columns
        }
        if ids[i] in due:
            calculations["_activities_due"] = due[ids[i]]
        objects.append(
            Prediction(
                model=model,
                context_id=int(dataset.context_ids[i]),
                sampleid=int(dataset.sample_ids[i]),
                rangeindex=int(dataset.range_indexes[i]),
                prediction=predicted,
                predictionscore=score,
                calculations=calculations,
                reasons=reasons.get(i, {}),
                timestart=int(dataset.range_starts[i]),
                timeend=int(dataset.range_ends[i]),
            )
        )
    return Prediction.objects.bulk_create(objects, batch_size=500)


def _predicted(dataset: Any) -> dict[tuple[int, int], list[int]]:
    out: dict[tuple[int, int], list[int]] = {}
    for sid, aid, ridx in zip(
        dataset.sample_ids.tolist(),
        dataset.analysable_ids.tolist(),
        dataset.range_indexes.tolist(),
        strict=True,
    ):
        out.setdefault((aid, ridx), []).append(sid)
    return out


def models_predict(
    *,
    user: Any = None,
    now: int | None = None,
    progress: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Predict with every enabled, trained model (rule-based ones are trained)."""
    outcomes = []
    for model in models_to_predict():
        outcomes.append(model_predict(model=model, user=user, now=now))
        if progress:
            progress(outcomes[-1])
    return outcomes


def models_to_predict() -> list[AnalyticsModel]:
    """Enabled models that are trained; rule-based ones count as trained."""
    return [
        model
        for model in AnalyticsModel.objects.enabled()
        if model.trained or getattr(target_of(model), "based_on_assumptions", False)
    ]
