"""Evaluate a model (Moodle's model::evaluate and evaluate_model.php).

`configuration` mode scores the model's target and indicators with each analysis
interval to try (the evaluation intervals setting, those the target accepts, or
one asked for), training from scratch on the labelled data of every valid
analysable; `trainedmodel` scores the stored trained model with the model's own
interval. One model-log row per evaluation; its details hold the progress (for a
page to poll) and each interval's result.

With `reuse_prev_analysed` (the default, as in Moodle), an interval's evaluation
dataset written less than a week ago is read back instead of analysed again.
Moodle reuses per-analysable files; one file per interval is enough here because
evaluation never records anything that would change the next build.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from mlbackend.engine.results import GENERAL_ERROR, NO_DATASET
from models_app.log_messages import log_entry, log_message, plugin_label
from models_app.models import AnalyticsModel, ModelLog
from models_app.plugins import registry
from models_app.services.analysis import (
    dataset_build,
    dataset_read_csv,
    dataset_write_csv,
    model_refusal_reason,
)
from models_app.services.logs import model_log_finish
from models_app.services.running.common import (
    RunOutcome,
    Status,
    model_storage,
    processor_for,
    target_of,
)
from models_app.services.running.skeleton import (
    Run,
    model_run,
)
from settings_app import selectors as settings_selectors

ACTION = "evaluate"
MODES = ("configuration", "trainedmodel")
REUSE_SECONDS = 7 * 86400


class EvaluationRefused(ValueError):
    """Bad evaluation options (an unknown mode, an interval with trainedmodel)."""


def evaluation_intervals_for(
    *, model: AnalyticsModel, interval: str | None = None, mode: str = "configuration"
) -> list[str]:
    """The intervals an evaluation of `model` tries; raises EvaluationRefused."""
    if mode not in MODES:
        raise EvaluationRefused(
            log_message(
                gettext_noop(
                    "Unknown evaluation mode %(mode)s: use configuration or "
                    "trainedmodel."
                ),
                mode=mode,
            )
        )
    if mode == "trainedmodel":
        if interval:
            raise EvaluationRefused(
                log_message(
                    gettext_noop(
                        "The trainedmodel mode uses the model's own analysis "
                        "interval; do not give one."
                    )
                )
            )
        if not model.trained:
            raise EvaluationRefused(
                log_message(
                    gettext_noop(
                        "The model has not been trained yet: there is nothing to "
                        "evaluate."
                    )
                )
            )
        if not model.interval:
            raise EvaluationRefused(
                log_message(gettext_noop("The model has no analysis interval."))
            )
        return [model.interval]
    if interval:
        try:
            registry.interval_class(interval)
        except registry.UnknownPlugin:
            raise EvaluationRefused(
                log_message(
                    gettext_noop("Unknown analysis interval %(key)s."), key=interval
                )
            ) from None
        reason = model_refusal_reason(model=model, mode="evaluation", interval=interval)
        if reason:
            raise EvaluationRefused(reason)
        return [interval]
    keys = [
        key
        for key in settings_selectors.evaluation_intervals()
        if model_refusal_reason(model=model, mode="evaluation", interval=key) is None
    ]
    if not keys:
        reason = model_refusal_reason(
            model=model, mode="evaluation", interval=model.interval or None
        )
        raise EvaluationRefused(
            reason
            or log_message(
                gettext_noop("No analysis interval can be used to evaluate this model.")
            )
        )
    return keys


def model_evaluate(
    *,
    model: AnalyticsModel,
    mode: str = "configuration",
    interval: str | None = None,
    reuse_prev_analysed: bool = True,
    user: Any = None,
    now: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> RunOutcome:
    """Evaluate `model`; `outcome.results` has one dict per interval tried:
    {interval, status, score, info, dir} with Moodle's status bits."""
    target = target_of(model)
    if target is not None and target.based_on_assumptions:
        return RunOutcome(
            model_id=model.pk,
            action=ACTION,
            status=Status.REFUSED,
            message=log_message(
                gettext_noop("Models based on assumptions cannot be evaluated.")
            ),
        )
    kind = (
        ModelLog.Kind.EVALUATION_TRAINED
        if mode == "trainedmodel"
        else ModelLog.Kind.EVALUATION
    )

    def work(run: Run) -> RunOutcome:
        return _evaluate(
            run=run,
            mode=mode,
            interval=interval,
            reuse=reuse_prev_analysed,
            now=now,
            progress=progress,
        )

    return model_run(
        model=model,
        kind=kind,
        action=ACTION,
        work=work,
        user=user,
        interval=interval or "",
    )


