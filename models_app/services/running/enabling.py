"""Enable a model, optionally with an analysis interval (Moodle's model::enable)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.services.analysis import model_refusal_reason
from models_app.services.clearing import analytics_model_clear


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
            analytics_model_clear(model=model, user=user)
            model.interval = key
        model.enabled = True
        if getattr(user, "pk", None):
            model.usermodified = user
        model.full_clean()
        model.save()
    return model
