"""Every indicator on the chunks a real site produces on an ordinary night.

A prediction run analyses only the (sample, range) pairs it has not predicted yet, so
a chunk is often one new student with no event at all, in a course that may have no
activities, or no sample whatever. Each indicator must give one value per row there
(a number in [-1, 1] or NaN), never fail: one failing indicator fails the whole run.
"""

from __future__ import annotations

import numpy as np
import pytest

from logstore.readers import LegacyLogReader, StandardLogReader
from models_app.plugins import registry
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    analysis_data,
    course,
    log,
    student,
    teacher,
)

pytestmark = pytest.mark.django_db

INDICATOR_KEYS = sorted(registry.INDICATORS)
READERS = {"standard": StandardLogReader, "legacy": LegacyLogReader}
RANGES = [(START, START + 10 * DAY), (START, START + 20 * DAY)]


def _values(key: str, data) -> np.ndarray:
    values = np.asarray(registry.indicator_class(key)().calculate(data), dtype=float)
    assert values.shape == (len(data.rows),)
    finite = values[~np.isnan(values)]
    assert np.all((finite >= -1) & (finite <= 1)), values
    return values


def _site_with_activities(*, silent_only: bool):
    """A course with graded, due and plain activities; one silent new student.

    With `silent_only` nobody has any event; otherwise a classmate has events (in
    another chunk of a prediction run, the silent student is analysed alone).
    """
    c = course()
    teacher(c)
    forum = activity(c, "forum", section=1)
    activity(c, "assign", section=2, due=START + 5 * DAY, grade_max=100)
    activity(c, "quiz", section=3, due=START + 15 * DAY, grade_max=10)
    activity(c, "page", section=0)
    if not silent_only:
        other = student(c)
        log(other.user_id, c, START + DAY)
        log(other.user_id, c, START + DAY + 1, cm=forum, crud="c")
    return c


@pytest.mark.parametrize("store", sorted(READERS))
@pytest.mark.parametrize("key", INDICATOR_KEYS)
def test_a_new_student_without_events_gets_a_value_from_every_indicator(key, store):
    c = _site_with_activities(silent_only=True)
    student(c)
    data = analysis_data([c], RANGES, reader=READERS[store]())
    assert len(data.rows) == 2
    _values(key, data)


@pytest.mark.parametrize("store", sorted(READERS))
@pytest.mark.parametrize("key", INDICATOR_KEYS)
def test_a_course_without_activities_or_events_gets_a_value(key, store):
    c = course()
    student(c)
    student(c)
    data = analysis_data([c], RANGES, reader=READERS[store]())
    assert len(data.rows) == 4
    _values(key, data)


@pytest.mark.parametrize("key", INDICATOR_KEYS)
def test_an_empty_chunk_gives_no_values(key):
    c = course()  # no student: no sample, no row
    data = analysis_data([c], RANGES)
    assert len(data.rows) == 0
    assert _values(key, data).shape == (0,)


@pytest.mark.parametrize("key", INDICATOR_KEYS)
def test_a_silent_student_beside_an_active_one_is_not_credited(key):
    """The silent student's values are those of a student with no event at all."""
    c = _site_with_activities(silent_only=False)
    student(c)
    together = _values(key, analysis_data([c], RANGES))
    # Rows: the active classmate's two ranges, then the silent student's.
    alone_site = _site_with_activities(silent_only=True)
    student(alone_site)
    alone = _values(key, analysis_data([alone_site], RANGES))
    if key == "relative_activity" or key.endswith("_classmates"):
        # Relative to the class: the only student of a class has no one to compare.
        assert np.all(together[2:] <= alone)
    else:
        np.testing.assert_array_equal(together[2:], alone)


ENROLMENT_TARGETS = sorted(
    key
    for key in registry.TARGETS
    if registry.target_class(key).sample_kind == "enrolment"
)


@pytest.mark.parametrize("key", ENROLMENT_TARGETS)
def test_targets_label_and_validate_a_chunk_of_silent_students(key):
    c = _site_with_activities(silent_only=True)
    student(c)
    data = analysis_data([c], RANGES)
    target = registry.target_class(key)()
    indicators = {k: _values(k, data) for k in INDICATOR_KEYS}
    for mode in ("training", "prediction"):
        assert target.samples_valid(data=data, mode=mode, now=START).shape == (1,)
        assert target.rows_valid(data=data, mode=mode).shape == (2,)
    labels = np.asarray(target.calculate(data=data, indicators=indicators), float)
    assert labels.shape == (2,)
