"""Training, prediction and evaluation of analytics models, one or all at a time.

Tasks and commands call these; each run refuses when analytics is off, holds the
model's lock and writes a model-log row (see skeleton.py).
"""

from __future__ import annotations

from models_app.services.running.cleanup import analytics_cleanup
from models_app.services.running.common import (
    RunNotAllowedFromWeb,
    RunOutcome,
    Status,
    web_run_allowed,
)
from models_app.services.running.enabling import (
    ModelNotEnabled,
    analytics_model_enable,
)
from models_app.services.running.evaluation import (
    EvaluationRefused,
    evaluation_intervals_for,
    model_evaluate,
)
from models_app.services.running.prediction import (
    model_predict,
    models_predict,
    models_to_predict,
)
from models_app.services.running.requests import (
    BrokerUnreachable,
    model_evaluate_request,
    model_run_request,
    models_run_queue,
)
from models_app.services.running.training import (
    model_train,
    models_to_train,
    models_train,
)

__all__ = [
    "BrokerUnreachable",
    "EvaluationRefused",
    "ModelNotEnabled",
    "RunNotAllowedFromWeb",
    "RunOutcome",
    "Status",
    "analytics_cleanup",
    "analytics_model_enable",
    "evaluation_intervals_for",
    "model_evaluate",
    "model_evaluate_request",
    "model_predict",
    "model_run_request",
    "model_train",
    "models_predict",
    "models_run_queue",
    "models_to_predict",
    "models_to_train",
    "models_train",
    "web_run_allowed",
]
