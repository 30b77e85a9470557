"""Notifications in the site, and whether they also come by email."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from insights.actions import target_for
from insights.describe import message_text
from insights.forms import EmailPreferenceForm
from insights.models import Notification
from insights.selectors import (
    email_notifications_enabled,
    notifications_of,
    predictions_visible_to,
    user_language,
)
from insights.services import (
    email_notifications_set,
    notifications_mark_read,
    user_language_set,
)
from insights.views.permissions import (
    disabled_model_explained,
    refuse_unless_viewable,
)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    for notification in page:
        notification.text = message_text(notification.body)
    return render(request, "insights/notification_list.html", {"page": page})


@login_required
@disabled_model_explained
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to its insight; only the recipient's.

    A recipient who may no longer see the insight (their enrolment was suspended
    or has ended since) is refused with a 403, an insight of a disabled model
    answers 404, and then the notification stays unread. An insight of a one-sample target (one
    user, one course) goes straight to its prediction while that is the only one
    left to see, as Moodle's does.
    """
    notification = (
        Notification.objects.filter(pk=pk, user=request.user)
        .select_related("insight__model", "insight__context")
        .first()
    )
    if notification is None:
        raise Http404(_("No such notification."))
    insight = notification.insight
    refuse_unless_viewable(request, context=insight.context, model=insight.model)
    notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    target = target_for(insight.model.target)
    if target is not None and target.one_sample_per_analysable:
        visible = list(predictions_visible_to(user=request.user, insight=insight)[:2])
        if len(visible) == 1:
            return redirect("insights:prediction", pk=visible[0].pk)
    return redirect(insight)


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
            user_language_set(user=request.user, language=form.cleaned_data["language"])
            messages.success(request, _("Your preferences have been saved."))
            return redirect("insights:preferences")
    else:
        form = EmailPreferenceForm(
            initial={
                "email_notifications": email_notifications_enabled(user=request.user),
                "language": user_language(user=request.user),
            }
        )
    return render(request, "insights/preferences.html", {"form": form})
