"""Forget what analytics models learned and predicted (Moodle's model::clear()).

Used when the site's default predictions processor changes: a model trained by one
processor cannot be used by another, so its trained state, stored predictions and
sample bookkeeping go, and its version moves on so nothing written for the old
version is read again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.apps import apps
from django.db import transaction

from models_app.models import (
    AnalyticsModel,
    PredictSample,
    TrainSample,
    UsedAnalysable,
)
from models_app.plugins import registry
from models_app.plugins.processors import model_unique_id
from settings_app import selectors as settings_selectors

logger = logging.getLogger(__name__)


def analytics_models_using_default() -> Any:
    """The models that follow the site's default processor (no processor of their own)."""
    return AnalyticsModel.objects.filter(processor="")


def analytics_models_clear_default_users(
    *, processor_key: str, user: Any = None
) -> int:
    """Clear every model that uses the default processor; return how many.

    `processor_key` is the default the models were trained with (the old one), whose
    stored files are removed. Runs in the caller's transaction when there is one, so
    a failure leaves the previous settings and models in force.
    """
    models = list(analytics_models_using_default())
    with transaction.atomic():
        for model in models:
            analytics_model_clear(model=model, processor_key=processor_key, user=user)
    return len(models)


def analytics_model_clear(
    *, model: AnalyticsModel, processor_key: str | None = None, user: Any = None
) -> None:
    """Reset `model` to untrained and delete its predictions and bookkeeping.

    Rule-based models (targets based on assumptions) stay trained, as in Moodle: they
    need no training. The version is bumped (Moodle bumps it on every configuration
    change), unlike Moodle's clear(), so that files written under the old version
    are never mistaken for the new processor's.
    """
    key = processor_key or model.processor or settings_selectors.default_processor()
    old_unique_id = model_unique_id(model_pk=model.pk, version=model.version)
    with transaction.atomic():
        Prediction = apps.get_model("insights", "Prediction")  # noqa: N806 - a model
        Prediction.objects.filter(model=model).delete()  # their actions cascade
        PredictSample.objects.filter(model=model).delete()
        TrainSample.objects.filter(model=model).delete()
        UsedAnalysable.objects.filter(model=model).delete()
        model.trained = _is_rule_based(model)
        model.version = max(model.version + 1, int(time.time()))
        update_fields = ["trained", "version", "timemodified"]
        if getattr(user, "pk", None):
            model.usermodified = user
            update_fields.append("usermodified")
        model.save(update_fields=update_fields)
    # Files go only once the database change is committed.
    transaction.on_commit(
        lambda: _processor_clear(model=model, key=key, unique_id=old_unique_id)
    )


def _is_rule_based(model: AnalyticsModel) -> bool:
    try:
        return bool(registry.target_class(model.target).based_on_assumptions)
    except registry.UnknownPlugin:
        return False


def _processor_clear(*, model: AnalyticsModel, key: str, unique_id: str) -> None:
    """Ask the processor to delete what it stored for `model`'s old version.

    Like Moodle, a processor that is not ready is skipped with a log line: its
    files are orphaned under the old version and never read again.
    """
    try:
        processor = registry.processor_class(key)()
    except registry.UnknownPlugin:
        logger.warning("Model %s: processor %r is not registered.", model.pk, key)
        return
    clear = getattr(processor, "clear", None)
    if clear is None:
        return
    reason = processor.is_ready()
    if reason:
        logger.warning("Model %s: not clearing %s files: %s", model.pk, key, reason)
        return
    try:
        clear(model_id=unique_id, output_dir=settings_selectors.models_output_dir())
    except Exception:  # the database is already cleared; files are orphans only
        logger.exception(
            "Model %s: the %s processor could not clear it.", model.pk, key
        )
