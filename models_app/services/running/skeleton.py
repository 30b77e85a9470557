"""The one skeleton every run of a model plugs into: lock, log, outcome.

A run (training, prediction, evaluation) refuses at once when analytics is off,
takes the model's lock (another run holding it: a line in the model's log, leave),
keeps it alive while it works (heartbeat.py), writes one model-log row and returns
a RunOutcome (`model_run`). Training and prediction first analyse the new samples
within the time limit (`analysed_run`); evaluation analyses per interval itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_noop

from models_app.log_messages import log_entry, log_message
from models_app.models import AnalyticsModel, ModelLog
from models_app.services.analysis import dataset_build, model_refusal_reason
from models_app.services.locks import ModelLocked
from models_app.services.logs import model_log_finish, model_log_start
from models_app.services.running.common import (
    RunOutcome,
    Status,
    log_fail,
    log_messages,
    time_limit,
)
from models_app.services.running.heartbeat import HeldLock, model_run_lock
from models_app.synced_facts import sync_wait
from settings_app import selectors as settings_selectors

logger = logging.getLogger("models_app.running")


def locked_log(*, model: AnalyticsModel, kind: str, exc: ModelLocked, user=None) -> int:
    """The model-log line of a run that left because another run holds the lock."""
    log = model_log_start(model=model, kind=kind, user=user)
    message = log_message(
        gettext_noop(
            "Another run holds this model (%(owner)s); this run left without "
            "doing anything."
        ),
        owner=str(exc.owner),
    )
    log.info = [log_entry(level="warning", message=message)]
    model_log_finish(log=log, result=ModelLog.Result.SKIPPED)
    return log.pk


def disabled_outcome(*, model_id: int | None, action: str) -> RunOutcome:
    message = settings_selectors.analytics_disabled_message()
    logger.warning("%s of model %s not run: %s", action, model_id, message)
    return RunOutcome(
        model_id=model_id, action=action, status=Status.DISABLED, message=message
    )


class Run:
    """One run under way: its model, its model-log row, the lock it holds.

    What a kind of run (train, predict, evaluate) gets from the skeleton, and the
    small writes every kind makes to its log.
    """

    def __init__(
        self, *, model: AnalyticsModel, action: str, log: ModelLog, held: HeldLock
    ) -> None:
        self.model = model
        self.action = action
        self.log = log
        self.held = held
        self.started = time.perf_counter()

    def progress(self, *, stage: str, **extra: Any) -> None:
        log_progress(self.log, stage=stage, **extra)

    def fail(self, message: str, **figures: Any) -> RunOutcome:
        """End the run as refused (bad input): the log says why, as failed."""
        return log_fail(log=self.log, action=self.action, message=message, **figures)

    def outcome(self, *, status: str, message: str, **figures: Any) -> RunOutcome:
        return RunOutcome(
            model_id=self.model.pk,
            action=self.action,
            status=status,
            message=message,
            **figures,
        )

    def seconds(self) -> float:
        return round(time.perf_counter() - self.started, 3)

    def details(self, dataset: Any, **extra: Any) -> dict[str, Any]:
        """The finished log's details for a run that analysed `dataset`."""
        return {
            "stage": "finished",
            "seconds": self.seconds(),
            "analysables_total": dataset.analysables_total,
            "analysables_valid": dataset.analysables_valid,
            "timed_out": dataset.timed_out,
            "timings": {k: round(v, 3) for k, v in dataset.timings.items()},
            **extra,
        }


def model_run(
    *,
    model: AnalyticsModel,
    kind: str,
    action: str,
    work: Callable[[Run], RunOutcome],
    user: Any = None,
    interval: str = "",
) -> RunOutcome:
    """The one skeleton of every run: `work(run)` on `model` under its lock.

    Refuses at once when analytics is off, waits for a running Moodle sync, holds
    the model's lock with a heartbeat (another run holding it: a line in the
    model's log, leave), closes the logs of dead runs and opens this run's. `work`
    returns a RunOutcome and finishes the log itself; an exception it raises fails
    the run (logged, with the message in the model's log) without touching any
    other model.
    """
    if not settings_selectors.analytics_enabled():
        return disabled_outcome(model_id=model.pk, action=action)
    if not sync_wait():  # never read half of a sync from Moodle
        message: str = log_message(
            gettext_noop("A sync from Moodle is running; this run leaves the model.")
        )
        logger.info("%s of model %s: %s", action, model.pk, message)
        return RunOutcome(
            model_id=model.pk, action=action, status=Status.LOCKED, message=message
        )
    try:
        with model_run_lock(model=model) as held:
            stale_logs_close(model=model)
            log = model_log_start(model=model, kind=kind, interval=interval, user=user)
            try:
                outcome = work(Run(model=model, action=action, log=log, held=held))
            except Exception as exc:
                logger.exception("%s of model %s failed", action, model.pk)
                message = str(exc) or exc.__class__.__name__
                log.refresh_from_db(fields=["info", "details"])
                log.info = [*log.info, log_entry(level="error", message=message)]
                model_log_finish(log=log, result=ModelLog.Result.FAILED)
                return RunOutcome(
                    model_id=model.pk,
                    action=action,
                    status=Status.FAILED,
                    message=message,
                    log_id=log.pk,
                )
            outcome.log_id = log.pk
            return outcome
    except ModelLocked as exc:
        log_id = locked_log(model=model, kind=kind, exc=exc, user=user)
        logger.info("%s of model %s: %s", action, model.pk, exc)
        return RunOutcome(
            model_id=model.pk,
            action=action,
            status=Status.LOCKED,
            message=str(exc),
            log_id=log_id,
        )


