"""Regularity indicators: weeks with activity, and the recent trend of activity."""

from __future__ import annotations

import pytest

from logstore.readers import LegacyLogReader, StandardLogReader
from tests.fixtures.analysis_site import (
    DAY,
    START,
    analysis_data,
    course,
    indicator_values,
    legacy_copy,
    log,
    student,
)

pytestmark = pytest.mark.django_db

READERS = {"standard": StandardLogReader, "legacy": LegacyLogReader}
# START is 2020-09-13 12:26:40 UTC; a course starting at midnight is what sites have.
MIDNIGHT = START - START % DAY


def _site():
    """Four weeks in: a steady student (one event a week), one who stopped after
    week 1, one who started in week 3, one never seen."""
    c = course(start=MIDNIGHT, end=MIDNIGHT + 56 * DAY)
    steady, stopped, late, silent = (student(c, timestart=MIDNIGHT) for _ in range(4))
    for week in range(4):
        log(steady.user_id, c, MIDNIGHT + week * 7 * DAY + 3600)
    for n in range(5):
        log(stopped.user_id, c, MIDNIGHT + DAY + n)
    for n in range(6):
        log(late.user_id, c, MIDNIGHT + 15 * DAY + n * 2 * DAY)
    del silent
    return c


@pytest.mark.parametrize("store", sorted(READERS))
def test_active_weeks_counts_weeks_with_any_event(store):
    c = _site()
    if store == "legacy":
        legacy_copy()
    data = analysis_data(
        [c], [(MIDNIGHT, MIDNIGHT + 28 * DAY)], reader=READERS[store]()
    )
    # 4 of 4 weeks, 1 of 4, 2 of 4 (weeks 3 and 4), none.
    assert indicator_values("active_weeks", data) == [1.0, -0.5, 0.0, -1.0]


@pytest.mark.parametrize("store", sorted(READERS))
def test_recent_activity_compares_the_last_two_weeks_with_before(store):
    c = _site()
    if store == "legacy":
        legacy_copy()
    data = analysis_data(
        [c], [(MIDNIGHT, MIDNIGHT + 28 * DAY)], reader=READERS[store]()
    )
    # steady: 2 events in the last 2 weeks (1/week) and 2 in the 2 before: 0.
    # stopped: nothing recent: -1. late: everything recent: 1. silent: -1.
    assert indicator_values("recent_activity", data) == [0.0, -1.0, 1.0, -1.0]


def test_regularity_counts_only_the_range_so_far_and_the_enrolment():
    c = _site()
    # Ten days in: week 1 complete, week 2 three days old.
    data = analysis_data([c], [(MIDNIGHT, MIDNIGHT + 10 * DAY)])
    assert indicator_values("active_weeks", data) == [1.0, 0.0, -1.0, -1.0]
    # Fewer than three weeks: no "before" to compare with.
    assert indicator_values("recent_activity", data) == [None] * 4
    # Enrolled on day 14: weeks count from then, so the late student is regular.
    late_enrolment = student(c, timestart=MIDNIGHT + 14 * DAY)
    for day in (15, 22):
        log(late_enrolment.user_id, c, MIDNIGHT + day * DAY)
    data = analysis_data([c], [(MIDNIGHT, MIDNIGHT + 28 * DAY)])
    assert indicator_values("active_weeks", data)[-1] == 1.0
