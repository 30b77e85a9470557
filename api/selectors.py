"""Reads for the API, built on the pages' own selectors so that the API shows
exactly what the pages show (`insights.selectors`, `models_app.selectors`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from insights.models import Prediction, PredictionAction
from insights.selectors import insights_visible_to
from models_app.models import AnalyticsModel, ModelLog
from models_app.selectors import EVALUATION_KINDS, models_overview


def models_with_status() -> QuerySet[AnalyticsModel]:
    """`models_overview` (the models page) plus when and how the last evaluation
    went, whatever its result."""
    evaluations = ModelLog.objects.filter(
        model=OuterRef("pk"), kind__in=EVALUATION_KINDS
    ).order_by("-timestarted", "-id")
    return models_overview().annotate(
        last_evaluation_time=Subquery(evaluations.values("timestarted")[:1]),
        last_evaluation_kind=Subquery(evaluations.values("kind")[:1]),
        last_evaluation_result=Subquery(evaluations.values("result")[:1]),
        last_evaluation_last_score=Subquery(evaluations.values("score")[:1]),
    )


def predictions_visible(*, user: Any) -> QuerySet[Prediction]:
    """Every prediction whose insight `user` may see (`insights_visible_to`): the
    predictions whose pages they may open, older ranges and flagged ones included,
    as on the prediction page."""
    visible = insights_visible_to(user=user).filter(
        model_id=OuterRef("model_id"), context_id=OuterRef("context_id")
    )
    return (
        Prediction.objects.filter(Exists(visible))
        .select_related("model", "context", "context__parent")
        .order_by("-timecreated", "-id")
    )


def with_actions_of(queryset: QuerySet[Prediction], *, user: Any) -> QuerySet:
    """Prefetch, as `my_actions`, the actions `user` took (the page shows only
    the viewer's own)."""
    mine = PredictionAction.objects.filter(user=user).order_by("timecreated", "id")
    return queryset.prefetch_related(
        Prefetch("actions", queryset=mine, to_attr="my_actions")
    )
