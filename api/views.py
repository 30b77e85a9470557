"""The read-only API: models, insights, predictions.

Visibility is the pages': lists come from `insights_visible_to` (the insights
list), one insight or prediction is loaded by `insights.views.permissions` (403
when its context may not be seen, 404 when missing or its model is disabled), and
models need what the models page needs (`analytics:managemodels` at system level,
analytics enabled). Nothing here writes, so opening a prediction through the API
records no "view details" action.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from access.services import context_system
from api.filters import PARAMETERS, filtered
from api.selectors import models_with_status, predictions_visible, with_actions_of
from api.serializers import (
    AnalyticsModelSerializer,
    InsightSerializer,
    PredictionDetailSerializer,
    PredictionSerializer,
)
from insights.actions import target_for
from insights.describe import samples_describe
from insights.selectors import insights_visible_to, predictions_visible_to
from insights.views.permissions import insight_or_refuse, prediction_or_refuse
from models_app.views import CAPABILITY as MANAGEMODELS
from settings_app import selectors as settings_selectors


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AnalyticsModelViewSet(viewsets.ReadOnlyModelViewSet):
    """Analytics models with their status, last run and last evaluation."""

    serializer_class = AnalyticsModelSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    pagination_class = Pages

    def get_queryset(self) -> Any:
        user = self.request.user
        if not user.has_perm(MANAGEMODELS, context_system()):
            raise PermissionDenied(_("You cannot manage analytics models."))
        if not settings_selectors.analytics_enabled():
            raise PermissionDenied(settings_selectors.analytics_disabled_message())
        return models_with_status()


@extend_schema_view(list=extend_schema(parameters=PARAMETERS))
class InsightViewSet(viewsets.ReadOnlyModelViewSet):
    """Insights the user may see: one model's predictions in one context.

    `since`/`until` filter on when a prediction run last added to the insight.
    """

    serializer_class = InsightSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    pagination_class = Pages

    def get_queryset(self) -> Any:
        visible = insights_visible_to(user=self.request.user).select_related(
            "context__parent"
        )
        return filtered(
            visible, self.request.query_params, time_field="timemodified"
        ).order_by("-timemodified", "-id")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        insight = insight_or_refuse(request, int(kwargs["pk"]))
        return Response(self.get_serializer(insight).data)

    @extend_schema(responses=PredictionSerializer(many=True))
    @action(detail=True, serializer_class=PredictionSerializer)
    def predictions(self, request: Request, pk: str) -> Response:
        """The insight's page: the latest prediction per sample, less those the
        user flagged."""
        insight = insight_or_refuse(request, int(pk))
        predictions = with_actions_of(
            predictions_visible_to(user=request.user, insight=insight).select_related(
                "model", "context", "context__parent"
            ),
            user=request.user,
        )
        page = self.paginate_queryset(predictions)
        return self.get_paginated_response(
            PredictionSerializer(
                page, many=True, context=self.get_serializer_context()
            ).data
        )


@extend_schema_view(list=extend_schema(parameters=PARAMETERS))
class PredictionViewSet(viewsets.ReadOnlyModelViewSet):
    """Predictions of the insights the user may see, newest first, with their
    indicator values and the actions the user took.

    `since`/`until` filter on when the prediction was made.
    """

    serializer_class = PredictionSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    pagination_class = Pages

    def get_queryset(self) -> Any:
        visible = predictions_visible(user=self.request.user)
        return with_actions_of(
            filtered(visible, self.request.query_params, time_field="timecreated"),
            user=self.request.user,
        )

    @extend_schema(responses=PredictionDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = prediction_or_refuse(request, int(kwargs["pk"]))
        prediction = (
            with_actions_of(
                predictions_visible(user=request.user).filter(pk=found.pk),
                user=request.user,
            ).first()
            or found
        )
        target = target_for(prediction.model.target)
        sample = samples_describe(
            kind=getattr(target, "sample_kind", None), ids=[prediction.sampleid]
        ).get(prediction.sampleid)
        context = {**self.get_serializer_context(), "sample": sample}
        return Response(PredictionDetailSerializer(prediction, context=context).data)
