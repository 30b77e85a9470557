"""Targets: labels, validity rules for training and prediction, texts and actions."""

from __future__ import annotations

import numpy as np
import pytest

from lms.models import Activity, ActivityGrade, CourseCompletion, CourseGrade
from models_app.plugins import registry
from models_app.plugins.base import Analysable
from models_app.services.analysis import dataset_build
from tests.factories import ActivityFactory, EnrolmentFactory, UserFactory
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    analysis_data,
    analytics_model,
    course,
    log,
    student,
    teacher,
    when,
)

pytestmark = pytest.mark.django_db

NOW = START + 50 * DAY


def target(key: str):
    return registry.target_class(key)()


def labels(key: str, data, indicators=None) -> list[float]:
    return target(key).calculate(data=data, indicators=indicators or {}).tolist()


def analysable(c) -> Analysable:
    data = analysis_data([c], [(START, START + DAY)])
    return data.analysables[c.id], data


# -- course_dropout --------------------------------------------------------------------


def test_dropout_label_without_completion_is_activity_in_the_last_quarter():
    c = course()  # 40 days: the last quarter starts after START + 30 days
    at_limit, after_limit, after_end, nothing = (student(c) for _ in range(4))
    log(at_limit.user_id, c, START + 30 * DAY)  # not after the limit
    log(after_limit.user_id, c, START + 30 * DAY + 1)
    log(after_end.user_id, c, START + 45 * DAY)  # after the end still counts
    data = analysis_data([c], [(START, START + 40 * DAY)])
    assert labels("course_dropout", data) == [1, 0, 0, 1]
    del nothing


def test_dropout_label_with_completion_criteria_is_not_completing():
    c = course(enablecompletion=True)
    activity(c, "page", completion=Activity.Completion.MANUAL)
    done, active_but_not_done = student(c), student(c)
    CourseCompletion.objects.create(
        user_id=done.user_id, course=c, timecompleted=when(NOW)
    )
    log(active_but_not_done.user_id, c, START + 39 * DAY)
    data = analysis_data([c], [(START, START + 40 * DAY)])
    assert labels("course_dropout", data) == [0, 1]


def test_dropout_trains_only_on_courses_with_ten_events_per_student():
    c = course()
    a, b = student(c), student(c)
    for i in range(10):
        log(a.user_id, c, START + 10 + i)
    for i in range(9):
        log(b.user_id, c, START + 100 + i)
    log(b.user_id, c, START + 40 * DAY)  # on the end: not strictly inside
    log(b.user_id, c, START + 200, anonymous=True)  # anonymous: not counted
    a_, data = analysable(c)
    dropout = target("course_dropout")
    reason = dropout.analysable_invalid_reason(
        analysable=a_, data=data, mode="training", now=NOW
    )
    assert reason and "Not enough course activity" in reason  # 19 / 2 < 10
    log(b.user_id, c, START + 300)
    a_, data = analysable(c)
    assert (
        dropout.analysable_invalid_reason(
            analysable=a_, data=data, mode="training", now=NOW
        )
        is None
    )
    # Prediction does not look at the amount of activity.
    running = course(end=NOW + 10 * DAY)
    student(running)
    a_, data = analysable(running)
    assert (
        dropout.analysable_invalid_reason(
            analysable=a_, data=data, mode="prediction", now=NOW
        )
        is None
    )


# -- course validity (course_enrolments) -------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "mode", "expected"),
    [
        ({"start": NOW + DAY, "end": NOW + 40 * DAY}, "prediction", "not yet started"),
        ({"start": START, "end": None}, "training", "does not have an end date"),
        ({"start": START, "end": START + 400 * DAY}, "training", "too long"),
        ({"start": START, "end": NOW - DAY}, "prediction", "already finished"),
        ({"start": START, "end": NOW + DAY}, "training", "not yet finished"),
        ({"start": START, "end": NOW + DAY}, "evaluation", "not yet finished"),
        ({"start": START, "end": NOW - DAY}, "training", None),
        ({"start": START, "end": NOW + DAY}, "prediction", None),
    ],
)
def test_course_validity_for_training_and_prediction(dates, mode, expected):
    c = course(**dates)
    student(c)
    a_, data = analysable(c)
    reason = (
        target("course_completion")
        .__class__.__mro__[1]()
        .analysable_invalid_reason(analysable=a_, data=data, mode=mode, now=NOW)
    )
    if expected is None:
        assert reason is None
    else:
        assert expected in reason


def test_hidden_courses_and_courses_without_students_get_no_predictions():
    hidden = course(end=NOW + DAY, visible=False)
    student(hidden)
    empty = course(end=NOW + DAY)
    base = target("course_dropout")
    a_, data = analysable(hidden)
    assert "hidden" in base.analysable_invalid_reason(
        analysable=a_, data=data, mode="prediction", now=NOW
    )
    a_, data = analysable(empty)
    assert "no students" in base.analysable_invalid_reason(
        analysable=a_, data=data, mode="prediction", now=NOW
    )


