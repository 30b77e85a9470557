"""The "compared with classmates" indicators: standardised within course and range.

Rows are one per (student, range), students in enrolment order.
"""

from __future__ import annotations

import numpy as np
import pytest

from lms.models import ActivityGrade
from models_app.plugins.indicators.classmates import SPREAD, group_standardised
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


def _expected(values: list[float]) -> list[float]:
    """(v - mean) / sd / SPREAD, capped and rounded, worked out the long way."""
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    return [round(max(-1.0, min(1.0, (v - mean) / sd / SPREAD)), 2) for v in values]


def test_group_standardised_uses_only_each_groups_own_values():
    values = np.array([1.0, 2.0, 3.0, 10.0, 10.0, np.nan, 4.0])
    groups = np.array([7, 7, 7, 2, 2, 9, 9])
    z = group_standardised(values, groups)
    sd = (2 / 3) ** 0.5  # of 1, 2, 3
    assert z[:3].tolist() == pytest.approx([-1 / sd, 0.0, 1 / sd])
    assert z[3:5].tolist() == [0.0, 0.0]  # everyone equal
    assert np.isnan(z[5]) and z[6] == 0.0  # no value; alone with one: the mean
    # Another group's values change nothing.
    more = group_standardised(np.append(values, 1000.0), np.append(groups, 2))
    assert more[:3].tolist() == z[:3].tolist()
    assert np.isnan(more[5]) and more[6] == z[6]
    assert group_standardised(np.zeros(0), np.zeros(0, dtype=np.int64)).tolist() == []


def test_group_standardised_leaves_missing_values_out_of_the_mean_and_spread():
    # A missing value is "no value yet", not 0 on the base scale (for assessment
    # scores 0 is "50%"): it stays NaN and moves nobody else.
    z = group_standardised(np.array([0.6, 0.6, 0.6, np.nan]), np.zeros(4))
    assert z[:3].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(z[3])
    values = np.array([np.nan, 1.0, np.nan, 2.0, 3.0, np.nan, np.nan, 5.0])
    groups = np.array([1, 1, 1, 1, 1, 2, 2, 3])
    z = group_standardised(values, groups)
    sd = (2 / 3) ** 0.5  # of 1, 2, 3 alone
    assert z[[1, 3, 4]].tolist() == pytest.approx([-1 / sd, 0.0, 1 / sd])
    assert np.isnan(z[[0, 2, 5, 6]]).all()  # group 2 has no value at all
    assert z[7] == 0.0  # the only value of its group: the class mean
    # The same as the finite values alone.
    assert (
        z[[1, 3, 4]].tolist()
        == group_standardised(np.array([1.0, 2.0, 3.0]), np.ones(3)).tolist()
    )


def test_assessment_scores_classmates_has_no_value_while_the_grade_waits():
    c = course()
    task = activity(c, "assign", due=START + 10 * DAY, grade_max=100)
    first, second, third, waiting = (student(c) for _ in range(4))
    for enrolment, score in ((first, 80), (second, 80), (third, 80), (waiting, None)):
        ActivityGrade.objects.create(
            user_id=enrolment.user_id,
            activity=task,
            grade=score,
            timesubmitted=when(START + 9 * DAY),
        )
    data = analysis_data([c], [(START, START + 10 * DAY)])
    assert indicator_values("assessment_scores", data) == [0.6, 0.6, 0.6, None]
    # Not [0.19, 0.19, 0.19, -0.58]: the waiting student is neither below the
    # class nor pulling the others above it.
    assert indicator_values("assessment_scores_classmates", data) == [0, 0, 0, None]

    # With different scores, the classmates with a score are standardised among
    # themselves, as if the waiting student were not there.
    ActivityGrade.objects.filter(user_id=second.user_id).update(grade=40)
    ActivityGrade.objects.filter(user_id=third.user_id).update(grade=60)
    data = analysis_data([c], [(START, START + 10 * DAY)])
    assert indicator_values("assessment_scores", data) == [0.6, -0.2, 0.2, None]
    assert indicator_values("assessment_scores_classmates", data) == [
        *_expected([0.6, -0.2, 0.2]),
        None,
    ]


def test_classmates_indicators_are_group_relative():
    from models_app.plugins.indicators.classmates import ComparedWithClassmates

    assert ComparedWithClassmates.group_relative is True


def test_days_since_last_access_classmates_standardises_within_course_and_range():
    c = course()
    forum = activity(c, "forum")
    last_day, a_week, never = (student(c) for _ in range(3))
    end = START + 40 * DAY
    log(last_day.user_id, c, end - 3600)
    log(a_week.user_id, c, end - 7 * DAY - 5, cm=forum)
    # Second range: only `never` is seen, on its last day.
    log(never.user_id, c, end + 10 * DAY - 60)
    ranges = [(START, end), (end, end + 10 * DAY)]
    alone = analysis_data([c], ranges)
    # days_since_last_access: 1, 0.5, -1 in range 0; -1, -1, 1 in range 1.
    assert indicator_values("days_since_last_access", alone) == [1, -1, 0.5, -1, -1, 1]
    first, second = _expected([1, 0.5, -1]), _expected([-1, -1, 1])
    want = [first[0], second[0], first[1], second[1], first[2], second[2]]
    assert indicator_values("days_since_last_access_classmates", alone) == want
    assert want[:2] == [0.33, -0.24]  # the class mean 1/6, sd 0.85: a sanity check

    # A course beside it, with a very different student, changes nothing in `c`.
    other = course()
    busy = student(other)
    log(busy.user_id, other, end - 60)
    both = analysis_data([c, other], ranges)
    assert indicator_values("days_since_last_access_classmates", both) == [
        *want,
        0,  # alone in its course and range: the class mean
        0,
    ]


def test_classmates_indicators_have_no_mean_column():
    from models_app.plugins import registry

    for key in (
        "read_actions_classmates",
        "days_since_last_access_classmates",
        "assessments_submitted_classmates",
        "assessment_scores_classmates",
    ):
        assert registry.indicator_class(key)().columns() == [key]
