"""Train one model, or every enabled model (Moodle's train_models task).

Incremental, as Moodle: each run learns only from samples no earlier run used, and
the processor keeps what it learnt before. The samples are recorded as used only
after the processor has written the new trained model, in the same transaction
that marks the model trained, so a run that crashes (or a worker that is killed)
leaves the previous trained model and the bookkeeping as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from models_app.analysis import bookkeeping
from models_app.log_messages import log_message
from models_app.models import AnalyticsModel, ModelLog
from models_app.services.logs import model_log_finish
from models_app.services.running.common import (
    RunOutcome,
    Status,
    log_messages,
    model_storage,
    processor_for,
    target_of,
)
from models_app.services.running.skeleton import (
    Run,
    analysed_run,
    dataset_figures,
    models_each,
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
            message=log_message(
                gettext_noop("Models based on assumptions do not need training.")
            ),
        )

    return analysed_run(
        model=model,
        kind=ModelLog.Kind.TRAINING,
        action=ACTION,
        mode="training",
        nothing=log_message(gettext_noop("No new samples to train on.")),
        prepare=lambda run: processor_for(run.model),
        work=_train,
        user=user,
        now=now,
        chunk_size=chunk_size,
    )


def _train(run: Run, dataset: Any, processor: Any) -> RunOutcome:
    model, log = run.model, run.log
    figures = dataset_figures(dataset)
    run.progress(stage="training")
    model_id, output_dir = model_storage(model)
    result = processor.train(
        model_id=model_id, dataset=dataset.for_processor(), output_dir=output_dir
    )
    run.held.check()
    if not result.ok:
        log_messages(log=log, messages=list(result.info), level="error")
        model_log_finish(
            log=log,
            result=ModelLog.Result.FAILED,
            details=run.details(dataset, status=result.status),
            **figures,
        )
        return run.outcome(
            status=Status.FAILED,
            message="; ".join(result.info)
            or log_message(gettext_noop("Training failed.")),
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
            details=run.details(dataset),
            directory=str(output_dir / model_id),
            **figures,
        )
    return run.outcome(
        status=Status.OK,
        message=log_message(
            gettext_noop("New samples trained on: %(n)s."), n=len(dataset)
        ),
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


def models_train(
    *,
    user: Any = None,
    now: int | None = None,
    progress: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Train every enabled model with an interval, one after the other (Moodle's
    train_models task skips rule-based models and those without an interval)."""
    return models_each(
        models=models_to_train(),
        run=lambda model: model_train(model=model, user=user, now=now),
        progress=progress,
    )


def models_to_train() -> list[AnalyticsModel]:
    return [
        model
        for model in AnalyticsModel.objects.enabled().exclude(interval="")
        if not getattr(target_of(model), "based_on_assumptions", False)
    ]
