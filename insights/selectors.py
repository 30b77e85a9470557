"""Reads in `insights`: who may see which insight, who is told about it, and figures.

Viewing follows Moodle's `check_can_list_insights`: your own user context needs
`analytics:listowninsights`, every other context `analytics:listinsights`, resolved by
`has_perm` on the context (so an active superuser may open every page).

Recipients follow Moodle's `get_insights_users` with one documented difference:

- user context: the user concerned, if they hold listowninsights there;
- course context (or an activity in it): active users holding listinsights there
  (inherited from category and system) who are also *in the course*. Moodle asks
  for an active enrolment; here an active enrolment, or, for someone with no
  enrolment row at all, a role assigned in the course context itself (sites that
  give teachers a course role without an enrolment row). A suspended or expired
  enrolment excludes. Managers at category or system level who are not in the
  course are not told about every course (as in Moodle) but may open the pages;
- category or system context: active users holding listinsights there.

Superusers are recipients only when an assigned role grants the capability
(`users_with_capability` already says so).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from access.models import Context, ContextLevel, RoleAssignment
from access.selectors import contexts_with_capability, users_with_capability
from insights.actions import FEEDBACK_ACTIONS, HIDING_ACTIONS, target_for
from insights.describe import sample_exists
from insights.models import Insight, Notification, Prediction, PredictionAction
from lms.models import Enrolment, UserProfile
from models_app.models import AnalyticsModel

LISTINSIGHTS = "analytics:listinsights"
LISTOWNINSIGHTS = "analytics:listowninsights"


def insight_context_viewable(*, user: Any, context: Context) -> bool:
    """Whether `user` may see the insights of `context` (Moodle's rule, above)."""
    if context.contextlevel == ContextLevel.USER and context.instanceid == user.pk:
        return user.has_perm(LISTOWNINSIGHTS, context)
    return user.has_perm(LISTINSIGHTS, context)


def insights_visible_to(*, user: Any) -> QuerySet[Insight]:
    """Insights of enabled models in contexts the user may see, newest first.

    A few queries per context level that has insights, whatever the number of
    contexts, through `contexts_with_capability`.
    """
    insights = Insight.objects.filter(model__enabled=True)
    if not user.is_authenticated or not user.is_active:
        return insights.none()
    levels = set(
        insights.order_by().values_list("context__contextlevel", flat=True).distinct()
    )
    visible = Q(pk__in=[])
    for level in levels:
        contexts = contexts_with_capability(
            user=user, capability=LISTINSIGHTS, level=level
        )
        visible |= Q(context__in=contexts)
    if ContextLevel.USER in levels:
        own = Context.objects.filter(
            contextlevel=ContextLevel.USER, instanceid=user.pk
        ).first()
        if own is not None:
            own_visible = user.has_perm(LISTOWNINSIGHTS, own)
            # Own insights follow listowninsights only (Moodle's rule).
            visible &= ~Q(context=own)
            if own_visible:
                visible |= Q(context=own)
    return insights.filter(visible).select_related("model", "context")


def insight_get(*, pk: int) -> Insight | None:
    return Insight.objects.select_related("model", "context").filter(pk=pk).first()


def predictions_of_insight(*, insight: Insight) -> QuerySet[Prediction]:
    """The latest prediction per sample of the insight's model and context.

    Moodle's lists show only the latest range per sample; a sample that no longer
    exists is left out (Moodle skips deleted samples too).
    """
    newer = Prediction.objects.filter(
        model_id=OuterRef("model_id"),
        context_id=OuterRef("context_id"),
        sampleid=OuterRef("sampleid"),
    ).filter(
        Q(rangeindex__gt=OuterRef("rangeindex"))
        | Q(rangeindex=OuterRef("rangeindex"), pk__gt=OuterRef("pk"))
    )
    predictions = Prediction.objects.filter(
        model_id=insight.model_id, context_id=insight.context_id
    ).exclude(Exists(newer))
    target = target_for(insight.model.target)
    exists = sample_exists(getattr(target, "sample_kind", None))
    if exists is not None:
        predictions = predictions.filter(exists)
    return predictions.order_by("-prediction", "-predictionscore", "pk")


def predictions_visible_to(*, user: Any, insight: Insight) -> QuerySet[Prediction]:
    """The insight's predictions minus those this user flagged (Moodle's skiphidden)."""
    flagged = PredictionAction.objects.filter(
        prediction_id=OuterRef("pk"), user=user, actionname__in=HIDING_ACTIONS
    )
    return predictions_of_insight(insight=insight).exclude(Exists(flagged))


def prediction_get(*, pk: int) -> Prediction | None:
    return Prediction.objects.select_related("model", "context").filter(pk=pk).first()


def prediction_insight(*, prediction: Prediction) -> Insight | None:
    return Insight.objects.filter(
        model_id=prediction.model_id, context_id=prediction.context_id
    ).first()


def prediction_actions_by(*, user: Any, prediction: Prediction) -> set[str]:
    return set(
        PredictionAction.objects.filter(prediction=prediction, user=user).values_list(
            "actionname", flat=True
        )
    )


def _course_id_of(context: Context) -> int | None:
    if context.contextlevel == ContextLevel.COURSE:
        return context.instanceid
    if context.contextlevel == ContextLevel.MODULE and context.parent_id:
        return (
            Context.objects.filter(
                pk=context.parent_id, contextlevel=ContextLevel.COURSE
            )
            .values_list("instanceid", flat=True)
            .first()
        )
    return None


def insight_recipients(*, context: Context) -> QuerySet:
    """Who is told about an insight in `context`, with `wants_email` and `lang`.

    A fixed number of queries whatever the number of users (three to resolve the
    capability, one or two to place the context, one when evaluated).
    """
    user_model = get_user_model()
    if context.contextlevel == ContextLevel.USER:
        holders = users_with_capability(LISTOWNINSIGHTS, context)
        users = holders.filter(pk=context.instanceid)
    else:
        users = users_with_capability(LISTINSIGHTS, context)
        course_id = _course_id_of(context)
        if course_id is not None:
            users = users.filter(_in_course(course_id=course_id, context=context))
    profiles = UserProfile.objects.filter(user_id=OuterRef("pk"))
    return (
        user_model.objects.filter(pk__in=users.values("pk"), is_active=True)
        .annotate(
            wants_email=~Exists(profiles.filter(email_notifications=False)),
            lang=Subquery(profiles.values("lang")[:1]),
        )
        .order_by("pk")
    )


def _in_course(*, course_id: int, context: Context) -> Q:
    now = timezone.now()
    enrolments = Enrolment.objects.filter(user_id=OuterRef("pk"), course_id=course_id)
    active = enrolments.filter(status=Enrolment.Status.ACTIVE).filter(
        Q(timestart__isnull=True) | Q(timestart__lte=now),
        Q(timeend__isnull=True) | Q(timeend__gt=now),
    )
    course_context_id = (
        context.pk if context.contextlevel == ContextLevel.COURSE else context.parent_id
    )
    course_role = RoleAssignment.objects.filter(
        user_id=OuterRef("pk"), context_id=course_context_id
    )
    return Q(Exists(active)) | (Q(Exists(course_role)) & ~Q(Exists(enrolments)))


def notifications_of(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related(
        "insight", "insight__model"
    )


def notifications_unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user).unread().count()


def email_notifications_enabled(*, user: Any) -> bool:
    value = (
        UserProfile.objects.filter(user=user)
        .values_list("email_notifications", flat=True)
        .first()
    )
    return True if value is None else value


def prediction_figures_by_model() -> QuerySet[AnalyticsModel]:
    """Per model: predictions, and how many were marked useful / not useful / wrong.

    A prediction counts once per kind of feedback, however many people gave it.
    """
    figures = {
        "predictions_total": Count("predictions", distinct=True),
    }
    for name in FEEDBACK_ACTIONS:
        figures[f"marked_{name}"] = Count(
            "predictions",
            filter=Q(predictions__actions__actionname=name),
            distinct=True,
        )
    return (
        AnalyticsModel.objects.annotate(**figures)
        .filter(predictions_total__gt=0)
        .order_by(F("id"))
    )
