"""Pages where teachers and managers see insights and act on predictions.

Every page needs a login and checks `has_perm` on the context of what it shows
(`insight_context_viewable`): an id of someone else's insight or prediction gets a
403, a missing one a 404, never data. Actions are POST forms that work without
JavaScript; each answers with a message and a redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from insights.actions import (
    DETAILS,
    bulk_actions_of,
    details_action,
    prediction_actions_of,
    target_for,
)
from insights.describe import (
    activities_due,
    context_name,
    indicator_values,
    indicators_weighed_most,
    samples_describe,
    unix_to_datetime,
)
from insights.forms import BulkActionForm, EmailPreferenceForm, PredictionActionForm
from insights.models import Insight, Notification, Prediction
from insights.selectors import (
    email_notifications_enabled,
    insight_context_viewable,
    insight_get,
    insights_visible_to,
    notifications_of,
    prediction_actions_by,
    prediction_get,
    prediction_insight,
    predictions_of_insight,
    predictions_visible_to,
)
from insights.services import (
    email_notifications_set,
    notifications_mark_read,
    prediction_action_record,
    prediction_actions_record,
)

PER_PAGE = 100


def _insight_or_refuse(request: HttpRequest, pk: int) -> Insight:
    insight = insight_get(pk=pk)
    if insight is None:
        raise Http404(_("No such insight."))
    if not insight_context_viewable(user=request.user, context=insight.context):
        raise PermissionDenied(_("You may not see the insights of this context."))
    return insight


def _prediction_or_refuse(request: HttpRequest, pk: int) -> Prediction:
    prediction = prediction_get(pk=pk)
    if prediction is None:
        raise Http404(_("No such prediction."))
    if not insight_context_viewable(user=request.user, context=prediction.context):
        raise PermissionDenied(_("You may not see the insights of this context."))
    return prediction


def _class_label(target: Any, value: float) -> str:
    try:
        descriptions = list(target.classes_description())
        return str(descriptions[list(target.classes).index(int(value))])
    except (AttributeError, NotImplementedError, ValueError, IndexError):
        return str(value)


def _safe_next(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
def insight_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        insights_visible_to(user=request.user).order_by("context_id", "model_id"),
        50,
    ).get_page(request.GET.get("page"))
    groups: list[dict[str, Any]] = []
    for insight in page:
        if not groups or groups[-1]["context"].pk != insight.context_id:
            groups.append(
                {
                    "context": insight.context,
                    "name": context_name(insight.context),
                    "insights": [],
                }
            )
        count = predictions_visible_to(user=request.user, insight=insight).count()
        groups[-1]["insights"].append({"insight": insight, "count": count})
    return render(
        request, "insights/insight_list.html", {"groups": groups, "page": page}
    )


@login_required
def insight_detail(request: HttpRequest, pk: int) -> HttpResponse:
    insight = _insight_or_refuse(request, pk)
    notifications_mark_read(user=request.user, insight=insight)
    target = target_for(insight.model.target)
    page = Paginator(
        predictions_visible_to(user=request.user, insight=insight), PER_PAGE
    ).get_page(request.GET.get("page"))
    kind = getattr(target, "sample_kind", None)
    samples = samples_describe(kind=kind, ids=[p.sampleid for p in page])
    rows = []
    for prediction in page:
        sample = samples.get(prediction.sampleid)
        if sample is None:  # deleted between the two queries
            continue
        actions = [
            action
            for action in prediction_actions_of(
                target,
                sample_url_args={**sample.url_args, "prediction_id": prediction.pk},
            )
            if action.name != DETAILS
        ]
        rows.append(
            {
                "prediction": prediction,
                "sample": sample,
                "class_label": _class_label(target, prediction.prediction),
                "actions": actions,
            }
        )
    return render(
        request,
        "insights/insight_detail.html",
        {
            "insight": insight,
            "name": context_name(insight.context),
            "target": target,
            "rows": rows,
            "page": page,
            "bulk_actions": bulk_actions_of(target),
            "is_ml": target is not None and not target.based_on_assumptions,
        },
    )


@login_required
@require_POST
def insight_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply one action to the ticked predictions of an insight (all or nothing)."""
    insight = _insight_or_refuse(request, pk)
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


@login_required
def prediction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = _prediction_or_refuse(request, pk)
    insight = prediction_insight(prediction=prediction)
    target = target_for(prediction.model.target)
    kind = getattr(target, "sample_kind", None)
    sample = samples_describe(kind=kind, ids=[prediction.sampleid]).get(
        prediction.sampleid
    )
    context = {
        "prediction": prediction,
        "insight": insight,
        "name": context_name(prediction.context),
        "sample": sample,
        "target": target,
    }
    if sample is None:
        return render(request, "insights/prediction_gone.html", context, status=410)
    prediction_action_record(
        prediction=prediction, user=request.user, actionname=DETAILS
    )
    weighed, by_weights = indicators_weighed_most(prediction.calculations)
    taken = prediction_actions_by(user=request.user, prediction=prediction)
    context.update(
        {
            "class_label": _class_label(target, prediction.prediction),
            "values": indicator_values(prediction.calculations),
            "activities_due": activities_due(prediction.calculations),
            "range_start": unix_to_datetime(prediction.timestart),
            "range_end": unix_to_datetime(prediction.timeend),
            "weighed": weighed,
            "by_weights": by_weights,
            "actions": [
                action
                for action in prediction_actions_of(
                    target,
                    sample_url_args={**sample.url_args, "prediction_id": prediction.pk},
                )
                if action.name != DETAILS
            ],
            "taken": taken,
        }
    )
    return render(request, "insights/prediction_detail.html", context)


@login_required
@require_POST
def prediction_action(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = _prediction_or_refuse(request, pk)
    insight = prediction_insight(prediction=prediction)
    back = insight.get_absolute_url() if insight else "insights:list"
    form = PredictionActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect(back)
    # A target's own action (e.g. an outline report) goes on to its page.
    next_url = form.cleaned_data["next"] or request.GET.get("next", "")
    if _safe_next(request, next_url):
        back = next_url
    actionname = form.cleaned_data["action"]
    try:
        _action, created = prediction_action_record(
            prediction=prediction, user=request.user, actionname=actionname
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    target = target_for(prediction.model.target)
    known = [details_action(target=target), *bulk_actions_of(target)]
    label = next((a.label for a in known if a.name == actionname), actionname)
    if created:
        messages.success(
            request,
            _('Your feedback of "%(action)s" has been saved.') % {"action": label},
        )
    else:
        messages.info(
            request,
            _(
                'You had already chosen "%(action)s" for this prediction: nothing changed.'
            )
            % {"action": label},
        )
    return redirect(back)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "insights/notification_list.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to its insight; only the recipient's."""
    notification = Notification.objects.filter(pk=pk, user=request.user).first()
    if notification is None:
        raise Http404(_("No such notification."))
    notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    return redirect(notification.insight)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one (`notification`) or all of the user's notifications read."""
    raw = request.POST.get("notification", "")
    ids = [int(raw)] if raw.isdigit() else None
    count = notifications_mark_read(user=request.user, notification_ids=ids)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("insights:notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmailPreferenceForm(request.POST)
        if form.is_valid():
            email_notifications_set(
                user=request.user, enabled=form.cleaned_data["email_notifications"]
            )
            messages.success(request, _("Your preferences have been saved."))
            return redirect("insights:preferences")
    else:
        form = EmailPreferenceForm(
            initial={
                "email_notifications": email_notifications_enabled(user=request.user)
            }
        )
    return render(request, "insights/preferences.html", {"form": form})
