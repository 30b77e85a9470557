"""A small site for the run tests: finished courses to learn from, one running
course to predict, and students who drop out (no access in the last quarter).

Helpers only (not a test module); the integration tests use the site generator.
"""

from __future__ import annotations

from models_app.models import AnalyticsModel
from tests.fixtures.analysis_site import DAY, START, course, log, student, teacher

NOW = START + 50 * DAY
INDICATORS = ["any_course_access", "any_write_action_in_course", "read_actions"]


def finished_course(*, students: int = 24):
    """A 40-day course; even students active until the end, odd ones leave in the
    first quarter. Enough samples for any estimator to learn the difference."""
    c = course()
    teacher(c)
    for n in range(students):
        enrolment = student(c)
        # Dropout needs ten course views per student on average (Moodle's rule).
        days = range(1, 39, 3) if n % 2 == 0 else range(0, 10)
        for day in days:
            log(enrolment.user_id, c, START + day * DAY + n)
    return c


def running_course(*, students: int = 4):
    """A course half way through at NOW (quarters: two ranges are over)."""
    begin = START + 30 * DAY
    c = course(start=begin, end=begin + 40 * DAY)
    teacher(c)
    for n in range(students):
        enrolment = student(c, timestart=begin - DAY)
        days = [1, 6, 12, 17] if n % 2 == 0 else [1]
        for day in days:
            log(enrolment.user_id, c, begin + day * DAY + n)
    return c


def dropout_model(**kwargs) -> AnalyticsModel:
    fields = {
        "target": "course_dropout",
        "indicators": INDICATORS,
        "interval": "quarters",
        "enabled": True,
        "version": 1,
    }
    fields.update(kwargs)
    return AnalyticsModel.objects.create(**fields)
