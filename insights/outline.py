"""A student's outline in a course (the "Outline report" action): each activity with
the student's events, last access and grade, as Moodle's outline report shows them.

Read from the log store the analytics settings choose, in one query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from insights.describe import unix_to_datetime
from lms.models import Activity, ActivityGrade, Enrolment
from logstore.readers import get_reader

COURSE_LEVEL, MODULE_LEVEL = 50, 70


@dataclass
class OutlineRow:
    activity: Activity
    events: int
    last: dt.datetime | None
    grade: Decimal | None
    submitted: dt.datetime | None
    #: Due before now, with nothing handed in: the page says so instead of "—".
    missed: bool = False


@dataclass
class Outline:
    events: int
    course_page_events: int
    last: dt.datetime | None
    rows: list[OutlineRow]


def student_outline(*, enrolment: Enrolment, now: dt.datetime | None = None) -> Outline:
    """The visible activities of the enrolment's course, in course order."""
    now = now or timezone.now()
    seen = get_reader().user_course_activity(
        course_id=enrolment.course_id, user_id=enrolment.user_id
    )
    grades = {
        g.activity_id: g
        for g in ActivityGrade.objects.filter(
            user_id=enrolment.user_id, activity__course_id=enrolment.course_id
        )
    }
    rows = []
    for activity in Activity.objects.filter(
        course_id=enrolment.course_id, visible=True
    ).order_by("section", "id"):
        events, last = seen.get((MODULE_LEVEL, activity.pk), (0, 0))
        grade = grades.get(activity.pk)
        rows.append(
            OutlineRow(
                activity=activity,
                events=events,
                last=unix_to_datetime(last or None),
                grade=grade.grade if grade else None,
                submitted=grade.timesubmitted if grade else None,
                missed=bool(
                    activity.duedate
                    and activity.duedate < now
                    and not (grade and (grade.timesubmitted or grade.grade is not None))
                ),
            )
        )
    return Outline(
        events=sum(n for n, _last in seen.values()),
        course_page_events=seen.get((COURSE_LEVEL, enrolment.course_id), (0, 0))[0],
        last=unix_to_datetime(max((t for _n, t in seen.values()), default=None)),
        rows=rows,
    )
