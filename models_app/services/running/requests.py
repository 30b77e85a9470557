"""Runs asked for from web pages: checked, then queued once the request commits.

Pages (the models page's "Execute scheduled analysis" and "Evaluate") call these;
"Only from the command line" refuses with the manage.py command to run instead.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from models_app.models import AnalyticsModel
from models_app.services.running.common import web_run_allowed
from models_app.services.running.evaluation import evaluation_intervals_for
from models_app.tasks import evaluate_model_task, predict_model_task, train_model_task


def model_run_request(*, model: AnalyticsModel, user: Any = None) -> None:
    """Queue "Execute scheduled analysis": train (ML models), then predict."""
    web_run_allowed(action="predict", model_id=model.pk)
    model_id = model.pk

    def queue() -> None:
        # One chain: prediction waits for the training it needs.
        (train_model_task.si(model_id) | predict_model_task.si(model_id)).delay()

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
        lambda: evaluate_model_task.delay(model_id, mode, interval, True, user_id)
    )