def test_enrolment_validity():
    c = course(end=START + 40 * DAY)
    ok = student(c)
    ended_before_start = student(c, timestart=START - 10 * DAY, timeend=START - DAY)
    too_old = student(c, timestart=START - 400 * DAY)
    after_end = student(c, timestart=START + 41 * DAY)
    ended = student(c, timeend=START + 20 * DAY)
    data = analysis_data([c], [(START, START + DAY)])
    dropout = target("course_dropout")
    training = dropout.samples_valid(data=data, mode="training", now=NOW).tolist()
    assert training == [True, False, False, False, True]
    # For predictions, an enrolment that has ended is left out too.
    prediction = dropout.samples_valid(
        data=data, mode="prediction", now=START + 30 * DAY
    )
    assert prediction.tolist() == [True, False, False, False, False]
    future = dropout.samples_valid(data=data, mode="training", now=START)
    assert future.tolist()[0] is True and future.tolist()[3] is False
    del ok, ended_before_start, too_old, after_end, ended


def test_enrolment_must_cover_seventy_percent_of_the_range():
    c = course()
    whole = student(c)
    late_80 = student(c, timestart=START + 2 * DAY)  # covers 8 of 10 days
    late_50 = student(c, timestart=START + 5 * DAY)  # covers 5 of 10 days
    data = analysis_data([c], [(START, START + 10 * DAY)])
    assert target("course_dropout").rows_valid(data=data, mode="training").tolist() == [
        True,
        True,
        False,
    ]
    # ML predictions keep them (Moodle labels no prediction rows); rule-based
    # targets apply the rule when predicting.
    assert target("course_dropout").rows_valid(data=data, mode="prediction").all()
    rule = target("no_recent_accesses").rows_valid(data=data, mode="prediction")
    assert rule.tolist() == [True, True, False]
    del whole, late_80, late_50


# -- course_completion and course_gradetopass -----------------------------------------------


def test_course_completion_needs_criteria_and_labels_incomplete_students():
    with_criteria = course(enablecompletion=True)
    activity(with_criteria, "quiz", completion=Activity.Completion.AUTOMATIC)
    done, not_done = student(with_criteria), student(with_criteria)
    CourseCompletion.objects.create(
        user_id=done.user_id, course=with_criteria, timecompleted=when(NOW)
    )
    CourseCompletion.objects.create(user_id=not_done.user_id, course=with_criteria)
    without = course(enablecompletion=True)
    student(without)
    completion = target("course_completion")
    a_, data = analysable(without)
    assert "Completion is not enabled" in completion.analysable_invalid_reason(
        analysable=a_, data=data, mode="training", now=NOW
    )
    a_, data = analysable(with_criteria)
    assert (
        completion.analysable_invalid_reason(
            analysable=a_, data=data, mode="training", now=NOW
        )
        is None
    )
    assert labels("course_completion", data) == [0, 1]


def test_grade_to_pass_labels_and_validity():
    c = course(grade_to_pass=50)
    passed, exactly, below, ungraded = (student(c) for _ in range(4))
    for enrolment, grade in ((passed, 70), (exactly, 50), (below, 49.9)):
        CourseGrade.objects.create(
            user_id=enrolment.user_id, course=c, finalgrade=grade
        )
    CourseGrade.objects.create(user_id=ungraded.user_id, course=c, finalgrade=None)
    a_, data = analysable(c)
    gradetopass = target("course_gradetopass")
    assert (
        gradetopass.analysable_invalid_reason(
            analysable=a_, data=data, mode="training", now=NOW
        )
        is None
    )
    # A missing grade is "at risk", as PHP's null >= 50 is false in Moodle.
    assert labels("course_gradetopass", data) == [0, 0, 1, 1]
    no_pass = course(grade_to_pass=0)
    student(no_pass)
    a_, data = analysable(no_pass)
    assert "no grade to pass" in gradetopass.analysable_invalid_reason(
        analysable=a_, data=data, mode="training", now=NOW
    )


# -- rule-based targets ---------------------------------------------------------------------


def test_no_recent_accesses_predicts_from_any_course_access():
    c = course(start=START, end=None)  # needs no end date
    recent, away = student(c), student(c)
    log(recent.user_id, c, NOW - 3 * DAY)
    log(away.user_id, c, NOW - 40 * DAY)
    model = analytics_model(
        target="no_recent_accesses",
        indicators=["any_course_access"],
        interval="past_month",
    )
    ds = dataset_build(model=model, mode="prediction", now=NOW)
    assert ds.refused is None, ds.messages
    assert [i.split("-")[0] for i in ds.ids] == [str(recent.id), str(away.id)]
    assert ds.labels.tolist() == [0, 1]
    assert ds.X[:, 0].tolist() == [1, -1]
    # Rule-based models are never trained.
    training = dataset_build(model=model, mode="training", now=NOW)
    assert training.refused


