"""Loading what a page shows, or refusing: 404 when missing, 403 when not allowed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from insights.models import Insight, Prediction
from insights.selectors import (
    insight_context_viewable,
    insight_get,
    prediction_get,
)


def insight_or_refuse(request: HttpRequest, pk: int) -> Insight:
    insight = insight_get(pk=pk)
    if insight is None:
        raise Http404(_("No such insight."))
    if not insight_context_viewable(user=request.user, context=insight.context):
        raise PermissionDenied(_("You may not see the insights of this context."))
    return insight


def prediction_or_refuse(request: HttpRequest, pk: int) -> Prediction:
    prediction = prediction_get(pk=pk)
    if prediction is None:
        raise Http404(_("No such prediction."))
    if not insight_context_viewable(user=request.user, context=prediction.context):
        raise PermissionDenied(_("You may not see the insights of this context."))
    return prediction
