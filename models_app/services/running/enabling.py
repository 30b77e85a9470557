"""Enable a model, optionally with an analysis interval (Moodle's model::enable)."""

from __future__ import annotations

import time
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from models_app.models import (
    AnalyticsModel,
    PredictSample,
    TrainSample,
    UsedAnalysable,
)
from models_app.plugins import registry
from models_app.services.analysis import model_refusal_reason


class ModelNotEnabled(ValueError):
    """The model cannot be enabled (no interval, one its target refuses, ...)."""


def analytics_model_enable(
    *, model: AnalyticsModel, interval: str | None = None, user: Any = None
) -> AnalyticsModel:
    """Enable `model`, switching to `interval` when given.

    A new interval changes what the model learns from, so, as Moodle does, the
    model is cleared (untrained, new version) before it is enabled with it.
    """
    key = interval or model.interval
    if not key:
        raise ModelNotEnabled(
            _("The model has no analysis interval: give one with --analysisinterval.")
        )
    try:
        registry.interval_class(key)
    except registry.UnknownPlugin:
        raise ModelNotEnabled(
            _("Unknown analysis interval %(key)s.") % {"key": key}
        ) from None
    reason = model_refusal_reason(model=model, mode="prediction", interval=key)
    if reason:
        raise ModelNotEnabled(reason)
    with transaction.atomic():
        if key != model.interval:
            _reset(model)
            model.interval = key
        model.enabled = True
        if getattr(user, "pk", None):
            model.usermodified = user
        model.full_clean()
        model.save()
    return model


def _reset(model: AnalyticsModel) -> None:
    """Forget what the model learnt and predicted with its old interval.

    The version moves on, so the old trained files (kept under the old version's
    unique id) are never read again.
    """
    Prediction = apps.get_model("insights", "Prediction")  # noqa: N806 - a model
    Prediction.objects.filter(model=model).delete()
    for table in (PredictSample, TrainSample, UsedAnalysable):
        table.objects.filter(model=model).delete()
    target = registry.target_class(model.target)
    model.trained = bool(target.based_on_assumptions)
    model.version = max(model.version + 1, int(time.time()))
