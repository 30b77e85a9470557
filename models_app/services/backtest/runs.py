"""Backtests asked for from the models page: queued, run by a worker, kept.

A backtest takes minutes on a real site, so the page queues it (a Celery task, as
evaluations are) and follows it. Each run is one JSON file in the models output
directory, `backtests/<model id>/<run id>.json`, replaced atomically as it goes
from queued to running to finished (with the report) or failed (with the reason):
a backtest writes nothing else, so it needs no table, and the files go when the
model does.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.models import AnalyticsModel
from models_app.services.backtest import (
    BacktestError,
    backtest_check,
    backtest_run,
)
from settings_app import selectors as settings_selectors

logger = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"
#: What the page says for each status.
STATUS_LABELS = {
    QUEUED: gettext_lazy("Queued"),
    RUNNING: gettext_lazy("Running"),
    FINISHED: gettext_lazy("Finished"),
    FAILED: gettext_lazy("Failed"),
}
#: A run queued or running for longer than this (or twice the analysis time limit
#: per model, if that is longer) lost its worker: a worker that died, a task the
#: broker dropped. The page stops following it and says so.
STALE_AFTER_SECONDS = 4 * 3600
#: How many runs of a model are kept (the oldest go first).
KEEP_RUNS = 20
_RUN_ID = re.compile(r"^[0-9]{13,20}$")


def _folder(model_pk: int) -> Path:
    return settings_selectors.models_output_dir() / "backtests" / str(int(model_pk))


def _write(model_pk: int, run: dict[str, Any]) -> None:
    folder = _folder(model_pk)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{run['id']}-{uuid.uuid4().hex}.json"
    partial.write_text(json.dumps(run, indent=1))
    os.replace(partial, folder / f"{run['id']}.json")


def backtest_request(
    *,
    model: AnalyticsModel,
    train: str,
    test: str,
    at: list[float] | None = None,
    user: Any = None,
) -> dict[str, Any]:
    """Check the request now (so the page can say what is wrong), then queue it.

    Raises BacktestError (bad courses or model) or RunNotAllowedFromWeb.
    """
    from models_app.services.running.common import web_run_allowed
    from models_app.services.running.requests import task_send
    from models_app.tasks import backtest_task

    web_run_allowed(action="backtest", model_id=model.pk)
    backtest_check(model=model, train_courses=train, test_courses=test, at=at)
    run = {
        "id": str(time.time_ns() // 1000),
        "model": model.pk,
        "status": QUEUED,
        "train": train,
        "test": test,
        "at": list(at or []),
        "user": getattr(user, "pk", None),
        "queued": int(time.time()),
    }
    _write(model.pk, run)
    _prune(model.pk)
    model_pk = model.pk

    def send() -> None:
        try:
            task_send(backtest_task.si(model_pk, run["id"]))
        except Exception:
            # Never left queued: no worker will ever take it.
            _fail(
                model_pk,
                run,
                _(
                    "The backtest could not be queued: the task queue cannot be "
                    "reached. Ask again once it runs."
                ),
            )
            raise

    transaction.on_commit(send)
    return run


def _fail(model_pk: int, run: dict[str, Any], message: str) -> None:
    run.update(status=FAILED, message=message, finished=int(time.time()))
    _write(model_pk, run)


def backtest_execute(*, model_pk: int, run_id: str) -> dict[str, Any]:
    """Run a queued backtest and keep its report (or why it failed)."""
    run = _read(model_pk=model_pk, run_id=run_id)
    if run is None:
        return {"status": FAILED, "message": "No such backtest run."}
    run.update(status=RUNNING, started=int(time.time()))
    _write(model_pk, run)
    try:
        model = AnalyticsModel.objects.get(pk=model_pk)
        report = backtest_run(
            model=model,
            train_courses=run["train"],
            test_courses=run["test"],
            at=run["at"] or None,
        )
    except AnalyticsModel.DoesNotExist:
        run.update(status=FAILED, message=_("The model was deleted."))
    except BacktestError as exc:
        run.update(status=FAILED, message=str(exc))
    except Exception:  # recorded, so the page never shows it running
        # The exception may carry database, host or SQL detail: the log has it,
        # the page a plain message.
        logger.exception("Backtest %s of model %s failed", run_id, model_pk)
        _fail(
            model_pk,
            run,
            _(
                "The backtest failed on an unexpected error; the server log has "
                "the details. Ask again, or ask the site administrator."
            ),
        )
        raise
    else:
        run.update(status=FINISHED, report=report.as_dict())
    run["finished"] = int(time.time())
    _write(model_pk, run)
    return run


def _read(*, model_pk: int, run_id: str) -> dict[str, Any] | None:
    if not _RUN_ID.fullmatch(str(run_id)):
        return None
    try:
        run = json.loads((_folder(model_pk) / f"{run_id}.json").read_text())
    except (FileNotFoundError, ValueError):
        return None
    return run if isinstance(run, dict) else None


def _stale_after() -> int:
    limit = settings_selectors.analytics_settings().model_time_limit
    return max(STALE_AFTER_SECONDS, 2 * int(limit or 0))


def backtest_get(*, model_pk: int, run_id: str) -> dict[str, Any] | None:
    """The run as the page shows it: one queued or running for too long is failed
    (its worker stopped), though its file stays as it is in case it ends."""
    run = _read(model_pk=model_pk, run_id=run_id)
    if run is None or run.get("status") not in (QUEUED, RUNNING):
        return run
    since = run.get("started") if run["status"] == RUNNING else run.get("queued")
    if not isinstance(since, int | float) or time.time() - since > _stale_after():
        run.update(
            status=FAILED,
            message=_("The worker stopped before the backtest ended; ask again."),
        )
    return run


def backtest_runs(*, model_pk: int) -> list[dict[str, Any]]:
    """The model's kept runs, newest first."""
    folder = _folder(model_pk)
    if not folder.is_dir():
        return []
    runs = []
    for path in sorted(folder.glob("*.json"), reverse=True):
        run = backtest_get(model_pk=model_pk, run_id=path.stem)
        if run is not None:
            runs.append(run)
    return runs


def _prune(model_pk: int) -> None:
    paths = sorted(_folder(model_pk).glob("*.json"), reverse=True)
    for path in paths[KEEP_RUNS:]:
        path.unlink(missing_ok=True)
