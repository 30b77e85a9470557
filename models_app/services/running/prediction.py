"""Predict with one model, or every enabled trained model (Moodle's predict_models).

Confident, non-ignored predictions, with the indicator values behind them, go to
the registered predictions consumer (models_app/consumers.py): insights stores them
(Moodle's analytics_predictions) and tells the people allowed to act. As in
training, the (sample, range) pairs are recorded as predicted only in the
transaction that hands the predictions over, so a crash (or a consumer that fails)
leaves them to be predicted by the next run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import transaction
from django.utils.translation import gettext_noop

from models_app.analysis import bookkeeping
from models_app.consumers import PredictionRecord, predictions_consume
from models_app.log_messages import log_message
from models_app.models import AnalyticsModel, ModelLog
from models_app.services.logs import model_log_finish
from models_app.services.running.common import (
    RunOutcome,
    Status,
    model_storage,
    processor_for,
    target_of,
)
from models_app.services.running.reasons import reasons_compute
from models_app.services.running.skeleton import (
    Run,
    analysed_run,
    dataset_figures,
    models_each,
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
    return analysed_run(
        model=model,
        kind=ModelLog.Kind.PREDICTION,
        action=ACTION,
        mode="prediction",
        nothing=log_message(gettext_noop("No new samples to predict.")),
        prepare=_prepare,
        work=_predict,
        user=user,
        now=now,
        chunk_size=chunk_size,
    )


def prediction_is_confident(*, target: Any, predicted: float, score: float) -> bool:
    """Moodle's triggers_callback: a score of at least the target's minimum and a
    class the target does not ignore."""
    if math.isnan(predicted) or score < target.min_prediction_score:
        return False
    return int(predicted) not in tuple(target.ignored_classes)


def _prepare(run: Run) -> tuple[Any, str | None]:
    """(the processor, None); no processor for a rule-based model, which needs
    no training."""
    model = run.model
    target: Any = target_of(model)  # known: run_refusal refuses unknown targets
    if target.based_on_assumptions:
        return None, None
    if not model.trained:
        return None, log_message(
            gettext_noop(
                "The model has not been trained yet. Train it first: Run now "
                "on the models page, or manage.py train_models --modelid %(id)s"
            ),
            id=model.pk,
        )
    return processor_for(model)


def _predict(run: Run, dataset: Any, processor: Any) -> RunOutcome:
    model, log = run.model, run.log
    target: Any = target_of(model)
    figures = dataset_figures(dataset)
    run.progress(stage="predicting")
    if processor is None:  # rule-based: the target's labels are the predictions
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
            return run.fail(
                "; ".join(result.info)
                or log_message(gettext_noop("Prediction failed.")),
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
    if processor is not None and confident:
        run.progress(stage="explaining")
        reasons = reasons_compute(
            processor=processor,
            model_id=model_id,
            output_dir=output_dir,
            data=processor_data,
            rows=[i for i, _p, _s in confident],
            predicted=[p for _i, p, _s in confident],
            columns=list(dataset.columns),
        )
    run.held.check()
    records = _prediction_records(dataset=dataset, rows=confident, reasons=reasons)
    with transaction.atomic():
        # Inside the transaction: predictions nobody was told about are rolled
        # back and predicted again by the next run.
        stored = predictions_consume(model=model, records=records) if records else 0
        bookkeeping.predict_samples_record(
            model=model, interval=dataset.interval, samples=_predicted(dataset)
        )
        model_log_finish(
            log=log,
            result=ModelLog.Result.OK,
            details=run.details(dataset, predictions=len(results), stored=stored),
            **figures,
        )
    return run.outcome(
        status=Status.OK,
        message=log_message(
            gettext_noop("Predictions stored: %(n)s of %(total)s."),
            n=stored,
            total=len(results),
        ),
        predictions=stored,
        **figures,
    )


def _prediction_records(
    *,
    dataset: Any,
    rows: list[tuple[int, float, float]],
    reasons: dict[int, dict[str, Any]],
) -> list[PredictionRecord]:
    columns = [
        (j, name)
        for j, name in enumerate(dataset.columns)
        if not name.startswith("range/")
    ]
    due = dataset.extra.get("activities_due", {})
    ids = dataset.ids
    records = []
    for i, predicted, score in rows:
        values = dataset.X[i]
        calculations: dict[str, Any] = {
            name: (None if np.isnan(values[j]) else float(values[j]))
            for j, name in columns
        }
        if ids[i] in due:
            calculations["_activities_due"] = due[ids[i]]
        records.append(
            PredictionRecord(
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
    return records


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
    return models_each(
        models=models_to_predict(),
        run=lambda model: model_predict(model=model, user=user, now=now),
        progress=progress,
    )


def models_to_predict() -> list[AnalyticsModel]:
    """Enabled models that are trained; rule-based ones count as trained."""
    return [
        model
        for model in AnalyticsModel.objects.enabled()
        if model.trained or getattr(target_of(model), "based_on_assumptions", False)
    ]
