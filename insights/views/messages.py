"""Writing to the students of an insight ("Send message")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from insights.describe import context_name, user_name
from insights.forms import StudentMessageForm
from insights.models import Insight, Prediction
from insights.selectors import prediction_insight
from insights.student_messages import message_recipients, student_messages_send
from insights.views.permissions import (
    disabled_model_explained,
    insight_or_refuse,
    prediction_or_refuse,
)


def student_message_url(*, insight: Insight, prediction_ids: list[int]) -> str:
    query = urlencode([("predictions", pk) for pk in prediction_ids])
    return f"{reverse('insights:student_message', args=[insight.pk])}?{query}"


@login_required
@disabled_model_explained
def prediction_message(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Send message" beside one prediction: write to its student."""
    prediction = prediction_or_refuse(request, pk)
    insight = prediction_insight(prediction=prediction)
    if insight is None:
        raise Http404(_("No such insight."))
    return redirect(student_message_url(insight=insight, prediction_ids=[pk]))


@login_required
@disabled_model_explained
def student_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Write one message to the students of the predictions in `?predictions=`."""
    insight = insight_or_refuse(request, pk)
    source = request.POST if request.method == "POST" else request.GET
    raw = source.getlist("predictions")
    ids = {int(value) for value in raw if value.isdigit()}
    predictions = list(
        Prediction.objects.filter(
            model_id=insight.model_id, context_id=insight.context_id, pk__in=ids
        ).select_related("model")
    )
    if not ids or len(ids) != len(raw) or len(predictions) != len(ids):
        messages.error(
            request,
            _("Select the predictions of this insight whose students you write to."),
        )
        return redirect(insight)
    try:
        recipients = message_recipients(predictions=predictions)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(insight)
    name = context_name(insight.context)
    form = StudentMessageForm(request.POST or None, initial={"subject": name})
    if request.method == "POST" and form.is_valid():
        try:
            sent = student_messages_send(
                sender=request.user,
                predictions=predictions,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                ngettext(
                    "Your message is on its way to %(count)d student.",
                    "Your message is on its way to %(count)d students.",
                    len(sent),
                )
                % {"count": len(sent)},
            )
            return redirect(insight)
    names = sorted(
        user_name(user)
        for user in get_user_model().objects.filter(pk__in=list(recipients))
    )
    return render(
        request,
        "insights/student_message.html",
        {
            "insight": insight,
            "name": name,
            "form": form,
            "prediction_ids": sorted(ids),
            "recipients": names,
        },
    )
