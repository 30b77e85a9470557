"""The hourly analytics cleanup (Moodle's analytics_cleanup_task, manager::cleanup).

Deletes cached indicator calculations older than the calculations lifetime and
what belongs to things that no longer exist: calculations of deleted contexts,
and sample bookkeeping of deleted analysables. Predictions of deleted contexts
go with them already (a foreign key with cascade); predictions are otherwise kept.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction

from models_app.models import (
    AnalyticsModel,
    IndicatorCalculation,
    PredictSample,
    TrainSample,
    UsedAnalysable,
)
from models_app.services.analysis import indicator_calculations_delete_expired
from models_app.services.running.common import target_of
from settings_app import selectors as settings_selectors

logger = logging.getLogger("models_app.running")


def analytics_cleanup() -> dict[str, int] | None:
    """Run the cleanup; None when analytics is off. Returns rows deleted by kind."""
    if not settings_selectors.analytics_enabled():
        logger.warning(
            "Analytics cleanup not run: %s",
            settings_selectors.analytics_disabled_message(),
        )
        return None
    from access.models import Context

    deleted = {
        "expired_calculations": indicator_calculations_delete_expired(),
        "orphan_calculations": IndicatorCalculation.objects.exclude(
            contextid__in=Context.objects.values("pk")
        ).delete()[0],
        "orphan_samples": 0,
    }
    for model in AnalyticsModel.objects.all():
        existing = _existing_analysables(model)
        if existing is None:
            continue
        with transaction.atomic():
            for table in (TrainSample, PredictSample, UsedAnalysable):
                deleted["orphan_samples"] += (
                    table.objects.filter(model=model)
                    .exclude(analysableid__in=existing)
                    .delete()[0]
                )
    return deleted


def _existing_analysables(model: AnalyticsModel):
    """A queryset of the ids analysables of this model's kind may have, or None
    when the kind (the site) cannot disappear."""
    from lms.models import Course

    target = target_of(model)
    kind = getattr(target, "analysable_kind", None)
    if kind == "course":
        return Course.objects.values("pk")
    if kind == "user":
        return get_user_model().objects.values("pk")
    return None