def test_no_access_since_course_start():
    c = course(start=NOW - 40 * DAY, end=NOW + 40 * DAY)
    came, never = (
        student(c, timestart=NOW - 41 * DAY),
        student(c, timestart=NOW - 41 * DAY),
    )
    log(came.user_id, c, NOW - 20 * DAY)
    model = analytics_model(
        target="no_access_since_course_start",
        indicators=["any_course_access"],
        interval="one_month_after_start",
    )
    ds = dataset_build(model=model, mode="prediction", now=NOW)
    assert ds.refused is None, ds.messages
    assert ds.labels.tolist() == [0, 1]
    assert "never accessed" in target("no_access_since_course_start").insight_body(
        first_name="Ann", context_name="Maths"
    )
    del never


def test_targets_accept_only_their_intervals():
    accepts = {
        key: {
            interval
            for interval in (
                "quarters",
                "past_month",
                "one_month_after_start",
                "single_range",
                "upcoming_week",
            )
            if target(key).accepts_interval(registry.interval_class(interval)())
        }
        for key in registry.TARGETS
    }
    assert accepts["course_dropout"] == {
        "quarters",
        "past_month",
        "one_month_after_start",
        "single_range",
    }
    assert accepts["no_recent_accesses"] == {"past_month"}
    assert accepts["no_access_since_course_start"] == {"one_month_after_start"}
    assert accepts["no_teaching"] == {"single_range"}
    assert accepts["upcoming_activities_due"] == {"upcoming_week"}


def test_no_teaching_flags_courses_starting_without_teacher_or_student():
    UserFactory(is_superuser=True, is_staff=True, date_joined=when(START))
    ready = course(start=NOW + 3 * DAY, end=NOW + 60 * DAY)
    teacher(ready)
    student(ready)
    no_teacher = course(start=NOW - 2 * DAY, end=NOW + 60 * DAY)
    student(no_teacher)
    later = course(start=NOW + 30 * DAY, end=NOW + 90 * DAY)  # not within a week
    model = analytics_model(
        target="no_teaching",
        indicators=["no_teacher", "no_student"],
        interval="single_range",
    )
    ds = dataset_build(model=model, mode="prediction", now=NOW)
    assert ds.refused is None, ds.messages
    assert ds.sample_ids.tolist() == [ready.id, no_teacher.id]
    assert ds.labels.tolist() == [0, 1]
    assert ds.sample_origin == "course"
    del later


def test_upcoming_activities_due():
    c = course(start=NOW - 10 * DAY, end=NOW + 60 * DAY)
    due_soon = ActivityFactory(
        course=c, modname="assign", duedate=when(NOW + 3 * DAY), name="Essay"
    )
    ActivityFactory(course=c, modname="quiz", duedate=when(NOW + 10 * DAY))
    busy, done, free = UserFactory(), UserFactory(), UserFactory()
    for user in (busy, done):
        EnrolmentFactory(user=user, course=c)
    ActivityGrade.objects.create(
        user=done, activity=due_soon, timesubmitted=when(NOW - DAY)
    )
    model = analytics_model(
        target="upcoming_activities_due",
        indicators=["activities_due"],
        interval="upcoming_week",
    )
    ds = dataset_build(model=model, mode="prediction", now=NOW)
    assert ds.refused is None, ds.messages
    got = dict(zip(ds.sample_ids.tolist(), ds.labels.tolist(), strict=True))
    assert got[busy.id] == 1 and got[done.id] == 0 and got[free.id] == 0
    assert [a["name"] for a in ds.extra["activities_due"][f"{busy.id}-0"]] == ["Essay"]


# -- texts and actions --------------------------------------------------------------------


def test_insight_texts_and_actions():
    dropout = target("course_dropout")
    assert (
        dropout.insight_subject(context_name="Maths")
        == "Students at risk in Maths course"
    )
    assert "Hi Ann," in dropout.insight_body(first_name="Ann", context_name="Maths")
    names = [a.name for a in dropout.prediction_actions(sample_url_args={"user_id": 1})]
    assert names == ["studentmessage", "viewoutlinereport", "predictiondetails"]
    assert [a.name for a in dropout.bulk_actions()] == [
        "studentmessage",
        "fixed",
        "notapplicable",
        "incorrectlyflagged",
    ]
    upcoming = target("upcoming_activities_due")
    assert [a.name for a in upcoming.bulk_actions()] == ["useful", "notuseful"]
    assert [a.name for a in upcoming.prediction_actions(sample_url_args={})] == [
        "viewupcoming"
    ]
    no_teaching = target("no_teaching")
    assert no_teaching.insight_subject(context_name="x") == (
        "Upcoming courses have no teachers or students"
    )
    assert [
        a.name for a in no_teaching.prediction_actions(sample_url_args={"course_id": 1})
    ] == [
        "viewcourse",
        "viewparticipants",
        "predictiondetails",
    ]
    assert (
        str(no_teaching.classes_description()[1]) == "Courses at risk of not starting"
    )


def test_every_target_is_registered_with_moodles_name():
    for key in registry.TARGETS:
        cls = registry.target_class(key)
        assert cls.moodle_id.endswith(f"\\analytics\\target\\{key}")
        assert cls(**cls().get_params()).key == key
    assert np.all(
        [
            registry.target_class(k).based_on_assumptions
            for k in (
                "no_teaching",
                "no_recent_accesses",
                "no_access_since_course_start",
                "upcoming_activities_due",
            )
        ]
    )
