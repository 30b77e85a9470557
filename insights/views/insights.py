"""The list of insights a person may see, an insight's page and its bulk actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from insights.actions import bulk_actions_of, target_for
from insights.course_view import course_view_build, summary_sentence
from insights.describe import context_name, context_names
from insights.forms import BulkActionForm
from insights.models import Prediction
from insights.selectors import (
    insights_visible_to,
    prediction_counts_visible_to,
    predictions_of_insight,
    predictions_visible_to,
)
from insights.services import (
    notifications_mark_read,
    prediction_actions_record,
)
from insights.student_messages import SEND_MESSAGE
from insights.views.messages import student_message_url
from insights.views.permissions import disabled_model_explained, insight_or_refuse
from models_app.models import AnalyticsModel


@login_required
def insight_list(request: HttpRequest) -> HttpResponse:
    insights = insights_visible_to(user=request.user)
    model = None
    if request.GET.get("model", "").isdigit():
        # From the models page: this model's insights only.
        insights = insights.filter(model_id=int(request.GET["model"]))
        model = AnalyticsModel.objects.filter(pk=int(request.GET["model"])).first()
    page = Paginator(insights.order_by("context_id", "model_id"), 50).get_page(
        request.GET.get("page")
    )
    counts = prediction_counts_visible_to(user=request.user, insights=page)
    names = context_names(insight.context for insight in page)
    groups: list[dict[str, Any]] = []
    for insight in page:
        if not groups or groups[-1]["context"].pk != insight.context_id:
            groups.append(
                {
                    "context": insight.context,
                    "name": names[insight.context_id],
                    "insights": [],
                }
            )
        groups[-1]["insights"].append({"insight": insight, "count": counts[insight.pk]})
    return render(
        request,
        "insights/insight_list.html",
        {"groups": groups, "page": page, "model": model},
    )


@login_required
@disabled_model_explained
def insight_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The course view: flagged students by risk band, changes since the previous
    run, a sortable and filterable list with one actions menu per row."""
    insight = insight_or_refuse(request, pk)
    notifications_mark_read(user=request.user, insight=insight)
    target = target_for(insight.model.target)
    visible = list(predictions_visible_to(user=request.user, insight=insight))
    view = course_view_build(
        insight=insight,
        target=target,
        visible=visible,
        sort=request.GET.get("sort", "risk"),
        band=request.GET.get("band", ""),
        change=request.GET.get("change", ""),
        query=request.GET.get("q", "").strip()[:100],
    )
    return render(
        request,
        "insights/insight_detail.html",
        {
            "insight": insight,
            "name": context_name(insight.context),
            "target": target,
            "view": view,
            "rows": view.rows,
            "summary": summary_sentence(view),
            "bulk_actions": bulk_actions_of(target),
            "is_ml": target is not None and not target.based_on_assumptions,
        },
    )


@login_required
@require_POST
@disabled_model_explained
def insight_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply one action to the ticked predictions of an insight (all or nothing)."""
    insight = insight_or_refuse(request, pk)
    ids = set(
        Prediction.objects.filter(
            model_id=insight.model_id, context_id=insight.context_id
        ).values_list("pk", flat=True)
    )
    form = BulkActionForm(request.POST, prediction_ids=ids)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(insight)
    predictions = list(
        predictions_of_insight(insight=insight)
        .filter(pk__in=form.cleaned_data["predictions"])
        .select_related("model")
    )
    if len(predictions) != len(set(form.cleaned_data["predictions"])):
        messages.error(
            request,
            _(
                "Some selected predictions are outdated or their student or course "
                "no longer exists: nothing was recorded."
            ),
        )
        return redirect(insight)
    try:
        created, already = prediction_actions_record(
            predictions=predictions,
            user=request.user,
            actionname=form.cleaned_data["action"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(insight)
    if form.cleaned_data["action"] == SEND_MESSAGE:
        # Recorded as Moodle does on the click; now write the message.
        return redirect(
            student_message_url(
                insight=insight, prediction_ids=[p.pk for p in predictions]
            )
        )
    if created:
        messages.success(
            request,
            ngettext(
                "Your feedback was saved for %(count)d prediction.",
                "Your feedback was saved for %(count)d predictions.",
                created,
            )
            % {"count": created},
        )
    if already:
        messages.info(
            request,
            ngettext(
                "%(count)d prediction already had this feedback from you: "
                "nothing changed for it.",
                "%(count)d predictions already had this feedback from you: "
                "nothing changed for them.",
                already,
            )
            % {"count": already},
        )
    return redirect(insight)
