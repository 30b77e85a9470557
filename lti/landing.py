"""Where a placed launch lands, decided by Foresight's capabilities (never LTI roles).

- someone who may list insights in the course's category (a category manager, a
  site manager) lands on the insights list, which shows the insights of every
  course they oversee, the category's among them;
- someone who may list the course's insights (a teacher) lands on them: the one
  insight of the course when there is one, else the course's page in lti/;
- someone who may only list their own insights (a student) lands on their own;
- anyone else is refused, without a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse

from access.models import ContextLevel
from access.selectors import context_of
from insights.models import Insight
from insights.selectors import (
    LISTINSIGHTS,
    LISTOWNINSIGHTS,
    course_viewable,
    insight_context_viewable,
    insights_visible_to,
)
from lms.models import Course


@dataclass(frozen=True)
class Landing:
    """The URL to go to (None: refused) and which rule chose it."""

    url: str | None
    kind: str  # "category", "course", "own" or "refused"


def course_insights_visible(*, user: Any, course: Course) -> Any:
    """The insights of `course` and its activities that `user` may see."""
    context = context_of(course)
    return insights_visible_to(user=user).filter(
        Q(context=context)
        | Q(context__parent=context, context__contextlevel=ContextLevel.MODULE)
    )


def own_insights_visible(*, user: Any) -> Any:
    return insights_visible_to(user=user).filter(
        context__contextlevel=ContextLevel.USER, context__instanceid=user.pk
    )


def _one_or(insights: Any, fallback: str) -> str:
    found: list[Insight] = list(insights.order_by("pk")[:2])
    return found[0].get_absolute_url() if len(found) == 1 else fallback


def landing_for(*, user: Any, course: Course) -> Landing:
    """Where `user`, launched from `course`, lands (see the module docstring)."""
    course_context = context_of(course)
    category_context = course_context.parent
    if (
        category_context is not None
        and category_context.contextlevel == ContextLevel.CATEGORY
        and user.has_perm(LISTINSIGHTS, category_context)
        and course_viewable(user=user, context=course_context)
    ):
        return Landing(reverse("insights:list"), "category")
    if insight_context_viewable(user=user, context=course_context):
        return Landing(
            _one_or(
                course_insights_visible(user=user, course=course),
                reverse("lti:course", args=[course.pk]),
            ),
            "course",
        )
    own = context_of(user)
    if own is not None and user.has_perm(LISTOWNINSIGHTS, own):
        return Landing(
            _one_or(own_insights_visible(user=user), reverse("insights:list")), "own"
        )
    return Landing(None, "refused")
