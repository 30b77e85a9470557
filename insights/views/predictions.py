"""A prediction's page (indicator values in words), one action on it, and the
outline of its student in the course."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insights.actions import (
    DETAILS,
    HIDING_ACTIONS,
    bulk_actions_of,
    details_action,
    prediction_actions_of,
    target_for,
)
from insights.describe import (
    activities_due,
    class_label,
    context_name,
    samples_describe,
    unix_to_datetime,
)
from insights.elsewhere import links_elsewhere
from insights.forms import PredictionActionForm
from insights.outline import student_outline
from insights.prediction_view import prediction_pictures
from insights.selectors import (
    prediction_actions_by,
    prediction_insight,
)
from insights.services import prediction_action_record
from insights.views.permissions import disabled_model_explained, prediction_or_refuse
from lms.models import Enrolment


def _safe_next(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@disabled_model_explained
def prediction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = prediction_or_refuse(request, pk)
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
    taken = prediction_actions_by(user=request.user, prediction=prediction)
    context.update(prediction_pictures(prediction=prediction, sample=sample))
    context.update(
        {
            "class_label": class_label(target, prediction.prediction),
            "activities_due": activities_due(prediction.calculations),
            "range_start": unix_to_datetime(prediction.timestart),
            "range_end": unix_to_datetime(prediction.timeend),
            "actions": [
                action
                for action in prediction_actions_of(
                    target,
                    sample_url_args={**sample.url_args, "prediction_id": prediction.pk},
                )
                if action.name != DETAILS
            ],
            "taken": taken,
            "elsewhere": links_elsewhere(url_args=sample.url_args),
        }
    )
    return render(request, "insights/prediction_detail.html", context)


@login_required
@require_POST
@disabled_model_explained
def prediction_action(request: HttpRequest, pk: int) -> HttpResponse:
    prediction = prediction_or_refuse(request, pk)
    insight = prediction_insight(prediction=prediction)
    back = insight.get_absolute_url() if insight else "insights:list"
    form = PredictionActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect(back)
    # A button's own destination (`?next=` in its formaction: the outline report,
    # the message form) wins over the form's hidden `next` (the page it is on),
    # which is where the other buttons return. Only same-site URLs are followed.
    for next_url in (request.GET.get("next", ""), form.cleaned_data["next"]):
        if _safe_next(request, next_url):
            back = next_url
            break
    actionname = form.cleaned_data["action"]
    try:
        _action, created = prediction_action_record(
            prediction=prediction, user=request.user, actionname=actionname
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if actionname not in HIDING_ACTIONS:
        # A target's own action (the outline, a message to write): recorded as
        # Moodle does on the click, and the page it opens is the answer. Saying
        # "feedback saved" there would be wrong (nothing was sent yet).
        return redirect(back)
    target = target_for(prediction.model.target)
    known = [details_action(target=target), *bulk_actions_of(target)]
    label = next(
        (str(a.label) for a in known if a.name == actionname), _("this action")
    )
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
@disabled_model_explained
def prediction_outline(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Outline report": the student's activity in the course, activity by activity."""

    prediction = prediction_or_refuse(request, pk)
    target = target_for(prediction.model.target)
    enrolment = None
    if getattr(target, "sample_kind", None) == "enrolment":
        enrolment = (
            Enrolment.objects.select_related("user", "course")
            .filter(pk=prediction.sampleid)
            .first()
        )
    if enrolment is None:
        raise Http404(_("This prediction is not about a student in a course."))
    return render(
        request,
        "insights/outline.html",
        {
            "prediction": prediction,
            "insight": prediction_insight(prediction=prediction),
            "enrolment": enrolment,
            "outline": student_outline(enrolment=enrolment),
        },
    )
