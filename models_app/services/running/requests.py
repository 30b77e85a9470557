"""Runs asked for from web pages: checked, then queued once the request commits.

Pages (the models page's "Execute scheduled analysis" and "Evaluate") call these;
"Only from the command line" refuses with the manage.py command to run instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from models_app.models import AnalyticsModel
from models_app.services.running.common import web_run_allowed
from models_app.services.running.evaluation import evaluation_intervals_for
from models_app.tasks import (
    evaluate_model_task,
    predict_model_task,
    predict_models_task,
    train_model_task,
    train_models_task,
)


class BrokerUnreachable(Exception):
    """The task queue cannot be reached; `str(exc)` says which and why."""


def task_send(signature: Any, *, from_command: bool = False) -> Any:
    """Queue a task (or chain) now; BrokerUnreachable, in plain words, if the broker
    is down, instead of a worker-less hang or a stack trace. The advice suits where
    the request came from: a command can work in its own process, a page cannot."""
    try:
        return signature.apply_async(retry=False)
    except (BrokerError, OSError) as exc:
        url = str(getattr(settings, "CELERY_BROKER_URL", ""))
        values = {"url": url.split("@")[-1], "error": str(exc).rstrip(".")}
        if from_command:
            message = _(
                "The task queue cannot be reached (CELERY_BROKER_URL=%(url)s): "
                "%(error)s. Start the broker, or run the command without --queue "
                "to work in this process."
            )
        else:
            message = _(
                "The task queue cannot be reached (CELERY_BROKER_URL=%(url)s): "
                "%(error)s. Nothing was queued: ask an administrator to start the "
                "broker and a worker, then try again."
            )
        raise BrokerUnreachable(message % values) from exc


def models_run_queue(*, action: str, model_id: int | None = None) -> Any:
    """Queue a run for the workers: every model's nightly task, or one model's."""
    if model_id is None:
        task = train_models_task if action == "train" else predict_models_task
        return task_send(task.si(), from_command=True)
    task = train_model_task if action == "train" else predict_model_task
    return task_send(task.si(model_id), from_command=True)


def model_run_request(*, model: AnalyticsModel, user: Any = None) -> None:
    """Queue "Execute scheduled analysis": train (ML models), then predict."""
    web_run_allowed(action="predict", model_id=model.pk)
    model_id = model.pk

    def queue() -> None:
        # One chain: prediction waits for the training it needs.
        task_send(train_model_task.si(model_id) | predict_model_task.si(model_id))

    transaction.on_commit(queue)


def model_evaluate_request(
    *,
    model: AnalyticsModel,
    mode: str = "configuration",
    interval: str | None = None,
    user: Any = None,
) -> None:
    """Queue an evaluation; its progress appears in the model's newest log row.

    Raises EvaluationRefused for options that cannot work (checked now, so the page
    can say so instead of a failed task later).
    """
    web_run_allowed(action="evaluate", model_id=model.pk)
    evaluation_intervals_for(model=model, interval=interval, mode=mode)
    model_id, user_id = model.pk, getattr(user, "pk", None)
    transaction.on_commit(
        lambda: task_send(
            evaluate_model_task.si(model_id, mode, interval, True, user_id)
        )
    )
