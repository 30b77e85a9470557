"""Activities due (Moodle's core_course activities_due)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.analysis.data import ts
from models_app.plugins.indicators.kinds import BinaryIndicator, binary

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


def due_activities(data: AnalysisData) -> dict[int, list[dict[str, Any]]]:
    """user id -> the activities the user still has to do, with their due time.

    Moodle asks the calendar for action events: due activities the user can still act
    on. Here: visible activities with a due date, in visible courses where the user
    has an active enrolment that has not ended, not completed and not submitted by
    the user. One query for the whole chunk.
    """
    from lms.models import Activity, ActivityCompletion, ActivityGrade, Enrolment

    def load() -> dict[int, list[dict[str, Any]]]:
        users = np.unique(data.samples.user).tolist()
        enrolled: dict[int, set[int]] = {}
        for user, course, end in Enrolment.objects.filter(
            user_id__in=users, status=Enrolment.Status.ACTIVE, course__visible=True
        ).values_list("user_id", "course_id", "timeend"):
            if end is None or cast(int, ts(end)) > data.now:
                enrolled.setdefault(course, set()).add(user)
        activities = list(
            Activity.objects.filter(
                course_id__in=list(enrolled), visible=True, duedate__isnull=False
            ).values_list("id", "course_id", "name", "duedate", "course__fullname")
        )
        ids = [a[0] for a in activities]
        done = set(
            ActivityCompletion.objects.filter(
                activity_id__in=ids, user_id__in=users, state__gt=0
            ).values_list("user_id", "activity_id")
        )
        done |= set(
            ActivityGrade.objects.filter(
                activity_id__in=ids, user_id__in=users, timesubmitted__isnull=False
            ).values_list("user_id", "activity_id")
        )
        out: dict[int, list[dict[str, Any]]] = {}
        for aid, course, name, due, coursename in activities:
            for user in enrolled.get(course, ()):
                if (user, aid) not in done:
                    out.setdefault(user, []).append(
                        {
                            "id": aid,
                            "name": name,
                            "time": ts(due),
                            "courseid": course,
                            "coursename": coursename,
                        }
                    )
        return out

    return data.memo("activities_due", load)


class ActivitiesDue(BinaryIndicator):
    """1 when the user has an activity due in the range (start <= due <= end).

    The activities themselves (name, due time, course) are what the insight lists;
    `due_in_rows(data)` gives them per row.
    """

    key = "activities_due"
    label = _("Activities due")
    moodle_id = "\\core_course\\analytics\\indicator\\activities_due"
    sample_kinds = frozenset({"user", "enrolment"})

    def due_in_rows(self, data: AnalysisData) -> list[list[dict[str, Any]]]:
        due = due_activities(data)
        users = data.row_user.tolist()
        starts, ends = data.row_start.tolist(), data.row_end.tolist()
        return [
            [a for a in due.get(u, ()) if s <= a["time"] <= e]
            for u, s, e in zip(users, starts, ends, strict=True)
        ]

    def row_details(self, data: AnalysisData) -> list[list[dict[str, Any]]]:
        return self.due_in_rows(data)

    def calculate(self, data: AnalysisData) -> np.ndarray:
        rows = self.due_in_rows(data)
        return binary(np.array([bool(r) for r in rows], dtype=bool))
