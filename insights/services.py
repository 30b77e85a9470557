"""Writes in `insights`: insights from a prediction run, actions, notifications.

The scheduling code calls `insights_generate(model=..., predictions=...)` after each
prediction run with the predictions it stored. Each (model, context) becomes one
insight, and each recipient gets one notification per insight and run, never one
per prediction; their emails are queued here and sent by a Celery task after the
transaction commits (insights.emails), so a rolled-back run sends nothing and the
run never waits for the mail server.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from access.models import Context
from insights.actions import allowed_action_names, target_for
from insights.describe import (
    context_name,
    sample_model,
    samples_describe,
)
from insights.emails import (  # noqa: F401 - email_link_rewriters: lti registers there
    email_deliveries_queue,
    email_link_rewriters,
)
from insights.models import Insight, Notification, Prediction, PredictionAction
from insights.selectors import insight_recipients
from lms.models import UserProfile
from models_app.models import AnalyticsModel


def _message_texts(
    *, target: Any, model: AnalyticsModel, first_name: str, name: str, lang: str | None
) -> tuple[str, str]:
    """Subject and body in the recipient's language (Moodle forces it too).

    The subject names the model and the context: a course with several models
    gets one notification per model, and each must say which it is.
    """
    with translation.override(lang or settings.LANGUAGE_CODE):
        subject = _("%(model)s: %(context)s") % {"model": str(model), "context": name}
        if target is None:
            return subject, _("The system generated an insight for you.")
        try:
            body = str(target.insight_body(first_name=first_name, context_name=name))
        except NotImplementedError:
            body = _("The system generated an insight for you.")
    return subject, body


@transaction.atomic
def insights_generate(
    *, model: AnalyticsModel, predictions: Iterable[Prediction]
) -> list[Insight]:
    """One insight per context of `predictions`, told to each of its recipients.

    Returns the insights touched. Queries grow with the number of contexts, not
    with the number of recipients or predictions.
    """
    by_context: dict[int, int] = defaultdict(int)
    for prediction in predictions:
        if prediction.model_id != model.pk:
            raise ValidationError(
                _("Prediction %(id)s belongs to another model.") % {"id": prediction.pk}
            )
        by_context[prediction.context_id] += 1
    if not by_context:
        return []
    target = target_for(model.target)
    contexts = Context.objects.in_bulk(list(by_context))
    now = timezone.now()
    insights: list[Insight] = []
    emailed: list[Notification] = []
    for context_id in sorted(by_context):
        context = contexts.get(context_id)
        if context is None:
            continue
        insight, created = Insight.objects.get_or_create(
            model=model, context=context, defaults={"timemodified": now}
        )
        if not created:
            insight.timemodified = now
            insight.save(update_fields=["timemodified"])
        insights.append(insight)
        name = context_name(context)
        recipients = list(insight_recipients(context=context))
        notifications = []
        for user in recipients:
            subject, body = _message_texts(
                target=target,
                model=model,
                first_name=user.first_name or user.get_username(),
                name=name,
                lang=user.lang,
            )
            notifications.append(
                Notification(user=user, insight=insight, subject=subject, body=body)
            )
        Notification.objects.bulk_create(notifications)
        emailed.extend(
            notification
            for notification, user in zip(notifications, recipients, strict=True)
            if user.wants_email and user.email
        )
    email_deliveries_queue(notifications=emailed)
    return insights


def _sample_url_args(prediction: Prediction, target: Any) -> dict[str, Any] | None:
    """The sample's ids for action URLs; None when the sample no longer exists."""
    kind = getattr(target, "sample_kind", None)
    if sample_model(kind) is None:
        return {"prediction_id": prediction.pk}
    sample = samples_describe(kind=kind, ids=[prediction.sampleid]).get(
        prediction.sampleid
    )
    if sample is None:
        return None
    return {**sample.url_args, "prediction_id": prediction.pk}


def _action_check(*, prediction: Prediction, actionname: str, target: Any) -> None:
    url_args = _sample_url_args(prediction, target)
    if url_args is None:
        raise ValidationError(
            _(
                "The student, course or user of prediction %(id)s no longer exists: "
                "nothing was recorded."
            )
            % {"id": prediction.pk}
        )
    if actionname not in allowed_action_names(target, sample_url_args=url_args):
        raise ValidationError(
            _('"%(action)s" is not an action of this prediction: nothing was recorded.')
            % {"action": actionname[:50]}
        )


def prediction_action_record(
    *, prediction: Prediction, user: Any, actionname: str
) -> tuple[PredictionAction, bool]:
    """Record that `user` took `actionname` on `prediction`; (action, created).

    The caller has checked the user may see the prediction. A second submission of
    the same action returns the first record with created=False. Raises
    ValidationError for an action the target does not offer or a sample that no
    longer exists; nothing is written then.
    """
    target = target_for(prediction.model.target)
    _action_check(prediction=prediction, actionname=actionname, target=target)
    existing = PredictionAction.objects.filter(
        prediction=prediction, user=user, actionname=actionname
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            action = PredictionAction.objects.create(
                prediction=prediction, user=user, actionname=actionname
            )
    except IntegrityError:  # the same click arrived twice at once
        action = PredictionAction.objects.get(
            prediction=prediction, user=user, actionname=actionname
        )
        return action, False
    return action, True


@transaction.atomic
def prediction_actions_record(
    *, predictions: list[Prediction], user: Any, actionname: str
) -> tuple[int, int]:
    """Apply one action to several predictions: (newly recorded, already recorded).

    All or nothing: if one prediction refuses the action, none is recorded.
    """
    created_count = already_count = 0
    for prediction in predictions:
        _action, created = prediction_action_record(
            prediction=prediction, user=user, actionname=actionname
        )
        if created:
            created_count += 1
        else:
            already_count += 1
    return created_count, already_count


def notifications_mark_read(
    *, user: Any, notification_ids: Iterable[int] | None = None, insight=None
) -> int:
    """Mark the user's unread notifications read (some, those of an insight, or all)."""
    notifications = Notification.objects.filter(user=user).unread()
    if notification_ids is not None:
        notifications = notifications.filter(pk__in=list(notification_ids))
    if insight is not None:
        notifications = notifications.filter(insight=insight)
    return notifications.update(timeread=timezone.now())


def email_notifications_set(*, user: Any, enabled: bool) -> UserProfile:
    """Turn the user's insight emails on or off (in-site notifications stay)."""
    profile, _created = UserProfile.objects.get_or_create(user=user)
    if profile.email_notifications != enabled:
        profile.email_notifications = enabled
        profile.full_clean()
        profile.save(update_fields=["email_notifications"])
    return profile


def user_language_set(*, user: Any, language: str) -> UserProfile:
    """The language the user's notifications are written in (a code of LANGUAGES)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language %(code)s.") % {"code": language})
    profile, _created = UserProfile.objects.get_or_create(user=user)
    if profile.lang != language:
        profile.lang = language
        profile.full_clean()
        profile.save(update_fields=["lang"])
    return profile
