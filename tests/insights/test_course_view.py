"""The course view of an insight (bands, changes, list) and reasons in plain words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from insights.activity import course_activity
from insights.models import Prediction
from insights.reasons import Facts, reason_text
from insights.risk import HIGH, LOW, MEDIUM, changes_between_runs, risk_band
from insights.services import insights_generate
from lms.models import ActivityGrade
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    course,
    log,
    student,
    teacher,
    when,
)

pytestmark = pytest.mark.django_db


def test_risk_bands_follow_the_probability():
    assert risk_band(0.95) == HIGH and risk_band(0.85) == HIGH
    assert risk_band(0.84) == MEDIUM and risk_band(0.70) == MEDIUM
    assert risk_band(0.69) == LOW


class _P:
    def __init__(self, sampleid: int, rangeindex: int) -> None:
        self.sampleid, self.rangeindex = sampleid, rangeindex


def test_changes_compare_the_latest_range_with_the_one_before():
    history = [_P(1, 0), _P(2, 0), _P(2, 1), _P(3, 1), _P(4, 0)]
    history += [_P(5, 3), _P(2, 3), _P(3, 3)]  # latest range 3, previous 1

    changes = changes_between_runs(history)

    assert (changes.latest, changes.previous) == (3, 1)
    assert changes.new == {5} and changes.still == {2, 3} and changes.gone == set()
    changes = changes_between_runs(history[:5])
    assert changes.new == {3} and changes.still == {2} and changes.gone == {1, 4}


@pytest.fixture
def biology():
    c = course(fullname="Biology")
    teacher_user = teacher(c)
    return c, teacher_user


def _flag(model, enrolment, *, rangeindex: int, score: float, **kwargs):
    from access.selectors import context_of

    return Prediction.objects.create(
        model=model,
        context=context_of(enrolment.course),
        sampleid=enrolment.pk,
        rangeindex=rangeindex,
        prediction=1,
        predictionscore=score,
        timestart=START + rangeindex * 10 * DAY,
        timeend=START + (rangeindex + 1) * 10 * DAY,
        **kwargs,
    )


def _table(content: str) -> str:
    return content.split('class="predictions"')[1].split("</tbody>")[0]


def test_the_course_view_counts_bands_and_shows_changes(client, biology, course_model):
    c, teacher_user = biology
    names = ["Ana", "Bea", "Carl", "Dan", "Eve"]
    enrolments = []
    for name in names:
        enrolment = student(c)
        enrolment.user.first_name, enrolment.user.last_name = name, "Test"
        enrolment.user.save()
        enrolments.append(enrolment)
    ana, bea, carl, dan, _eve = enrolments
    # Previous run: Ana and Bea. Latest: Bea (high), Carl (medium), Dan (low).
    _flag(course_model, ana, rangeindex=0, score=0.8)
    _flag(course_model, bea, rangeindex=0, score=0.7)
    latest = [
        _flag(course_model, bea, rangeindex=1, score=0.9),
        _flag(course_model, carl, rangeindex=1, score=0.75),
        _flag(course_model, dan, rangeindex=1, score=0.62),
    ]
    (insight,) = insights_generate(model=course_model, predictions=latest)
    client.force_login(teacher_user)

    content = client.get(insight.get_absolute_url()).content.decode()

    assert "3 of 5 students flagged" in content
    counts = content.split('id="band-counts"')[1].split("</ul>")[0]
    assert "High risk: <strong>1</strong>" in counts
    assert "Medium risk: <strong>1</strong>" in counts
    assert "Low risk: <strong>1</strong>" in counts
    changes = content.split('id="changes"')[1].split("</p>")[0]
    assert "2 new" in changes and "1 still flagged" in changes
    assert "1 no longer flagged" in changes
    table = _table(content)
    assert "Ana Test" not in table  # shown apart
    assert "Ana Test" in content.split('id="no-longer"')[1]
    # Highest risk first; one actions menu per row.
    assert table.index("Bea Test") < table.index("Carl Test") < table.index("Dan")
    assert table.count('<details class="menu">') == 3
    assert 'id="distribution-chart"' in content and "<svg" in content

    high_only = client.get(insight.get_absolute_url() + "?band=high").content
    table = _table(high_only.decode())
    assert "Bea Test" in table and "Carl Test" not in table
    by_name = client.get(insight.get_absolute_url() + "?sort=-name").content
    table = _table(by_name.decode())
    assert table.index("Dan Test") < table.index("Carl Test") < table.index("Bea")


def test_reasons_read_the_raw_figures_of_the_course(biology):
    c, _teacher = biology
    me = student(c)
    others = [student(c) for _ in range(3)]
    # Each classmate: 10 events in the first ten days; me: 2, the last on day 3.
    for other in others:
        for k in range(10):
            log(other.user_id, c, START + k * DAY // 2 + 60)
    log(me.user_id, c, START + 60)
    log(me.user_id, c, START + 3 * DAY + 60)
    graded = [
        activity(c, "assign", section=k, due=START + (k + 1) * 2 * DAY, grade_max=10)
        for k in range(3)
    ]
    ActivityGrade.objects.create(
        user=me.user, activity=graded[0], grade=8, timesubmitted=when(START + DAY)
    )
    # Handed in a day after its due date (day 4).
    ActivityGrade.objects.create(
        user=me.user, activity=graded[1], grade=4.3, timesubmitted=when(START + 5 * DAY)
    )
    end = START + 10 * DAY
    facts = Facts(
        activity=course_activity(course=c, until=end),
        user_id=me.user_id,
        start=START,
        end=end,
    )

    assert reason_text("days_since_last_access", -0.5, facts) == (
        "No access for 7 days"
    )
    assert reason_text("relative_activity", -0.9, facts) == (
        "Activity: 20 % of the class median"
    )
    assert reason_text("assessments_submitted", 0.33, facts) == (
        "2 of 3 graded activities handed in"
    )
    assert reason_text("assessments_on_time", -0.33, facts) == (
        "1 of 3 graded activities handed in on time"
    )
    assert reason_text("assessments_on_time", 0.0) == (
        "50 % of the graded activities due handed in on time"
    )
    assert reason_text("assessment_scores", -0.18, facts) == "Average score 41 %"
    # Without the course's figures, decoded from the value, never "25 %".
    assert reason_text("days_since_last_access", 0.5) == "No access for 7 days"
    assert reason_text("any_course_access", -1.0) == (
        "Did not access the course in this period"
    )
    assert reason_text("read_actions", 0.33) == "Read actions amount: high"
    # The ends of the percentile scale, never "more than 0 %".
    assert reason_text("relative_activity", -1.0) == "Activity: the lowest of the class"
    assert reason_text("relative_activity", 1.0) == "Activity: the highest of the class"
    assert (
        reason_text("relative_activity", 0.5)
        == "Activity: more than 75 % of classmates"
    )


def test_the_prediction_page_draws_activity_against_the_class(client, biology):
    from models_app.models import AnalyticsModel

    c, teacher_user = biology
    me = student(c)
    other = student(c)
    for k in range(12):
        log(other.user_id, c, START + k * DAY + 60)
    log(me.user_id, c, START + 60)
    activity(c, "assign", section=1, due=START + 5 * DAY, grade_max=10)
    model = AnalyticsModel.objects.create(
        target="course_dropout",
        indicators=["days_since_last_access"],
        interval="quarters",
        enabled=True,
        trained=True,
    )
    first = _flag(model, me, rangeindex=0, score=0.72)
    prediction = _flag(
        model,
        me,
        rangeindex=1,
        score=0.91,
        calculations={"days_since_last_access": -1.0},
        reasons={
            "method": "linear",
            "items": [{"key": "days_since_last_access", "weight": 1.5}],
        },
    )
    insights_generate(model=model, predictions=[first, prediction])
    client.force_login(teacher_user)

    content = client.get(
        reverse("insights:prediction", args=[prediction.pk])
    ).content.decode()

    assert "No access for 20 days" in content
    chart = content.split('id="activity-chart"')[1].split("</figure>")[0]
    assert "<svg" in chart and "<title" in chart and "<table>" in chart
    # One bar per week; the weeks without events are drawn as empty frames.
    weeks = chart.count("<tr><td>")
    assert weeks >= 2
    silent = chart.count('class="student silent"')
    assert chart.count('class="student"') + silent == weeks
    assert chart.count(": no events</title>") == silent >= 1
    assert f"no events ({silent} of {weeks} weeks)" in chart
    assert "not handed in" in chart
    assert 'id="risk-chart"' in content
    assert "High risk" in content
