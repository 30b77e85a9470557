"""Guess course start and end dates from enrolments and the activity log.

Many real courses have no end date (or a wrong start date), and analytics skips
them. Moodle's `guess_course_start_and_end.php` rules:

- start: the mean of the median first student access to the course and the median
  student enrolment start;
- end: none while any student accessed the course in the last 8 weeks; otherwise the
  median of the students' last accesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from access.models import ContextLevel, Role, RoleAssignment
from lms.models import Course, Enrolment
from settings_app.selectors import analytics_settings

RECENT_ACCESS_SECONDS = 8 * 7 * 24 * 3600


@dataclass(frozen=True)
class CourseDateGuess:
    course_id: int
    shortname: str
    current_start: datetime | None
    current_end: datetime | None
    guessed_start: datetime | None
    guessed_end: datetime | None
    reason: str = ""


def _as_datetime(timestamp: float | None) -> datetime | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(int(round(timestamp)), tz=UTC)


def _student_ids_by_course(course_ids: list[int]) -> dict[int, set[int]]:
    """Users holding a student-archetype role in each course's context."""
    rows = RoleAssignment.objects.filter(
        context__contextlevel=ContextLevel.COURSE,
        context__instanceid__in=course_ids,
        role__archetype=Role.Archetype.STUDENT,
    ).values_list("context__instanceid", "user_id")
    students: dict[int, set[int]] = {course_id: set() for course_id in course_ids}
    for course_id, user_id in rows:
        students[course_id].add(user_id)
    return students


def _first_last_access(course_ids: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """(course, user) -> (first, last) log time, from the configured log store."""
    if not course_ids:
        return {}
    if analytics_settings().logstore == "legacy":
        table, course_col, time_col = "logstore_legacy_log", "course", "time"
    else:
        table, course_col, time_col = "logstore_standard_log", "courseid", "timecreated"
    placeholders = ", ".join(["%s"] * len(course_ids))
    sql = (
        f"SELECT {course_col}, userid, MIN({time_col}), MAX({time_col}) "  # noqa: S608
        f"FROM {table} WHERE {course_col} IN ({placeholders}) "
        f"GROUP BY {course_col}, userid"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, course_ids)
        return {(c, u): (first, last) for c, u, first, last in cursor.fetchall()}


def course_dates_guess(
    *,
    guess_start: bool = True,
    guess_end: bool = True,
    guess_all: bool = False,
    course_ids: list[int] | None = None,
    now: int | None = None,
) -> list[CourseDateGuess]:
    """Guess dates for courses; only those missing a date unless `guess_all`."""
    now = int(now if now is not None else datetime.now(tz=UTC).timestamp())
    courses = Course.objects.order_by("id")
    if course_ids:
        courses = courses.filter(id__in=course_ids)
    if not guess_all:
        missing = Q()
        if guess_start:
            missing |= Q(startdate__isnull=True)
        if guess_end:
            missing |= Q(enddate__isnull=True)
        courses = courses.filter(missing) if missing else courses.none()
    courses = list(courses)  # type: ignore[assignment]  # evaluated once, here
    ids = [course.id for course in courses]
    students = _student_ids_by_course(ids)
    access = _first_last_access(ids)
    enrol_starts: dict[int, list[float]] = {course_id: [] for course_id in ids}
    for course_id, user_id, timestart in Enrolment.objects.filter(
        course_id__in=ids, timestart__isnull=False
    ).values_list("course_id", "user_id", "timestart"):
        if user_id in students[course_id]:
            enrol_starts[course_id].append(timestart.timestamp())  # type: ignore[union-attr]

    guesses = []
    for course in courses:
        firsts = [
            access[(course.id, user)][0]
            for user in students[course.id]
            if (course.id, user) in access
        ]
        lasts = [
            access[(course.id, user)][1]
            for user in students[course.id]
            if (course.id, user) in access
        ]
        start = end = None
        reasons = []
        if guess_start:
            parts = [
                float(np.median(v)) for v in (firsts, enrol_starts[course.id]) if v
            ]
            if parts:
                start = _as_datetime(float(np.mean(parts)))
            else:
                reasons.append("no student accesses or enrolment starts")
        if guess_end:
            if not lasts:
                reasons.append("no student accesses")
            elif max(lasts) >= now - RECENT_ACCESS_SECONDS:
                reasons.append("students accessed it in the last 8 weeks")
            else:
                end = _as_datetime(float(np.median(lasts)))
        guesses.append(
            CourseDateGuess(
                course_id=course.id,
                shortname=course.shortname,
                current_start=course.startdate,
                current_end=course.enddate,
                guessed_start=start,
                guessed_end=end,
                reason="; ".join(reasons),
            )
        )
    return guesses


@transaction.atomic
def course_dates_apply(*, guesses: list[CourseDateGuess]) -> int:
    """Write the guessed dates; a guess that would end a course before it starts
    is not written. Returns how many courses changed."""
    changed = 0
    for guess in guesses:
        course = Course.objects.select_for_update().get(pk=guess.course_id)
        start = guess.guessed_start or course.startdate
        end = guess.guessed_end or course.enddate
        if start and end and end < start:
            continue
        if (start, end) != (course.startdate, course.enddate):
            course.startdate, course.enddate = start, end
            course.full_clean()
            course.save(update_fields=["startdate", "enddate"])
            changed += 1
    return changed
