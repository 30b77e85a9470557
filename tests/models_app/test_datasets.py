"""Datasets: shape, ids, columns, labels, CSV, both log stores, only-new-work bookkeeping."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from logstore.readers import LegacyLogReader, StandardLogReader
from models_app.analysis.csvfile import dataset_read_csv, dataset_write_csv
from models_app.models import (
    IndicatorCalculation,
    PredictSample,
    TrainSample,
    UsedAnalysable,
)
from models_app.services.analysis import (
    analysables_ordered,
    dataset_build,
    indicator_calculations_delete_expired,
    model_refusal_reason,
)
from settings_app.models import AnalyticsSettings
from tests.fixtures.analysis_site import (
    DAY,
    START,
    activity,
    analytics_model,
    course,
    legacy_copy,
    log,
    student,
    teacher,
)

pytestmark = pytest.mark.django_db

NOW = START + 50 * DAY
INDICATORS = ["any_write_action_in_course", "read_actions"]


def dropout_site():
    """One finished 40-day course, two students. Quarters are (S, S+10d],
    (S+10d+1, S+20d], (S+20d+1, S+30d], (S+30d+1, S+40d].

    A: 10 course views in quarter 0, a forum post in quarter 1, a view in quarter 3.
    B: 10 course views in quarter 2, nothing in the last quarter: drops out.
    """
    c = course()
    teacher(c)
    forum = activity(c, "forum")
    a, b = student(c), student(c)
    for i in range(10):
        log(a.user_id, c, START + 1 + i)
        log(b.user_id, c, START + 20 * DAY + 100 + i)
    log(a.user_id, c, START + 11 * DAY, crud="c", cm=forum)
    log(a.user_id, c, START + 35 * DAY)
    return c, a, b


def test_training_dataset_has_one_row_per_sample_and_range():
    c, a, b = dropout_site()
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    ds = dataset_build(model=model, mode="training", now=NOW)
    assert ds.refused is None
    assert ds.columns == [
        "range/0",
        "range/1",
        "range/2",
        "range/3",
        "any_write_action_in_course",
        "read_actions",
        "read_actions/mean",
    ]
    assert ds.ids == [f"{a.id}-{r}" for r in range(4)] + [
        f"{b.id}-{r}" for r in range(4)
    ]
    assert ds.X.shape == (8, 7)
    # Range one-hot columns.
    assert ds.X[:, :4].tolist() == [list(np.eye(4)[r % 4]) for r in range(8)]
    # Writes: only A's forum post, in quarter 1.
    assert ds.X[:, 4].tolist() == [-1, 1, -1, -1, -1, -1, -1, -1]
    # Reads in the course context: quarter 0 lasts 10 whole days (w = 10/7), the
    # others 9 whole days and 23:59:59 (w = 9/7). A: 10 reads (> 3w, <= 30w) = 0.33,
    # none, none, 1 read (<= 3w) = -0.33. B: none, none, 10 reads = 0.33, none.
    assert ds.X[:, 5].tolist() == [0.33, -1, -1, -0.33, -1, -1, 0.33, -1]
    # Means per range over both students: (0.33-1)/2, -1, (-1+0.33)/2, (-0.33-1)/2.
    assert ds.X[:, 6].tolist() == [-0.34, -1, -0.34, -0.67] * 2
    # A was active in the last quarter, B was not.
    assert ds.labels.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert ds.analysables_valid == 1


def test_csv_round_trip_in_moodles_format():
    dropout_site()
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    ds = dataset_build(model=model, mode="training", now=NOW)
    out = io.StringIO()
    dataset_write_csv(dataset=ds, file=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "timesplitting,nfeatures,moodleversion,targetcolumn,targettype,targetclasses"
    )
    assert lines[1].startswith('"\\core\\analytics\\time_splitting\\quarters",7,')
    assert lines[1].endswith(
        ',"\\core_course\\analytics\\target\\course_dropout",discrete,"[0,1]"'
    )
    assert lines[2] == (
        "range/0,range/1,range/2,range/3,"
        '"\\core\\analytics\\indicator\\any_write_action_in_course",'
        '"\\core\\analytics\\indicator\\read_actions",'
        '"\\core\\analytics\\indicator\\read_actions/mean",'
        '"\\core_course\\analytics\\target\\course_dropout"'
    )
    assert lines[3] == "1,0,0,0,-1,0.33,-0.34,0"
    back = dataset_read_csv(file=io.StringIO(out.getvalue()))
    assert back.columns == ds.columns
    assert np.array_equal(back.X, ds.X)
    assert back.labels.tolist() == ds.labels.tolist()
    assert back.target == "course_dropout"


def test_prediction_csv_starts_rows_with_sample_and_range():
    c = course(end=NOW + 30 * DAY)
    e = student(c)
    log(e.user_id, c, START + 5)
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    ds = dataset_build(model=model, mode="prediction", now=START + 25 * DAY)
    assert ds.labels is None
    out = io.StringIO()
    dataset_write_csv(dataset=ds, file=out)
    lines = out.getvalue().splitlines()
    assert lines[2].startswith("sampleid,range/0,")
    # 80-day course: quarters of 20 days; at S+25d the latest ready range is 0.
    assert lines[3].startswith(f"{e.id}-0,1,0,0,0,")
    back = dataset_read_csv(file=io.StringIO(out.getvalue()))
    assert back.ids == [f"{e.id}-0"]
    assert back.labels is None


def test_missing_values_are_empty_csv_fields():
    dropout_site()
    model = analytics_model(
        target="course_dropout",
        indicators=["mod_quiz_cognitive_depth", "read_actions"],
        interval="quarters",
    )
    ds = dataset_build(model=model, mode="training", now=NOW)
    out = io.StringIO()
    dataset_write_csv(dataset=ds, file=out)
    # No quiz in the course: no cognitive depth value, nor a mean of it.
    assert out.getvalue().splitlines()[3] == "1,0,0,0,,,0.33,-0.34,0"
    back = dataset_read_csv(file=io.StringIO(out.getvalue()))
    assert np.isnan(back.X[0, 4]) and np.isnan(back.X[0, 5])


def test_both_log_stores_give_the_same_dataset():
    dropout_site()
    legacy_copy()
    model = analytics_model(
        target="course_dropout",
        indicators=[
            *INDICATORS,
            "any_course_access",
            "any_access_after_end",
            "any_access_before_start",
            "mod_forum_cognitive_depth",
            "mod_forum_social_breadth",
            "relative_activity",
            "days_since_last_access",
        ],
        interval="quarters",
    )
    standard = dataset_build(
        model=model, mode="evaluation", now=NOW, reader=StandardLogReader()
    )
    legacy = dataset_build(
        model=model, mode="evaluation", now=NOW, reader=LegacyLogReader()
    )
    assert len(standard) == 8
    assert standard.ids == legacy.ids
    assert np.array_equal(standard.X, legacy.X, equal_nan=True)
    assert np.array_equal(standard.labels, legacy.labels)


def test_training_uses_each_sample_once():
    c, a, b = dropout_site()
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    first = dataset_build(model=model, mode="training", now=NOW)
    assert len(first) == 8
    assert TrainSample.objects.get(model=model).sampleids == [a.id, b.id]
    again = dataset_build(model=model, mode="training", now=NOW)
    assert len(again) == 0
    # A new student of the same course is new work.
    late = student(c)
    for i in range(12):
        log(late.user_id, c, START + 1000 + i)
    third = dataset_build(model=model, mode="training", now=NOW)
    assert sorted(set(third.sample_ids.tolist())) == [late.id]
    # Evaluation ignores the bookkeeping and records nothing.
    evaluation = dataset_build(model=model, mode="evaluation", now=NOW)
    assert len(evaluation) == 12
    assert TrainSample.objects.filter(model=model).count() == 2


def test_prediction_is_not_repeated_for_a_range():
    c = course(end=START + 80 * DAY)
    e = student(c)
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    first = dataset_build(model=model, mode="prediction", now=START + 25 * DAY)
    assert first.ids == [f"{e.id}-0"]
    assert PredictSample.objects.get(model=model, rangeindex=0).sampleids == [e.id]
    again = dataset_build(model=model, mode="prediction", now=START + 26 * DAY)
    assert len(again) == 0
    assert any("No new predictions" in m for m in again.messages)
    # The next range is new work.
    later = dataset_build(model=model, mode="prediction", now=START + 41 * DAY)
    assert later.ids == [f"{e.id}-1"]
    del c


def test_analysables_least_recently_analysed_first():
    c1, c2, c3 = course(), course(), course()
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    UsedAnalysable.objects.create(
        model=model,
        action="training",
        analysableid=c1.id,
        firstanalysis=5,
        timeanalysed=20,
    )
    UsedAnalysable.objects.create(
        model=model,
        action="training",
        analysableid=c2.id,
        firstanalysis=5,
        timeanalysed=10,
    )
    order = [a.id for a in analysables_ordered(model=model, action="training")]
    assert order == [c3.id, c2.id, c1.id]
    # A run records first and last analysis times.
    dataset_build(model=model, mode="training", now=NOW)
    used = UsedAnalysable.objects.get(
        model=model, action="training", analysableid=c2.id
    )
    assert (used.firstanalysis, used.timeanalysed) == (5, NOW)
    assert UsedAnalysable.objects.get(analysableid=c3.id).firstanalysis == NOW


def test_time_limit_leaves_analysables_for_the_next_run():
    courses = [course() for _ in range(3)]
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    ds = dataset_build(
        model=model, mode="training", now=NOW, time_limit=0, chunk_size=1
    )
    # The first chunk always runs; the limit stops the rest.
    assert ds.timed_out is True
    assert ds.analysables_analysed == 1
    assert UsedAnalysable.objects.filter(model=model).count() == 1
    nxt = analysables_ordered(model=model, action="training")
    assert nxt[0].id != UsedAnalysable.objects.get(model=model).analysableid
    del courses


def test_a_model_without_indicators_is_refused():
    model = analytics_model(target="course_dropout", indicators=[], interval="quarters")
    ds = dataset_build(model=model, mode="training", now=NOW)
    assert ds.refused and "no indicators" in ds.refused
    assert len(ds) == 0


def test_an_interval_the_target_does_not_accept_is_refused():
    model = analytics_model(
        target="no_teaching",
        indicators=["no_teacher", "no_student"],
        interval="quarters",
    )
    reason = model_refusal_reason(model=model, mode="prediction")
    assert reason and "cannot use the analysis interval" in reason
    ds = dataset_build(model=model, mode="prediction", now=NOW)
    assert ds.refused == reason


def test_invalid_analysables_are_reported_and_the_run_goes_on():
    no_end = course(end=None)
    too_long = course(end=START + 500 * DAY)
    running = course(end=NOW + 10 * DAY)
    for c in (no_end, too_long, running):
        student(c)
    good, _a, _b = dropout_site()
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    ds = dataset_build(model=model, mode="training", now=NOW)
    text = "\n".join(ds.messages)
    assert "does not have an end date" in text
    assert "too long" in text
    assert "has not yet finished" in text
    assert set(ds.analysable_ids.tolist()) == {good.id}


def test_query_count_does_not_grow_with_the_number_of_samples():
    c = course()
    forum = activity(c, "forum")
    model = analytics_model(
        target="course_dropout",
        indicators=[*INDICATORS, "mod_forum_cognitive_depth", "any_course_access"],
        interval="quarters",
    )

    def add_students(n: int) -> None:
        for _ in range(n):
            e = student(c)
            for i in range(12):
                log(e.user_id, c, START + 100 + i, cm=forum if i % 2 else None)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ds = dataset_build(model=model, mode="evaluation", now=NOW)
        return len(ds), len(ctx.captured_queries)

    AnalyticsSettings.load()  # created on first read: not part of the count
    add_students(2)
    rows_few, few = queries()
    add_students(20)
    rows_many, many = queries()
    assert (rows_few, rows_many) == (8, 88)
    assert many == few


def test_processor_dataset_has_no_missing_values():
    dropout_site()
    model = analytics_model(
        target="course_dropout",
        indicators=["mod_quiz_cognitive_depth", "read_actions"],
        interval="quarters",
    )
    ds = dataset_build(model=model, mode="training", now=NOW)
    assert np.isnan(ds.X).any()  # no quiz: no cognitive depth value
    converted = ds.for_processor()
    assert converted.features.shape == ds.X.shape
    assert np.isfinite(converted.features).all()
    assert converted.labels.tolist() == ds.labels.tolist()


def test_prediction_caches_indicator_values_and_reuses_them():
    c = course(end=START + 80 * DAY)
    e = student(c)
    log(e.user_id, c, START + 5, crud="c")
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    now = START + 25 * DAY
    first = dataset_build(model=model, mode="prediction", now=now, record=False)
    assert first.X[0, 4] == 1  # a write in range 0
    cached = IndicatorCalculation.objects.filter(sampleid=e.id)
    assert sorted(cached.values_list("indicator", flat=True)) == sorted(INDICATORS)
    assert cached.get(indicator="any_write_action_in_course").value == 1
    # The stored value wins over a recomputation of the same range.
    IndicatorCalculation.objects.filter(indicator="any_write_action_in_course").update(
        value=-1
    )
    again = dataset_build(model=model, mode="prediction", now=now, record=False)
    assert again.X[0, 4] == -1
    assert IndicatorCalculation.objects.count() == len(INDICATORS)
    # Training never writes the cache.
    dataset_build(model=model, mode="evaluation", now=now)
    assert IndicatorCalculation.objects.count() == len(INDICATORS)


def test_expired_calculations_are_deleted():
    def calc(days_old: int) -> None:
        row = IndicatorCalculation.objects.create(
            starttime=1,
            endtime=2,
            contextid=3,
            sampleorigin="user_enrolments",
            sampleid=4,
            indicator="read_actions",
            value=0.33,
        )
        IndicatorCalculation.objects.filter(pk=row.pk).update(
            timecreated=timezone.now() - dt.timedelta(days=days_old)
        )

    for days in (1, 34, 36, 400):
        calc(days)
    assert indicator_calculations_delete_expired(lifetime_days=0) == 0
    assert indicator_calculations_delete_expired() == 2  # the setting: 35 days
    assert IndicatorCalculation.objects.count() == 2
    assert indicator_calculations_delete_expired(lifetime_days=30) == 1


class _DetailedReads:
    """read_actions, with details ("read") on the rows of an active reader."""

    key = "read_actions"

    def __new__(cls):
        from models_app.plugins.indicators.read_actions import ReadActions

        class Detailed(ReadActions):
            def row_details(self, data):
                return ["read" if v > 0 else "" for v in self.calculate(data)]

        return Detailed()


def test_indicators_details_reach_the_dataset_by_key(monkeypatch):
    """Any indicator's row_details land in dataset.extra under its key, for the
    rows kept, by "sampleid-rangeindex"; rows without details are left out (no
    indicator key is special in the generic path)."""
    from models_app.plugins import registry

    _c, a, b = dropout_site()
    real = registry.indicator_class

    def indicator_class(key):
        return _DetailedReads if key == "read_actions" else real(key)

    monkeypatch.setattr(registry, "indicator_class", indicator_class)
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    ds = dataset_build(model=model, mode="training", now=NOW)
    # Reads (column 5): A 0.33 in quarter 0, B 0.33 in quarter 2, others <= 0.
    assert ds.extra == {"read_actions": {f"{a.id}-0": "read", f"{b.id}-2": "read"}}


def test_unix_times_computed_by_the_database_equal_the_datetimes():
    """Facts read times as integers computed in SQL (no datetime per value): the
    same whole seconds as the datetimes give, None for none."""
    from lms.models import Activity
    from models_app.analysis.data import UnixTime, ts

    c = course()
    times = [
        dt.datetime(2026, 3, 1, 12, 30, 15, 999_999, tzinfo=dt.UTC),
        dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=dt.UTC),
        None,
    ]
    for when in times:
        Activity.objects.create(course=c, modname="assign", name="a", duedate=when)
    got = list(
        Activity.objects.filter(course=c)
        .annotate(due=UnixTime("duedate"))
        .order_by("id")
        .values_list("duedate", "due")
    )
    assert [due for _when, due in got] == [ts(w) for w in times]
    assert [due for _when, due in got] == [1772368215, 1000000000, None]


def _written(X, labels=None, *, labelled=True) -> list[str]:
    from models_app.analysis.dataset import Dataset

    X = np.asarray(X, dtype=float).reshape(len(X), -1)
    ds = Dataset(
        mode="training" if labelled else "prediction",
        model_id=1,
        target="course_dropout",
        interval="quarters",
        columns=[f"range/{i}" for i in range(X.shape[1])],
        X=X,
        sample_ids=np.arange(len(X), dtype=np.int64) + 7,
        range_indexes=np.zeros(len(X), dtype=np.int64),
        labels=None if labels is None else np.asarray(labels, dtype=float),
    )
    out = io.StringIO()
    dataset_write_csv(dataset=ds, file=out, labelled=labelled)
    return out.getvalue().splitlines()[3:]


def test_csv_values_are_written_as_moodle_reads_them():
    """Golden lines: ten significant digits, a missing value (any NaN) empty,
    infinities and signed zeros as PHP's printf would give them."""
    nan = float("nan")
    rows = [
        [0.1 + 0.2, -1.0, 1 / 3, nan],
        [-nan, 1e-12, 1.5e300, -0.0],
        [float("inf"), -float("inf"), 5e-324, 123456789012.0],
    ]
    assert _written(rows, [1, nan, 0]) == [
        "0.3,-1,0.3333333333,,1",
        ",1e-12,1.5e+300,-0,",
        "inf,-inf,4.940656458e-324,1.23456789e+11,0",
    ]
    assert _written(rows, labelled=False) == [
        "7-0,0.3,-1,0.3333333333,",
        "8-0,,1e-12,1.5e+300,-0",
        "9-0,inf,-inf,4.940656458e-324,1.23456789e+11",
    ]


def test_a_dataset_without_feature_columns_writes_only_labels_or_ids():
    assert _written(np.zeros((2, 0)), [1, 0]) == ["1", "0"]
    assert _written(np.zeros((2, 0)), labelled=False) == ["7-0", "8-0"]
