"""What the class did, in raw figures, for the pages that explain predictions.

Indicator values are encoded in [-1, 1]; a teacher needs the facts behind them
("no access for 12 days", "2 of 3 graded activities handed in"). This module reads
them for one course in a fixed number of queries (one log query, one for the
students, one for graded activities, one for their grades), whatever the class size.
The class is the users holding a student role in the course (as the analysis).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from access.models import Context, ContextLevel, RoleAssignment
from lms.models import Activity, ActivityGrade, Course

DAY = 86400
WEEK = 7 * DAY


def _ts(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def course_students(course: Course) -> set[int]:
    """Users holding a student-archetype role in the course context or a parent."""
    context = Context.objects.filter(
        contextlevel=ContextLevel.COURSE, instanceid=course.pk
    ).first()
    if context is None:
        return set()
    ids = [int(p) for p in context.path.strip("/").split("/") if p]
    return set(
        RoleAssignment.objects.filter(
            context_id__in=ids, role__archetype="student"
        ).values_list("user_id", flat=True)
    )


@dataclass(frozen=True)
class GradedActivity:
    """A graded activity with a due date, and when each student handed it in."""

    name: str
    due: int
    grade_max: float
    submitted: dict[int, int | None]  # user -> submission time (None: graded only)
    grades: dict[int, float]


@dataclass
class CourseActivity:
    """Events per student and UTC day in one course, up to `until`, and the
    course's graded activities."""

    course: Course
    until: int
    students: set[int]
    daily: dict[int, dict[int, int]] = field(default_factory=dict)
    graded: list[GradedActivity] = field(default_factory=list)

    def events(self, user: int, start: int, end: int) -> int:
        """The user's events in [start, end] (days that overlap)."""
        days = self.daily.get(user, {})
        first, last = start // DAY, end // DAY
        return sum(n for day, n in days.items() if first <= day <= last)

    def class_median(self, start: int, end: int) -> float:
        """The median of the students' events in [start, end] (0 when no student)."""
        if not self.students:
            return 0.0
        return float(
            statistics.median(self.events(u, start, end) for u in self.students)
        )

    def last_access(self, user: int, until: int) -> int | None:
        """The start of the last UTC day with an event of the user up to `until`."""
        days = [day for day in self.daily.get(user, {}) if day * DAY <= until]
        return max(days) * DAY if days else None

    def weeks(self, start: int, until: int) -> list[int]:
        """Week starts from `start` to `until` (at most 52, the latest ones)."""
        starts = list(range(start, until + 1, WEEK))
        return starts[-52:]

    def due_by(self, until: int) -> list[GradedActivity]:
        return [a for a in self.graded if a.due <= until]

    def handed_in(self, user: int, until: int) -> tuple[int, int]:
        """(handed in by `until`, due by `until`) graded activities of the user."""
        return self._handed_in(user, until, on_time=False)

    def on_time(self, user: int, until: int) -> tuple[int, int]:
        """(handed in by `until` and by their due date, due by `until`) graded
        activities of the user, as the assessments_on_time indicator counts them."""
        return self._handed_in(user, until, on_time=True)

    def _handed_in(self, user: int, until: int, *, on_time: bool) -> tuple[int, int]:
        due = self.due_by(until)
        done = 0
        for activity in due:
            if user not in activity.submitted:
                continue
            when = activity.submitted[user]
            if when is None and user not in activity.grades:
                continue  # a grade row with neither grade nor submission
            # A grade without a submission time was handed in by the due date.
            when = when if when is not None else activity.due
            if when <= until and (not on_time or when <= activity.due):
                done += 1
        return done, len(due)

    def average_score(self, user: int, until: int) -> float | None:
        """Mean of grade / maximum grade over activities due by `until`, missing
        work counting 0 (as the assessment_scores indicator); None before any."""
        due = self.due_by(until)
        if not due:
            return None
        scores = [a.grades.get(user, 0.0) / a.grade_max for a in due if a.grade_max]
        return sum(scores) / len(scores) if scores else None


def course_activity(*, course: Course, until: int) -> CourseActivity:
    """The course's activity up to `until`, in four queries."""
    from logstore.readers import get_reader

    students = course_students(course)
    activity = CourseActivity(course=course, until=until, students=students)
    _course, users, days, counts = get_reader().daily_counts(
        course_ids=[course.pk], until=until
    )
    for user, day, n in zip(
        users.tolist(), days.tolist(), counts.tolist(), strict=True
    ):
        if user in students:
            activity.daily.setdefault(user, {})[day] = n
    graded = list(
        Activity.objects.filter(
            course=course, visible=True, duedate__isnull=False, grade_max__gt=0
        ).order_by("duedate", "pk")
    )
    submitted: dict[int, dict[int, int | None]] = {a.pk: {} for a in graded}
    grades: dict[int, dict[int, float]] = {a.pk: {} for a in graded}
    for row in ActivityGrade.objects.filter(
        activity__in=graded, user_id__in=students
    ).values("activity_id", "user_id", "grade", "timesubmitted"):
        submitted[row["activity_id"]][row["user_id"]] = _ts(row["timesubmitted"])
        if row["grade"] is not None:
            grades[row["activity_id"]][row["user_id"]] = float(row["grade"])
    activity.graded = [
        GradedActivity(
            name=a.name,
            due=_ts(a.duedate) or 0,
            grade_max=float(a.grade_max),
            submitted=submitted[a.pk],
            grades=grades[a.pk],
        )
        for a in graded
    ]
    return activity
