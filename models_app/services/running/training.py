"""Train one model, or every enabled model (Moodle's train_models task).

Incremental, as Moodle: each run learns only from samples no earlier run used, and
the processor keeps what it learnt before. The samples are recorded as used only
after the processor has written the new trained model, in the same transaction
that marks the model trained, so a run that crashes (or a worker that is killed)
leaves the previous trained model and the bookkeeping as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from models_app.analysis import bookkeeping
from models_app.models import AnalyticsModel, ModelLog
from models_app.services.analysis import dataset_build, model_refusal_reason
from models_app.services.logs import model_log_finish
from models_app.services.running.common import (
    RunOutcome,
    Status,
    log_fail,
    log_messages,
    model_run,
    model_storage,
    processor_for,
    target_of,
    time_limit,
)

ACTION = "train"


def model_train(
    *,
    model: AnalyticsModel,
    user: Any = None,
    now: int | None = None,
    chunk_size: int | None = None,
) -> RunOutcome:
    """Train `model` on the samples it has not learnt from yet.

    Rule-based models (targets based on assumptions) are trained from the start and
    return at once. `now` (Unix time) fixes the moment of analysis for tests and
    reproducible runs.
    """
    target = target_of(model)
    if target is not None and target.based_on_assumptions:
        if not model.trained:
            model.trained = True
            model.save(update_fields=["trained", "timemodified"])
        return RunOutcome(
            model_id=model.pk,
            action=ACTION,
            status=Status.NOTHING,
            message=_("Models based on assumptions do not need training."),
        )

    def work(*, log: ModelLog, held: Any) -> RunOutcome:
        return _train(model=model, log=log, held=held, now=now, chunk_size=chunk_size)

    return model_run(
        model=model, kind=ModelLog.Kind.TRAINING, action=ACTION, work=work, user=user
    )


def _train(
    *,
    model: AnalyticsModel,
    log: ModelLog,
    held: Any,
    now: int | None,
    chunk_size: int | None,
) -> RunOutcome:
    started = time.perf_counter()
    refused = run_refusal(model=model, log=log, mode="training", action=ACTION)
    if refused is not None:
        return refused
    processor, reason = processor_for(model)
    if reason:
        return log_fail(log=log, action=ACTION, message=reason)

    dataset, ended = dataset_for_run(
        model=model,
        log=log,
        mode="training",
        action=ACTION,
        now=now,
        chunk_size=chunk_size,
        started=started,
        nothing=_("No new samples to train on."),
    )
    if ended is not None:
        return ended
    figures: dict[str, Any] = {
        "analysables": dataset.analysables_analysed,
        "samples": len(dataset),
    }

    held.check()
    _progress(log, stage="training")
    model_id, output_dir = model_storage(model)
    result = processor.train(
        model_id=model_id, dataset=dataset.for_processor(), output_dir=output_dir
    )
    held.check()
    if not result.ok:
        log_messages(log=log, messages=list(result.info), level="error")
        model_log_finish(
            log=log,
            result=ModelLog.Result.FAILED,
            details={**_details(dataset, started), "status": result.status},
            **figures,
        )
        return RunOutcome(
            model_id=model.pk,
            action=ACTION,
            status=Status.FAILED,
            message="; ".join(result.info) or _("Training failed."),
            **figures,
        )
    with transaction.atomic():
        bookkeeping.train_samples_record(
            model=model, interval=dataset.interval, samples=_used_samples(dataset)
        )
        AnalyticsModel.objects.filter(pk=model.pk).update(trained=True)
        model.trained = True
        log_messages(log=log, messages=list(result.info), level="info")
        model_log_finish(
            log=log,
            result=ModelLog.Result.OK,
            details=_details(dataset, started),
            directory=str(output_dir / model_id),
            **figures,
        )
    return RunOutcome(
        model_id=model.pk,
        action=ACTION,
        status=Status.OK,
        message=_("Trained on %(n)s new samples.") % {"n": len(dataset)},
        **figures,
    )


def _used_samples(dataset: Any) -> dict[int, list[int]]:
    used: dict[int, list[int]] = {}
    seen: set[tuple[int, int]] = set()
    for sid, aid in zip(
        dataset.sample_ids.tolist(), dataset.analysable_ids.tolist(), strict=True
    ):
        if (aid, sid) not in seen:
            seen.add((aid, sid))
            used.setdefault(aid, []).append(sid)
    return used


def run_refusal(
    *, model: AnalyticsModel, log: ModelLog, mode: str, action: str
) -> RunOutcome | None:
    """End a training or prediction run at once when the model is disabled or its
    configuration cannot work; None when the run may go on."""
    if not model.enabled:
        return log_fail(
            log=log,
            action=action,
            message=_(
                "The model is disabled. Enable it first: Enable on the models "
                "page, or manage.py enable_model --modelid %(id)s"
            )
            % {"id": model.pk},
        )
    refusal = model_refusal_reason(model=model, mode=mode)
    if refusal:
        return log_fail(log=log, action=action, message=refusal)
    return None


def dataset_for_run(
    *,
    model: AnalyticsModel,
    log: ModelLog,
    mode: str,
    action: str,
    now: int | None,
    chunk_size: int | None,
    started: float,
    nothing: str,
) -> tuple[Any, RunOutcome | None]:
    """The analysis phase of a training or prediction run: build the dataset and log
    its messages. The outcome is set when the run ends here (refused, or nothing new).
    """
    _progress(log, stage="analysis")
    options: dict[str, Any] = {"chunk_size": chunk_size} if chunk_size else {}

    def analysed(done: int, total: int) -> None:
        _progress(log, stage="analysis", analysed=done, analysables=total)

    dataset = dataset_build(
        model=model,
        mode=mode,
        now=now,
        record=False,
        time_limit=time_limit(),
        progress=analysed,
        **options,
    )
    log_messages(log=log, messages=dataset.messages)
    figures: dict[str, Any] = {
        "analysables": dataset.analysables_analysed,
        "samples": len(dataset),
    }
    if dataset.refused:
        return dataset, log_fail(
            log=log, action=action, message=dataset.refused, **figures
        )
    if len(dataset) == 0:
        model_log_finish(
            log=log,
            result=ModelLog.Result.OK,
            details=_details(dataset, started),
            **figures,
        )
        return dataset, RunOutcome(
            model_id=model.pk,
            action=action,
            status=Status.NOTHING,
            message=nothing,
            analysables=dataset.analysables_analysed,
        )
    return dataset, None


def _progress(log: ModelLog, *, stage: str, **extra: Any) -> None:
    """Record the stage in the log's details, so a page (or a test) can follow it."""
    log.details = {**log.details, "stage": stage, **extra}
    log.save(update_fields=["details"])


def _details(dataset: Any, started: float) -> dict[str, Any]:
    return {
        "stage": "finished",
        "seconds": round(time.perf_counter() - started, 3),
        "analysables_total": dataset.analysables_total,
        "analysables_valid": dataset.analysables_valid,
        "timed_out": dataset.timed_out,
        "timings": {k: round(v, 3) for k, v in dataset.timings.items()},
    }


def models_train(
    *,
    user: Any = None,
    now: int | None = None,
    progress: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Train every enabled model with an interval, one after the other (Moodle's
    train_models task skips rule-based models and those without an interval)."""
    outcomes = []
    for model in models_to_train():
        outcomes.append(model_train(model=model, user=user, now=now))
        if progress:
            progress(outcomes[-1])
    return outcomes


def models_to_train() -> list[AnalyticsModel]:
    return [
        model
        for model in AnalyticsModel.objects.enabled().exclude(interval="")
        if not getattr(target_of(model), "based_on_assumptions", False)
    ]
