"""Backtest: train on finished courses, replay the nightly prediction on others."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lms.models import ActivityGrade, Enrolment
from models_app.analysis.dataset import dataset_build
from models_app.defaults import DEFAULT_MODELS
from models_app.models import PredictSample, TrainSample, UsedAnalysable
from models_app.services.backtest import BacktestError, backtest_run
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    course,
    log,
    student,
    when,
)
from tests.models_app.running_site import NOW, dropout_model, finished_course

pytestmark = pytest.mark.django_db

COURSE_END = START + 40 * DAY  # finished_course: 40 days, quarters of 10


@pytest.fixture
def site():
    return [finished_course(), finished_course()], finished_course(students=10)


def test_backtest_on_a_site_whose_future_is_known(site):
    """Odd students leave in the first quarter: from the second quarter on, every
    leaver is flagged and nobody else (ROC AUC 1), and the lead time is the time
    from the first point that flags them all to the course end."""
    train, test = site
    model = dropout_model()

    report = backtest_run(
        model=model, train_courses=train, test_courses=[test], now=NOW
    )

    by_point = {row["point"]: row for row in report.points}
    assert list(by_point) == ["range 1", "range 2", "range 3", "range 4"]
    for key in ("range 2", "range 3"):
        figures = by_point[key]["model"]
        assert (figures["students"], figures["positives"]) == (10, 5)
        assert figures["roc_auc"] == 1.0 and figures["pr_auc"] == 1.0
        assert (figures["precision"], figures["recall"]) == (1.0, 1.0)
        assert figures["brier"] < 0.05
        assert sum(b["n"] for b in figures["calibration"]) == 10
        assert by_point[key]["clicks_baseline"]["students"] == 10
    first_full = next(
        i for i, row in enumerate(report.points) if row["model"]["recall"] == 1.0
    )
    flagged_at = START + (first_full + 1) * 10 * DAY
    assert report.lead_days == (COURSE_END - flagged_at) / DAY
    assert (report.warned, report.positives) == (5, 5)
    assert report.train_samples > 0


def test_backtest_leaves_the_model_untouched(site):
    train, test = site
    model = dropout_model()

    backtest_run(model=model, train_courses=train, test_courses=[test], now=NOW)

    model.refresh_from_db()
    assert model.trained is False
    assert not TrainSample.objects.exists()
    assert not PredictSample.objects.exists()
    assert not UsedAnalysable.objects.exists()


def test_no_event_after_the_prediction_moment_reaches_the_features(site):
    """With every indicator of the default dropout model: events, hand-ins and
    grades after the moment change nothing of what is predicted at the moment."""
    _, test = site
    dropout = next(m for m in DEFAULT_MODELS if m.key == "course_dropout")
    model = dropout_model(indicators=list(dropout.indicators))
    quiz = activity(test, "quiz", section=2, due=START + 30 * DAY, grade_max=10)
    moment = START + 20 * DAY

    def features():
        ds = dataset_build(
            model=model,
            mode="prediction",
            now=moment,
            analysable_ids={test.pk},
            fresh=True,
        )
        return ds.sample_ids.copy(), ds.X.copy()

    ids_before, before = features()
    # Every student comes back after the moment, in several ways.
    for enrolment in Enrolment.objects.filter(course=test):
        for day in (21, 25, 33):
            log(enrolment.user_id, test, START + day * DAY)
            log(enrolment.user_id, test, START + day * DAY + 1, crud="c", cm=quiz)
        ActivityGrade.objects.create(
            user_id=enrolment.user_id,
            activity=quiz,
            grade=7,
            timesubmitted=when(START + 25 * DAY),
        )
    ids_after, after = features()

    assert len(before) == 10
    np.testing.assert_array_equal(ids_before, ids_after)
    np.testing.assert_array_equal(before, after)


def test_students_who_left_before_the_moment_are_not_predicted():
    train = [finished_course(), finished_course()]
    test = course()
    for n in range(4):
        leaves = n % 2 == 1
        enrolment = student(test, timeend=START + 12 * DAY if leaves else None)
        for day in range(1, 12 if leaves else 39, 2):
            log(enrolment.user_id, test, START + day * DAY + n)
    model = dropout_model()

    report = backtest_run(
        model=model, train_courses=train, test_courses=[test], now=NOW
    )

    students = [row["model"]["students"] for row in report.points]
    assert students[0] == 4  # day 10: everybody still enrolled
    assert students[1] == 2  # day 20: the two who left on day 12 are gone


@pytest.mark.parametrize(
    "case, message",
    [
        ("overlap", "both trained on and tested"),
        ("running", "has not finished"),
        ("rule_based", "based on rules"),
        ("one_class", "same outcome"),
    ],
)
def test_backtest_refusals_say_why(site, case, message):
    train, test = site
    model = dropout_model()
    test_courses = [test]
    if case == "overlap":
        test_courses = [train[0]]
    elif case == "running":
        test_courses = [course(start=NOW - DAY, end=NOW + 30 * DAY)]
    elif case == "rule_based":
        model = dropout_model(target="no_recent_accesses", interval="past_month")
    elif case == "one_class":
        lonely = course()
        for _ in range(3):
            enrolment = student(lonely)
            for day in range(1, 39, 2):
                log(enrolment.user_id, lonely, START + day * DAY)
        train = [lonely]

    with pytest.raises(BacktestError, match=message):
        backtest_run(
            model=model, train_courses=train, test_courses=test_courses, now=NOW
        )


def test_backtest_command_prints_json_and_takes_points_and_names(site):
    train, test = site
    model = dropout_model()
    out = StringIO()

    call_command(
        "backtest",
        "--model",
        str(model.pk),
        "--train",
        f"{train[0].shortname},{train[1].pk}",
        "--test",
        test.shortname,
        "--at",
        "25,50",
        "--now",
        str(NOW),
        "--json",
        stdout=out,
    )

    report = json.loads(out.getvalue())
    assert [row["point"] for row in report["points"]] == ["25%", "50%"]
    assert {c["id"] for c in report["train_courses"]} == {c.pk for c in train}
    assert report["points"][1]["model"]["roc_auc"] == 1.0


def test_backtest_command_takes_finished_before_and_refuses_plainly(site):
    train, test = site
    model = dropout_model()
    # Every course of the site finished before 2099, the tested one too.
    with pytest.raises(
        CommandError, match=f"both trained on and tested: {test.shortname}"
    ):
        call_command(
            "backtest",
            f"--model={model.pk}",
            "--train=finished before 2099-01-01",
            f"--test={test.pk}",
            f"--now={NOW}",
        )
    with pytest.raises(CommandError, match="No course finished before 1990"):
        call_command(
            "backtest",
            f"--model={model.pk}",
            "--train=finished before 1990-01-01",
            f"--test={test.pk}",
        )
    with pytest.raises(CommandError, match="No course has the id or short name"):
        call_command(
            "backtest", f"--model={model.pk}", "--train=nope", f"--test={test.pk}"
        )
    with pytest.raises(CommandError, match="percentages"):
        call_command(
            "backtest",
            f"--model={model.pk}",
            f"--train={train[0].pk}",
            f"--test={test.pk}",
            "--at=half",
        )


def test_backtest_learns_with_the_estimator_the_model_names(site):
    train, test = site
    model = dropout_model(estimator="neural_network")

    report = backtest_run(
        model=model, train_courses=train, test_courses=[test], now=NOW
    )

    assert (report.processor, report.estimator) == ("builtin", "neural_network")


@pytest.mark.parametrize("text", ["²", "1,²", "٣", "99999999999999999999999999"])
def test_the_command_says_which_course_it_does_not_know(site, text):
    """isdigit() takes "²" for a digit that int() refuses: a traceback before."""
    _train, test = site
    with pytest.raises(CommandError, match="No course has the id or short name"):
        call_command(
            "backtest",
            f"--model={dropout_model().pk}",
            f"--train={text}",
            f"--test={test.pk}",
            f"--now={NOW}",
        )
