"""Reads in `insights`: who may see which insight, who is told about it, and figures.

Viewing follows Moodle's `check_can_list_insights`: your own user context needs
`analytics:listowninsights`, every other context `analytics:listinsights`, resolved by
`has_perm` on the context (so an active superuser may open every page). In a course
or one of its activities the user must also be let into the course, as Moodle's
`require_login($course)` does (`course_viewable`): `course:view` there (managers,
at any level above or in the course) or an active enrolment. A teacher whose
enrolment is suspended, has ended or has not started, or who holds a course role
without an enrolment, is refused. Category, system and user contexts are unaffected.

Recipients follow Moodle's `get_insights_users`:

- user context: the user concerned, if they hold listowninsights there;
- course context (or an activity in it): active users holding listinsights there
  (inherited from category and system) with an active enrolment in the course
  (`enrolment_active`, the same condition as for opening the pages), so nobody is
  sent a link they would be refused. Managers who are not enrolled may open the
  pages but are not told about every course (as in Moodle); earlier versions also
  told holders of a course role without an enrolment, who may no longer open them;
- category or system context: active users holding listinsights there.

Superusers are recipients only when an assigned role grants the capability
(`users_with_capability` already says so).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
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

from access.models import Context, ContextLevel
from access.selectors import contexts_with_capability, users_with_capability
from insights.actions import FEEDBACK_ACTIONS, HIDING_ACTIONS, target_for
from insights.describe import sample_exists
from insights.models import Insight, Notification, Prediction, PredictionAction
from lms.models import Enrolment, UserProfile
from models_app.models import AnalyticsModel

LISTINSIGHTS = "analytics:listinsights"
LISTOWNINSIGHTS = "analytics:listowninsights"
COURSE_VIEW = "course:view"


def enrolment_active(*, now: Any = None) -> Q:
    """Enrolments that let their user into the course now (Moodle's `is_enrolled`
    with `onlyactive`): status active, started (or no start) and not yet ended.

    Moodle also asks that the enrolment method be enabled; `lms` has no enrolment
    methods, so a disabled method is an enrolment to suspend or end here.
    """
    now = now or timezone.now()
    return (
        Q(status=Enrolment.Status.ACTIVE)
        & (Q(timestart__isnull=True) | Q(timestart__lte=now))
        & (Q(timeend__isnull=True) | Q(timeend__gt=now))
    )


def course_context_of(context: Context) -> Context | None:
    """The course context of a course or activity context; None elsewhere."""
    if context.contextlevel == ContextLevel.COURSE:
        return context
    if context.contextlevel == ContextLevel.MODULE and context.parent_id:
        return Context.objects.filter(
            pk=context.parent_id, contextlevel=ContextLevel.COURSE
        ).first()
    return None


def course_viewable(*, user: Any, context: Context) -> bool:
    """Whether `user` is let into the course of `context` (True outside courses).

    Moodle's `can_access_course`, as `require_login($course)` asks it: `course:view`
    in the course (a superuser passes `has_perm`) or an active enrolment in it.
    `course_contexts_viewable` is the same rule for many courses at once.
    """
    if context.contextlevel not in (ContextLevel.COURSE, ContextLevel.MODULE):
        return True
    course_context = course_context_of(context)
    if course_context is None:  # an activity context whose course context is gone
        return False
    if user.has_perm(COURSE_VIEW, course_context):
        return True
    return Enrolment.objects.filter(
        enrolment_active(), user_id=user.pk, course_id=course_context.instanceid
    ).exists()


def course_contexts_viewable(*, user: Any) -> QuerySet[Context]:
    """Course contexts `user` is let into: `course_viewable` for every course."""
    by_capability = contexts_with_capability(
        user=user, capability=COURSE_VIEW, level=ContextLevel.COURSE
    )
    enrolled = Enrolment.objects.filter(enrolment_active(), user_id=user.pk)
    return Context.objects.filter(contextlevel=ContextLevel.COURSE).filter(
        Q(pk__in=by_capability.values("pk"))
        | Q(instanceid__in=enrolled.values("course_id"))
    )


def insight_context_viewable(*, user: Any, context: Context) -> bool:
    """Whether `user` may see the insights of `context` (Moodle's rule, above)."""
    if context.contextlevel == ContextLevel.USER and context.instanceid == user.pk:
        return user.has_perm(LISTOWNINSIGHTS, context)
    return user.has_perm(LISTINSIGHTS, context) and course_viewable(
        user=user, context=context
    )


def insights_visible_to(*, user: Any) -> QuerySet[Insight]:
    """Insights of enabled models in contexts the user may see, newest first.

    A few queries per context level that has insights, whatever the number of
    contexts, through `contexts_with_capability`; in courses and activities only
    those of courses the user is let into (`course_contexts_viewable`).
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
    if levels & {ContextLevel.COURSE, ContextLevel.MODULE}:
        courses = course_contexts_viewable(user=user)
        visible &= (
            ~Q(context__contextlevel__in=[ContextLevel.COURSE, ContextLevel.MODULE])
            | Q(context__in=courses)
            | Q(context__contextlevel=ContextLevel.MODULE, context__parent__in=courses)
        )
    return insights.filter(visible).select_related("model", "context")


def insight_get(*, pk: int) -> Insight | None:
    return Insight.objects.select_related("model", "context").filter(pk=pk).first()


def _latest_predictions(*, kind: str | None) -> QuerySet[Prediction]:
    """The latest prediction per (model, context, sample) whose sample of `kind`
    still exists: Moodle's lists show only the latest range per sample and skip
    deleted samples."""
    newer = Prediction.objects.filter(
        model_id=OuterRef("model_id"),
        context_id=OuterRef("context_id"),
        sampleid=OuterRef("sampleid"),
    ).filter(
        Q(rangeindex__gt=OuterRef("rangeindex"))
        | Q(rangeindex=OuterRef("rangeindex"), pk__gt=OuterRef("pk"))
    )
    predictions = Prediction.objects.exclude(Exists(newer))
    exists = sample_exists(kind)
    if exists is not None:
        predictions = predictions.filter(exists)
    return predictions


def _flagged_by(user: Any) -> Exists:
    """True for the predictions `user` flagged (Moodle's skiphidden hides them)."""
    return Exists(
        PredictionAction.objects.filter(
            prediction_id=OuterRef("pk"), user=user, actionname__in=HIDING_ACTIONS
        )
    )


def _sample_kind(insight: Insight) -> str | None:
    return getattr(target_for(insight.model.target), "sample_kind", None)


def predictions_of_insight(*, insight: Insight) -> QuerySet[Prediction]:
    """The latest prediction per sample of the insight's model and context.

    Moodle's lists show only the latest range per sample; a sample that no longer
    exists is left out (Moodle skips deleted samples too).
    """
    return (
        _latest_predictions(kind=_sample_kind(insight))
        .filter(model_id=insight.model_id, context_id=insight.context_id)
        .order_by("-prediction", "-predictionscore", "pk")
    )


def predictions_visible_to(*, user: Any, insight: Insight) -> QuerySet[Prediction]:
    """The insight's predictions minus those this user flagged (Moodle's skiphidden)."""
    return predictions_of_insight(insight=insight).exclude(_flagged_by(user))


def prediction_counts_visible_to(
    *, user: Any, insights: Iterable[Insight]
) -> dict[int, int]:
    """Insight id -> how many predictions `predictions_visible_to` lists there.

    For a page of insights at once: one query per kind of sample (enrolments,
    courses, users), not one per insight.
    """
    by_kind: dict[str | None, list[Insight]] = defaultdict(list)
    for insight in insights:
        by_kind[_sample_kind(insight)].append(insight)
    counts: dict[int, int] = {}
    for kind, group in by_kind.items():
        of_group = Q(pk__in=[])
        for insight in group:
            of_group |= Q(model_id=insight.model_id, context_id=insight.context_id)
        rows = (
            _latest_predictions(kind=kind)
            .filter(of_group)
            .exclude(_flagged_by(user))
            .values_list("model_id", "context_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        found = {(model_id, context_id): n for model_id, context_id, n in rows}
        for insight in group:
            counts[insight.pk] = found.get((insight.model_id, insight.context_id), 0)
    return counts


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
    course_context = course_context_of(context)
    return None if course_context is None else course_context.instanceid


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
            enrolled = Enrolment.objects.filter(
                enrolment_active(), user_id=OuterRef("pk"), course_id=course_id
            )
            users = users.filter(Exists(enrolled))
    profiles = UserProfile.objects.filter(user_id=OuterRef("pk"))
    return (
        user_model.objects.filter(pk__in=users.values("pk"), is_active=True)
        .annotate(
            wants_email=~Exists(profiles.filter(email_notifications=False)),
            lang=Subquery(profiles.values("lang")[:1]),
        )
        .order_by("pk")
    )


def notifications_of(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related(
        "insight", "insight__model"
    )


def notifications_unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user).unread().count()


def user_language(*, user: Any) -> str:
    """The language of the user's notifications: their choice, else the site's."""
    value = UserProfile.objects.filter(user=user).values_list("lang", flat=True).first()
    return value or settings.LANGUAGE_CODE


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
        .filter(predictions_total__gt=0)  # type: ignore[misc]  # annotated above
        .order_by(F("id"))
    )