def _evaluate(
    *,
    run: Run,
    mode: str,
    interval: str | None,
    reuse: bool,
    now: int | None,
    progress: Callable[[dict[str, Any]], None] | None,
) -> RunOutcome:
    model, log = run.model, run.log
    try:
        keys = evaluation_intervals_for(model=model, interval=interval, mode=mode)
    except EvaluationRefused as exc:
        return run.fail(exc.args[0] if exc.args else str(exc))
    processor, reason = processor_for(model)
    if reason:
        return run.fail(reason)
    model_id, output_dir = model_storage(model)
    results: list[dict[str, Any]] = []
    samples = analysables = 0
    for done, key in enumerate(keys):
        state = {"done": done, "total": len(keys), "current": key}
        run.progress(stage="evaluating", progress=state)
        if progress:
            progress(state)
        dataset = _evaluation_dataset(
            model=model,
            interval=key,
            reuse=reuse,
            now=now,
            folder=Path(output_dir) / model_id / "evaluation-data",
        )
        samples += len(dataset)
        analysables = max(analysables, dataset.analysables_analysed)
        entry: dict[str, Any] = {"interval": key, "samples": len(dataset)}
        if dataset.refused:
            entry.update(status=GENERAL_ERROR, score=None, info=[dataset.refused])
        elif len(dataset) == 0:
            entry.update(
                status=NO_DATASET,
                score=None,
                info=[
                    log_message(gettext_noop("There is no data to evaluate the model."))
                ],
            )
        else:
            run.held.check()
            result = processor.evaluate(
                model_id=model_id,
                dataset=dataset.for_processor(),
                output_dir=output_dir,
                trained_model=mode == "trainedmodel",
            )
            entry.update(
                status=int(result.status),
                score=None if result.score is None else float(result.score),
                info=[str(line) for line in result.info],
                dir=result.dir,
            )
        # "info" stays text (what Moodle's evaluation results hold); "messages"
        # keep the msgids, so the report page shows them in its language.
        entry["messages"] = [
            log_entry(level="warning", message=line) for line in entry["info"]
        ]
        results.append(entry)
    final = {"done": len(keys), "total": len(keys), "current": ""}
    if progress:
        progress(final)
    usable = [r for r in results if r["status"] not in (NO_DATASET, GENERAL_ERROR)]
    scores = [r["score"] for r in usable if r["score"] is not None]
    log.info = [
        *log.info,
        *(
            log_entry(
                level="warning",
                message=log_message(
                    gettext_noop("%(interval)s: %(message)s"),
                    interval=plugin_label("interval", r["interval"]),
                    message=line,
                ),
            )
            for r in results
            for line in r["info"]
        ),
    ]
    model_log_finish(
        log=log,
        result=ModelLog.Result.OK if usable else ModelLog.Result.FAILED,
        analysables=analysables,
        samples=samples,
        score=max(scores) if scores else None,
        details={
            "stage": "finished",
            "progress": final,
            "mode": mode,
            "results": results,
            "seconds": run.seconds(),
        },
    )
    return run.outcome(
        status=Status.OK if usable else Status.FAILED,
        message=""
        if usable
        else log_message(
            gettext_noop("No analysis interval gave data to evaluate the model.")
        ),
        analysables=analysables,
        samples=samples,
        results=results,
    )


def _evaluation_dataset(
    *, model: AnalyticsModel, interval: str, reuse: bool, now: int | None, folder: Path
) -> Any:
    path = folder / f"{interval}.csv"
    if reuse:
        try:
            fresh = time.time() - path.stat().st_mtime < REUSE_SECONDS
        except FileNotFoundError:
            fresh = False
        if fresh:
            dataset = dataset_read_csv(file=path)
            dataset.model_id, dataset.interval = model.pk, interval
            dataset.target, dataset.mode = model.target, "evaluation"
            return dataset
    dataset = dataset_build(model=model, mode="evaluation", interval=interval, now=now)
    if not dataset.refused and len(dataset):
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{interval}-{uuid.uuid4().hex}.csv"
        dataset_write_csv(dataset=dataset, file=partial)
        os.replace(partial, path)
    return dataset
