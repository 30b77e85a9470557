"""Foresight's own indicators (not in Moodle), with expected values worked out here.

Rows are one per (student, range), students in enrolment order.
"""

from __future__ import annotations

import numpy as np
import pytest

from lms.models import ActivityGrade
from models_app.plugins.indicators.relative_activity import mid_rank_share
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    analysis_data,
    course,
    indicator_values,
    log,
    student,
    when,
)

pytestmark = pytest.mark.django_db


def grade(enrolment, activity_, value, submitted: int | None) -> None:
    ActivityGrade.objects.create(
        user_id=enrolment.user_id,
        activity=activity_,
        grade=value,
        timesubmitted=when(submitted),
    )


def test_mid_rank_share_ranks_within_each_group_with_ties_halved():
    values = np.array([5.0, 1.0, 5.0, 3.0, 7.0, 7.0])
    groups = np.array([0, 0, 0, 0, 1, 1])
    # Group 0 sorted: 1, 3, 5, 5. The 5s: 2 below, 2 equal -> (2 + 1) / 4.
    assert mid_rank_share(values, groups).tolist() == [
        0.75,
        0.125,
        0.75,
        0.375,
        0.5,
        0.5,
    ]
    assert mid_rank_share(np.zeros(0), np.zeros(0, dtype=np.int64)).tolist() == []


def test_relative_activity_ranks_students_of_the_same_course_and_range():
    c, other = course(), course()
    top, middle, low, idle = (student(c) for _ in range(4))
    alone = student(other)
    for n, enrolment in ((6, top), (3, middle), (1, low)):
        for i in range(n):
            log(enrolment.user_id, c, START + 10 + i)
    log(alone.user_id, other, START + 10)
    # Second range: only `low` is active.
    log(low.user_id, c, START + 15 * DAY)
    ranges = [(START, START + 10 * DAY), (START + 10 * DAY, START + 20 * DAY)]
    data = analysis_data([c, other], ranges)
    # Range 0 of c sorted: 0, 1, 3, 6 -> mid-ranks .125, .375, .625, .875.
    # Range 1: three at 0, `low` alone at the top: (3 + .5) / 4 = .875.
    assert indicator_values("relative_activity", data) == [
        0.75, -1,  # top
        0.25, -1,  # middle
        -0.25, 0.75,  # low
        -1, -1,  # idle: no event is -1 whatever the rank
        0, -1,  # alone in its course: the median of one
    ]  # fmt: skip


def test_days_since_last_access_counts_back_from_the_range_end():
    c = course()
    forum = activity(c, "forum")
    last_day, a_week, long_ago, never = (student(c) for _ in range(4))
    end = START + 40 * DAY
    log(last_day.user_id, c, end - 3600)
    log(a_week.user_id, c, end - 7 * DAY - 5, cm=forum)  # activity events count
    log(long_ago.user_id, c, START + 5)  # 39 days before the end: beyond 4 weeks
    log(long_ago.user_id, c, end + DAY)  # after the range: not seen
    data = analysis_data([c], [(START, end)])
    # 1 - 2 * days / 28: 0 days 1, 7 days 0.5, 28 or more -1, none -1.
    assert indicator_values("days_since_last_access", data) == [1, 0.5, -1, -1]
    del never


def test_assessment_indicators_count_what_fell_due_since_enrolment():
    c = course()  # START .. START + 40 days
    first = activity(c, "assign", due=START + 10 * DAY, grade_max=50)
    second = activity(c, "quiz", due=START + 25 * DAY, grade_max=100)
    activity(c, "assign", due=START + 15 * DAY, grade_max=0)  # ungraded: ignored
    activity(c, "assign", due=START + 12 * DAY, grade_max=10, visible=False)
    activity(c, "forum", grade_max=10)  # no due date: ignored
    good, late, missing = (student(c) for _ in range(3))
    joined_late = student(c, timestart=START + 20 * DAY)
    grade(good, first, 40, START + 9 * DAY)  # 0.8
    grade(good, second, 60, START + 24 * DAY)  # 0.6
    grade(late, first, 50, START + 12 * DAY)  # handed in 2 days late
    grade(late, second, None, START + 25 * DAY)  # not graded yet
    grade(joined_late, second, 100, START + 22 * DAY)
    ranges = [
        (START, START + 5 * DAY),  # nothing due yet
        (START + 5 * DAY, START + 11 * DAY),  # first due
        (START + 11 * DAY, START + 30 * DAY),  # both due (whatever the range start)
    ]
    data = analysis_data([c], ranges)
    # good: 1/1, 2/2. late: 0/1 at day 11 (handed in at day 12), then 2/2.
    # missing: 0/1, 0/2. joined_late: the first fell due before the enrolment; 1/1.
    assert indicator_values("assessments_submitted", data) == [
        None, 1, 1,
        None, -1, 1,
        None, -1, -1,
        None, None, 1,
    ]  # fmt: skip
    # On time: good 1/1, 2/2. late: the first 2 days late, the second on its due
    # day: 0/1, then 1/2. missing: none. joined_late: 1/1.
    assert indicator_values("assessments_on_time", data) == [
        None, 1, 1,
        None, -1, 0,
        None, -1, -1,
        None, None, 1,
    ]  # fmt: skip
    # good: .8, then (.8 + .6) / 2 = .7. late: 0 (missing at day 11), then 1 for the
    # first and the second left out while ungraded. missing: 0. joined_late: 1.
    assert indicator_values("assessment_scores", data) == [
        None, 0.6, 0.4,
        None, -1, 1,
        None, -1, -1,
        None, None, 1,
    ]  # fmt: skip


def test_assessment_scores_wait_for_the_due_date_when_handed_in_early():
    c = course()
    task = activity(c, "assign", due=START + 10 * DAY, grade_max=100)
    early = student(c)
    grade(early, task, 30, START + 2 * DAY)
    data = analysis_data(
        [c], [(START, START + 10 * DAY - 1), (START, START + 10 * DAY)]
    )
    # Not due yet in the first range: no value; due and known in the second.
    assert indicator_values("assessment_scores", data) == [None, -0.4]


def test_assessments_nobody_handed_in_count_as_missing():
    c = course()
    activity(c, "assign", due=START + 5 * DAY, grade_max=100)
    student(c)
    data = analysis_data([c], [(START, START + 10 * DAY)])
    assert indicator_values("assessments_submitted", data) == [-1]
    assert indicator_values("assessment_scores", data) == [-1]


def test_assessments_on_time_read_nothing_after_the_range_end():
    c = course()
    task = activity(c, "assign", due=START + 10 * DAY, grade_max=100)
    other = activity(c, "quiz", due=START + 20 * DAY, grade_max=10)
    graded_only, on_the_day, after_the_end = (student(c) for _ in range(3))
    grade(graded_only, task, 70, None)  # a grade without a submission time
    grade(on_the_day, task, 50, START + 10 * DAY)
    grade(after_the_end, task, 50, START + 11 * DAY)
    ranges = [(START, START + 10 * DAY), (START, START + 20 * DAY)]
    before = indicator_values("assessments_on_time", analysis_data([c], ranges))
    # The second range: `task` 1 of 2 for the first two, `other` missing.
    # after_the_end: not handed in by day 10, and late (day 11) by day 20.
    assert before == [1, 0, 1, 0, -1, -1]
    # Work handed in after the first range's end changes nothing in it, and
    # the second activity handed in on time by all after both ends neither.
    for enrolment in (graded_only, on_the_day, after_the_end):
        grade(enrolment, other, 5, START + 20 * DAY + 1)
    assert indicator_values("assessments_on_time", analysis_data([c], ranges)) == before
