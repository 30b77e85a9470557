"""Days since the last access per kind of activity (reading, assessment,
communication), with expected values worked out here.

Rows are one per (student, range), students in enrolment order, courses in id order.
"""

from __future__ import annotations

import pytest

from lms.models import Activity, ActivityGrade, Enrolment
from logstore.readers import StandardLogReader
from models_app.analysis.chunk import activity_detail_needed
from models_app.plugins import registry
from models_app.plugins.indicators.days_since_last_kind_access import (
    DaysSinceLastAssessmentComparedWithClassmates,
    DaysSinceLastReading,
    last_access_per_kind,
)
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

END = START + 40 * DAY
KEYS = (
    "days_since_last_reading",
    "days_since_last_assessment",
    "days_since_last_communication",
)


def handed_in(enrolment, activity_, at: int) -> None:
    ActivityGrade.objects.create(
        user_id=enrolment.user_id, activity=activity_, grade=50, timesubmitted=when(at)
    )


@pytest.fixture
def site():
    """Course c has a page, a forum, an assignment and a questionnaire; course
    `other` a page, a questionnaire and a hidden forum only (no assessment, no
    visible communication)."""
    c, other = course(), course()
    page = activity(c, "page")
    forum = activity(c, "forum")
    assign = activity(c, "assign", due=START + 30 * DAY, grade_max=100)
    questionnaire = activity(c, "feedback")
    other_page = activity(other, "page")
    activity(other, "feedback")
    hidden_forum = activity(other, "forum", visible=False)
    busy, idle, worker = student(c), student(c), student(c)
    alone = student(other)

    # busy: read on the last day, posted a week before the end, handed in the
    # assignment two weeks before the end (no event in it).
    log(busy.user_id, c, END - 3600, cm=page)
    log(busy.user_id, c, END - 7 * DAY - 5, cm=forum, crud="c")
    handed_in(busy, assign, END - 14 * DAY - 60)
    # idle: only the course page and a questionnaire (no kind) in the range; a
    # forum visit 39 days before the end (beyond four weeks); a page visit and a
    # submission after the end, not seen.
    log(idle.user_id, c, END - 3600)
    log(idle.user_id, c, END - 3600, cm=questionnaire)
    log(idle.user_id, c, START + 5, cm=forum)
    log(idle.user_id, c, END + DAY, cm=page)
    handed_in(idle, assign, END + 2 * DAY)
    # worker: opened the assignment two days before the end and read 21 days
    # before it (and on day 2: the last event counts); nothing in the forum.
    log(worker.user_id, c, END - 2 * DAY - 60, cm=assign)
    log(worker.user_id, c, START + 2 * DAY, cm=page)
    log(worker.user_id, c, END - 21 * DAY - 60, cm=page)
    # alone: read two weeks before the end; visited the hidden forum.
    log(alone.user_id, other, END - 14 * DAY - 60, cm=other_page)
    log(alone.user_id, other, END - DAY, cm=hidden_forum)
    return c, other


def test_each_kind_counts_back_from_the_range_end(site):
    data = analysis_data(list(site), [(START, END)])
    # 1 - 2 * days / 28, -1 at 28 days or with no event of the kind; NaN (None)
    # when the course has no visible activity of the kind.
    assert indicator_values("days_since_last_reading", data) == [1, -1, -0.5, 0]
    assert indicator_values("days_since_last_assessment", data) == [
        0,  # handed in 14 days before the end
        -1,  # handed in after the end only
        0.86,  # its page two days before: 1 - 4 / 28
        None,  # no assessment in `other`
    ]
    assert indicator_values("days_since_last_communication", data) == [
        0.5,  # 7 days
        -1,  # 39 days
        -1,  # never
        None,  # `other`'s only forum is hidden
    ]


def test_events_before_the_range_start_or_after_its_end_do_not_count(site):
    # The second half of the course: busy's forum post (day 33) counts, idle's
    # forum visit on day 0 and page visit on day 41 do not.
    c, _other = site
    ranges = [(START, START + 20 * DAY), (START + 20 * DAY, END)]
    # idle hands in a second assignment on day 19: in the first half only.
    second = activity(c, "quiz", due=START + 19 * DAY, grade_max=10)
    idle = Enrolment.objects.filter(course=c).order_by("id")[1]
    handed_in(idle, second, START + 19 * DAY)
    data = analysis_data(list(site), ranges)
    assert indicator_values("days_since_last_assessment", data) == [
        -1, 0,  # busy: handed in on day 26
        0.93, -1,  # idle: day 19 is one day before the first half's end
        -1, 0.86,  # worker: opened the assignment on day 38
        None, None,
    ]  # fmt: skip
    assert indicator_values("days_since_last_communication", data) == [
        -1, 0.5,  # busy: nothing in the first half
        -0.36, -1,  # idle: day 0 is 19 days before the first half's end
        -1, -1,
        None, None,
    ]  # fmt: skip
    assert indicator_values("days_since_last_reading", data) == [
        -1, 1,
        -1, -1,  # the visit after the end is in neither half
        0.93, -1,  # day 19 is in the first half only: 1 - 2 / 28
        -1, 0,
    ]  # fmt: skip


def test_a_later_course_event_changes_nothing(site):
    c, other = site
    before = [
        indicator_values(k, analysis_data([c, other], [(START, END)])) for k in KEYS
    ]
    assert before[1][:3] == [0, -1, 0.86]
    forum = Activity.objects.get(course=c, modname="forum")
    assign = Activity.objects.get(course=c, modname="assign")
    for enrolment in Enrolment.objects.filter(course=c):
        log(enrolment.user_id, c, END + 3 * DAY, cm=forum)
        log(enrolment.user_id, c, END + 1, cm=assign)
        # worker hands in after the end (the others already have a grade).
        ActivityGrade.objects.get_or_create(
            user_id=enrolment.user_id,
            activity=assign,
            defaults={"grade": 80, "timesubmitted": when(END + 1)},
        )
    assert ActivityGrade.objects.filter(activity=assign).count() == 3
    after = [
        indicator_values(k, analysis_data([c, other], [(START, END)])) for k in KEYS
    ]
    assert after == before


def test_they_need_activity_detail_and_refuse_an_aggregate_without_it(site):
    assert activity_detail_needed([DaysSinceLastReading()]) is True
    assert activity_detail_needed([DaysSinceLastAssessmentComparedWithClassmates()])
    data = analysis_data(list(site), [(START, END)])
    data.activity_detail = False
    data.reader = StandardLogReader(rollup=False)
    with pytest.raises(RuntimeError, match="needs_activity_counts"):
        last_access_per_kind(data)


def test_compared_with_classmates_standardises_within_the_course(site):
    data = analysis_data(list(site), [(START, END)])
    # Reading in c: 1, -1, -0.5 -> mean -1/6, population sd 0.8498; `other`
    # alone: 0.
    values = indicator_values("days_since_last_reading_classmates", data)
    assert values == [0.46, -0.33, -0.13, 0]
    # No value stays no value.
    assert indicator_values("days_since_last_communication_classmates", data)[3] is None


def test_the_kind_indicators_are_registered():
    for key in KEYS:
        cls = registry.indicator_class(key)
        assert cls.kind == "linear"
        assert cls.needs_activity_counts is True
        assert registry.indicator_class(f"{key}_classmates").needs_activity_counts