def analysed_run(
    *,
    model: AnalyticsModel,
    kind: str,
    action: str,
    mode: str,
    nothing: str,
    prepare: Callable[[Run], tuple[Any, str | None]],
    work: Callable[[Run, Any, Any], RunOutcome],
    user: Any = None,
    now: int | None = None,
    chunk_size: int | None = None,
) -> RunOutcome:
    """A run that analyses the model's new samples first: training and prediction.

    Inside the skeleton: refuse a disabled model or a configuration that cannot
    work; `prepare(run)` returns (state, None), or (None, why the run cannot go
    on), where state is what `work` needs (the processor); build the dataset of
    `mode` within the time limit (no new sample: the run ends with `nothing`);
    then `work(run, dataset, state)` with the lock checked.
    """

    def analysed(run: Run) -> RunOutcome:
        refused = run_refusal(run=run, mode=mode)
        if refused is not None:
            return refused
        state, reason = prepare(run)
        if reason:
            return run.fail(reason)
        dataset, ended = dataset_for_run(
            run=run, mode=mode, now=now, chunk_size=chunk_size, nothing=nothing
        )
        if ended is not None:
            return ended
        run.held.check()
        return work(run, dataset, state)

    return model_run(model=model, kind=kind, action=action, work=analysed, user=user)


def run_refusal(*, run: Run, mode: str) -> RunOutcome | None:
    """End a training or prediction run at once when the model is disabled or its
    configuration cannot work; None when the run may go on."""
    if not run.model.enabled:
        return run.fail(
            log_message(
                gettext_noop(
                    "The model is disabled. Enable it first: Enable on the models "
                    "page, or manage.py enable_model --modelid %(id)s"
                ),
                id=run.model.pk,
            )
        )
    refusal = model_refusal_reason(model=run.model, mode=mode)
    if refusal:
        return run.fail(refusal)
    return None


def dataset_for_run(
    *, run: Run, mode: str, now: int | None, chunk_size: int | None, nothing: str
) -> tuple[Any, RunOutcome | None]:
    """The analysis phase of a training or prediction run: build the dataset and log
    its messages. The outcome is set when the run ends here (refused, or nothing new).
    """
    run.progress(stage="analysis")
    options: dict[str, Any] = {"chunk_size": chunk_size} if chunk_size else {}

    def analysed(done: int, total: int) -> None:
        run.progress(stage="analysis", analysed=done, analysables=total)

    dataset = dataset_build(
        model=run.model,
        mode=mode,
        now=now,
        record=False,
        time_limit=time_limit(),
        progress=analysed,
        **options,
    )
    log_messages(log=run.log, messages=dataset.messages)
    figures = dataset_figures(dataset)
    if dataset.refused:
        return dataset, run.fail(dataset.refused, **figures)
    if len(dataset) == 0:
        model_log_finish(
            log=run.log,
            result=ModelLog.Result.OK,
            details=run.details(dataset),
            **figures,
        )
        return dataset, run.outcome(
            status=Status.NOTHING,
            message=nothing,
            analysables=dataset.analysables_analysed,
        )
    return dataset, None


def dataset_figures(dataset: Any) -> dict[str, Any]:
    """What a run's log and outcome count: analysables analysed and samples."""
    return {"analysables": dataset.analysables_analysed, "samples": len(dataset)}


def models_each(
    *,
    models: list[AnalyticsModel],
    run: Callable[[AnalyticsModel], RunOutcome],
    progress: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Run every model of `models` in turn (Moodle's scheduled tasks), telling
    `progress` each outcome as it comes."""
    outcomes = []
    for model in models:
        outcomes.append(run(model))
        if progress:
            progress(outcomes[-1])
    return outcomes


def stale_logs_close(*, model: AnalyticsModel) -> int:
    """Mark as failed the runs of `model` still shown as running.

    Called with the model's lock held, so no live run can own them: they are runs
    whose worker died (killed, machine lost) before finishing.
    """
    stale = list(ModelLog.objects.filter(model=model, result=ModelLog.Result.RUNNING))
    for log in stale:
        message = log_message(
            gettext_noop(
                "The run stopped without finishing (its worker was killed or "
                "lost); the next run took over."
            )
        )
        log.info = [*log.info, log_entry(level="error", message=message)]
        model_log_finish(log=log, result=ModelLog.Result.FAILED)
    return len(stale)


def log_progress(log: ModelLog, *, stage: str, **extra: Any) -> None:
    """Record the stage in the log's details, so a page (or a test) can follow it."""
    log.details = {**log.details, "stage": stage, **extra}
    log.save(update_fields=["details"])
