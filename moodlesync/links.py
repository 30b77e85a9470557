"""Links back to Moodle ("Open in Moodle") for synced courses, people and activities.

Built from MOODLE_WWWROOT and the Moodle ids the sync kept; None when the row was
not synced from Moodle or no address is set, so a page can simply leave the link
out. Paths are Moodle's own (3.9 to 4.5).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from moodlesync.models import ExternalId, Kind


def _root() -> str:
    return (getattr(settings, "MOODLE_WWWROOT", "") or "").rstrip("/")


def moodle_id_of(kind: int, local_id: int | None) -> int | None:
    """The Moodle id a Foresight row was synced from (None when it was not)."""
    if local_id is None:
        return None
    return (
        ExternalId.objects.filter(kind=kind, local_id=local_id)
        .values_list("moodle_id", flat=True)
        .first()
    )


def _url(path: str, **params: Any) -> str | None:
    root = _root()
    if not root or any(value is None for value in params.values()):
        return None
    return f"{root}{path}?{urlencode(params)}"


def moodle_course_url(*, course: Any) -> str | None:
    return _url("/course/view.php", id=moodle_id_of(Kind.COURSE, course.pk))


def moodle_user_url(*, user: Any, course: Any = None) -> str | None:
    """The user's profile; in a course, their course profile."""
    uid = moodle_id_of(Kind.USER, user.pk)
    if course is None:
        return _url("/user/profile.php", id=uid)
    return _url("/user/view.php", id=uid, course=moodle_id_of(Kind.COURSE, course.pk))


def moodle_activity_url(*, activity: Any) -> str | None:
    cmid = moodle_id_of(Kind.ACTIVITY, activity.pk)
    return _url(f"/mod/{activity.modname}/view.php", id=cmid)


def moodle_log_report_url(*, course: Any, user: Any = None) -> str | None:
    """Moodle's log report of the course (of one user in it when given)."""
    params = {"id": moodle_id_of(Kind.COURSE, course.pk), "chooselog": 1}
    if user is not None:
        params["user"] = moodle_id_of(Kind.USER, user.pk)
    return _url("/report/log/index.php", **params)


def sample_links(*, url_args: dict[str, Any]) -> list[tuple[str, str]]:
    """ "Open in Moodle" links of a prediction's sample (insights' link provider):
    the student's course profile, the course, and the student's log report."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    from lms.models import Course

    user_id, course_id = url_args.get("user_id"), url_args.get("course_id")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    course = Course.objects.filter(pk=course_id).first() if course_id else None
    candidates = []
    if user is not None:
        candidates.append(
            (_("Profile in Moodle"), moodle_user_url(user=user, course=course))
        )
    if course is not None:
        candidates.append((_("Course in Moodle"), moodle_course_url(course=course)))
        candidates.append(
            (
                _("Log report in Moodle"),
                moodle_log_report_url(course=course, user=user),
            )
        )
    return [(label, url) for label, url in candidates if url]
