"""Loading what a page shows, or refusing: 404 when missing, 403 when not allowed.

Every insights page and action loads its insight or prediction here, so the rule
of `insights.selectors.insight_context_viewable` (capability, and for a course an
active enrolment or `course:view`) is asked in one place. An insight of a disabled
model answers 404 to those who may see it, as the list leaves it out; the others
get the 403 they would get for an enabled one and learn nothing more of it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from access.models import Context
from insights.describe import context_name
from insights.models import Insight, Prediction
from insights.selectors import (
    insight_context_viewable,
    insight_get,
    prediction_get,
)
from models_app.models import AnalyticsModel


class ModelDisabled(Http404):
    """The model was disabled: a 404 the insight page explains (`context` is the
    insight's or prediction's context, for the page to name)."""

    def __init__(self, *, model: AnalyticsModel, context: Context) -> None:
        super().__init__(_("This model has been disabled by an administrator."))
        self.model = model
        self.context = context


def refuse_unless_viewable(
    request: HttpRequest, *, context: Context, model: AnalyticsModel
) -> None:
    """403 when the user may not see the insights of `context`; then 404
    (`ModelDisabled`) when `model` is disabled."""
    if not insight_context_viewable(user=request.user, context=context):
        raise PermissionDenied(_("You may not see the insights of this context."))
    if not model.enabled:
        raise ModelDisabled(model=model, context=context)


def insight_or_refuse(request: HttpRequest, pk: int) -> Insight:
    insight = insight_get(pk=pk)
    if insight is None:
        raise Http404(_("No such insight."))
    refuse_unless_viewable(request, context=insight.context, model=insight.model)
    return insight


def prediction_or_refuse(request: HttpRequest, pk: int) -> Prediction:
    prediction = prediction_get(pk=pk)
    if prediction is None:
        raise Http404(_("No such prediction."))
    refuse_unless_viewable(request, context=prediction.context, model=prediction.model)
    return prediction


def disabled_model_explained(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Answer `ModelDisabled` with a 404 page that says the model was disabled."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ModelDisabled as refusal:
            return render(
                request,
                "insights/model_disabled.html",
                {"model": refusal.model, "name": context_name(refusal.context)},
                status=404,
            )

    return wrapper
