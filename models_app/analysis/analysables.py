"""What targets analyse, and in which order (Moodle's analysers).

- "course": every course (restricted to the model's contexts when it has some).
- "site": the whole site, one analysable (Moodle's SITEID, 1) from the first access
  of the site's admins to now.
- "user": every active user except superusers and the guest account (Moodle skips
  site admins and the guest), from when they joined, never ending.

`analysables_ordered` puts the least recently analysed first (never analysed before
all others), so a run cut short by the time limit continues where it stopped.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Min

from access.models import Context, ContextLevel
from lms.models import Course
from models_app.analysis.data import MAX_TIME, ts
from models_app.models import AnalyticsModel, UsedAnalysable
from models_app.plugins.base import Analysable

SITE_ID = 1


def _restricted_course_ids(context_ids: list[int]) -> set[int] | None:
    """Courses inside the given course or category contexts (None: no restriction)."""
    if not context_ids:
        return None
    paths = list(
        Context.objects.filter(id__in=context_ids).values_list("path", flat=True)
    )
    courses: set[int] = set()
    for path in paths:
        courses.update(
            Context.objects.filter(contextlevel=ContextLevel.COURSE)
            .filter(path__startswith=path.rstrip("/") + "/")
            .values_list("instanceid", flat=True)
        )
        courses.update(
            Context.objects.filter(
                contextlevel=ContextLevel.COURSE, path=path
            ).values_list("instanceid", flat=True)
        )
    return courses


def course_analysables(*, context_ids: list[int] | None = None) -> list[Analysable]:
    courses = Course.objects.all()
    restricted = _restricted_course_ids(context_ids or [])
    if restricted is not None:
        courses = courses.filter(id__in=restricted)
    contexts = dict(
        Context.objects.filter(contextlevel=ContextLevel.COURSE).values_list(
            "instanceid", "id"
        )
    )
    return [
        Analysable(
            id=row["id"],
            kind="course",
            start=ts(row["startdate"]),
            end=ts(row["enddate"]),
            context_id=contexts.get(row["id"]),
            name=row["fullname"],
            visible=row["visible"],
        )
        for row in courses.values("id", "startdate", "enddate", "fullname", "visible")
    ]


def site_analysable(*, now: int) -> Analysable:
    """Moodle's site analysable: from the admins' first access to now."""
    user_model = get_user_model()
    first = (
        user_model.objects.filter(is_superuser=True).aggregate(
            first=Min("profile__firstaccess")
        )["first"]
        or user_model.objects.filter(is_superuser=True).aggregate(
            first=Min("date_joined")
        )["first"]
    )
    system = Context.objects.filter(contextlevel=ContextLevel.SYSTEM).first()
    return Analysable(
        id=SITE_ID,
        kind="site",
        start=ts(first) or 0,
        end=now,
        context_id=system.id if system else None,
        name="Site",
    )


def user_analysables() -> list[Analysable]:
    user_model = get_user_model()
    users = (
        user_model.objects.filter(is_active=True, is_superuser=False)
        .exclude(username="guest")
        .values_list("id", "date_joined", "username")
    )
    contexts = dict(
        Context.objects.filter(contextlevel=ContextLevel.USER).values_list(
            "instanceid", "id"
        )
    )
    return [
        Analysable(
            id=uid,
            kind="user",
            start=ts(joined),
            end=MAX_TIME,
            context_id=contexts.get(uid),
            name=username,
        )
        for uid, joined, username in users
    ]


def analysables_list(*, kind: str, model: AnalyticsModel, now: int) -> list[Analysable]:
    if kind == "course":
        return course_analysables(context_ids=model.contexts or None)
    if kind == "site":
        return [site_analysable(now=now)]
    if kind == "user":
        return user_analysables()
    raise ValueError(f"Unknown analysable kind {kind!r}.")


def analysables_ordered(
    *, model: AnalyticsModel, action: str, analysables: list[Analysable]
) -> list[Analysable]:
    """Least recently analysed first (never analysed first of all), then by id."""
    last = dict(
        UsedAnalysable.objects.filter(model=model, action=action).values_list(
            "analysableid", "timeanalysed"
        )
    )
    return sorted(analysables, key=lambda a: (last.get(a.id, -1), a.id))
