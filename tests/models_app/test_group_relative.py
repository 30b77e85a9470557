"""Group-relative indicators (classmates, relative_activity, the "/mean" columns)
compare a new row with every valid sample of its course and range, the ones already
predicted or trained on included, and never go through the calculation cache."""

from __future__ import annotations

import numpy as np
import pytest

from insights.models import Prediction
from models_app.models import IndicatorCalculation, PredictSample, TrainSample
from models_app.plugins.indicators.classmates import (
    ComparedWithClassmates,
    ReadActionsComparedWithClassmates,
)
from models_app.plugins.indicators.read_actions import ReadActions
from models_app.plugins.indicators.relative_activity import RelativeActivity
from models_app.services.analysis import dataset_build
from models_app.services.running import Status, model_predict, model_train
from tests.fixtures.analysis_site import (
    DAY,
    START,
    analytics_model,
    course,
    log,
    student,
)
from tests.models_app import running_site

pytestmark = pytest.mark.django_db

IND = [
    "read_actions",
    "days_since_last_access",
    "read_actions_classmates",
    "days_since_last_access_classmates",
    "relative_activity",
]


def _row(ds, sid, ridx=None):
    at = [
        i
        for i, (s, r) in enumerate(
            zip(ds.sample_ids.tolist(), ds.range_indexes.tolist(), strict=True)
        )
        if s == sid and (ridx is None or r == ridx)
    ]
    return dict(zip(ds.columns, ds.X[at[0]].tolist(), strict=True)) if at else None


def _predicted(model, aid):
    return {
        (row.rangeindex, sid)
        for row in PredictSample.objects.filter(model=model, analysableid=aid)
        for sid in row.sampleids
    }


def _trained(model, aid):
    return [
        sid
        for row in TrainSample.objects.filter(model=model, analysableid=aid)
        for sid in row.sampleids
    ]


def test_group_relative_flags():
    assert RelativeActivity.group_relative is True
    assert ComparedWithClassmates.group_relative is True
    assert ReadActionsComparedWithClassmates.group_relative is True
    assert ReadActions.group_relative is False


def test_late_enrolment_is_predicted_against_the_students_predicted_before():
    c = course(end=START + 80 * DAY)  # quarters of 20 days
    active = [student(c) for _ in range(4)]
    for k, e in enumerate(active[:3]):
        for d in range(0, 20, 2 + k):
            log(e.user_id, c, START + d * DAY + 60)
            log(e.user_id, c, START + 20 * DAY + d * DAY + 60)
    model = analytics_model(
        target="course_dropout", indicators=IND, interval="quarters"
    )
    night1 = dataset_build(model=model, mode="prediction", now=START + 21 * DAY)
    assert sorted(night1.sample_ids.tolist()) == sorted(e.id for e in active)
    before = _predicted(model, c.id)
    (ridx,) = set(night1.range_indexes.tolist())
    # Enrolled late, silent: the night after, the one new row.
    late = student(c, timestart=START + 21 * DAY + 3600)

    night2 = dataset_build(model=model, mode="prediction", now=START + 22 * DAY)
    fresh = dataset_build(
        model=model, mode="prediction", now=START + 22 * DAY, fresh=True
    )

    assert night2.sample_ids.tolist() == [late.id]
    mine = _row(night2, late.id)
    assert mine == _row(fresh, late.id)
    # Compared with the class, not with nobody: the silent student is below it,
    # and the "/mean" column is the class's mean.
    assert mine["read_actions_classmates"] < 0
    assert mine["relative_activity"] < 0
    assert mine["read_actions/mean"] == _row(fresh, active[0].id)["read_actions/mean"]
    assert mine["read_actions/mean"] != mine["read_actions"]
    # Only the new row is recorded as predicted.
    assert _predicted(model, c.id) == before | {(ridx, late.id)}
    # A night with nothing new reads nothing, predicts nothing.
    night3 = dataset_build(model=model, mode="prediction", now=START + 23 * DAY)
    assert len(night3) == 0
    told = "No new predictions yet for"
    assert not any(told in m for m in night2.messages)
    assert any(told in m for m in night3.messages)


def test_retraining_after_a_late_sync_standardises_against_the_trained_class():
    c = course(end=START + 80 * DAY)
    studs = [student(c) for _ in range(4)]
    for k, e in enumerate(studs):
        for d in range(0, 80, 1 + k):
            log(e.user_id, c, START + d * DAY + 60)
    model = analytics_model(
        target="course_dropout", indicators=IND, interval="quarters"
    )
    first = dataset_build(model=model, mode="training", now=START + 90 * DAY)
    assert sorted(set(first.sample_ids.tolist())) == sorted(e.id for e in studs)
    trained = _trained(model, c.id)
    extra = student(c)  # added after the course was trained (a late sync)
    for d in range(0, 80, 20):
        log(extra.user_id, c, START + d * DAY + 60)

    again = dataset_build(model=model, mode="training", now=START + 91 * DAY)
    whole = dataset_build(model=model, mode="evaluation", now=START + 91 * DAY)

    assert set(again.sample_ids.tolist()) == {extra.id}
    for ridx in range(4):
        assert _row(again, extra.id, ridx) == _row(whole, extra.id, ridx)
    assert _row(again, extra.id, 0)["read_actions_classmates"] < 0
    assert _trained(model, c.id) == [*trained, extra.id]
    # Trained samples are not trained on again.
    assert len(dataset_build(model=model, mode="training", now=START + 92 * DAY)) == 0


def test_the_cache_does_not_reuse_another_runs_classmates_values():
    c = course(end=START + 80 * DAY)
    studs = [student(c) for _ in range(3)]
    for k, e in enumerate(studs):
        for d in range(0, 20, 2 + k):
            log(e.user_id, c, START + d * DAY + 60)
    a = analytics_model(target="course_dropout", indicators=IND, interval="quarters")
    dataset_build(model=a, mode="prediction", now=START + 21 * DAY)
    cached = set(IndicatorCalculation.objects.values_list("indicator", flat=True))
    assert "read_actions" in cached
    assert not cached & {"relative_activity", "read_actions_classmates"}
    # A busy student joins the class (from the start of quarter 0), then a second
    # model predicts the same range: the first model's values must not be reused.
    busy = student(c, timestart=START + 3600)
    for d in range(20):
        for h in range(10):
            log(busy.user_id, c, START + d * DAY + 3600 + h * 60)
    b = analytics_model(target="course_dropout", indicators=IND, interval="quarters")
    now = START + 21 * DAY + 3600
    run_b = dataset_build(model=b, mode="prediction", now=now)
    fresh = dataset_build(model=b, mode="prediction", now=now, fresh=True)
    for s in [*studs, busy]:
        for key in ("relative_activity", "read_actions_classmates"):
            assert _row(run_b, s.id)[key] == _row(fresh, s.id)[key], (s.id, key)
    # The busy student changed the others' ranks.
    first = _row(run_b, studs[0].id)
    assert first["relative_activity"] < 1.0


def test_model_predict_after_a_late_enrolment_predicts_the_newcomer_alone():
    finished = [running_site.finished_course(), running_site.finished_course()]
    running = running_site.running_course()
    model = running_site.dropout_model(
        indicators=[*running_site.INDICATORS, "read_actions_classmates"]
    )
    assert model_train(model=model, now=running_site.NOW).status == Status.OK
    assert model_predict(model=model, now=running_site.NOW).status == Status.OK
    stored = {p.pk for p in Prediction.objects.filter(model=model)}
    assert stored
    predicted = _predicted(model, running.pk)
    trained = {a.pk: _trained(model, a.pk) for a in finished}
    newcomer = student(running, timestart=running_site.NOW - 2 * DAY)

    again = model_predict(model=model, now=running_site.NOW)

    assert again.status in (Status.OK, Status.NOTHING), again
    new_rows = Prediction.objects.filter(model=model).exclude(pk__in=stored)
    assert {p.sampleid for p in new_rows} <= {newcomer.pk}
    added = _predicted(model, running.pk) - predicted
    assert {sid for _r, sid in added} == {newcomer.pk}
    assert {a.pk: _trained(model, a.pk) for a in finished} == trained
    fresh = dataset_build(
        model=model, mode="prediction", now=running_site.NOW, fresh=True
    )
    ours = dataset_build(model=model, mode="prediction", now=running_site.NOW)
    assert len(ours) == 0  # nothing new left
    mine = _row(fresh, newcomer.pk)
    assert mine is not None and np.isfinite(mine["read_actions_classmates"])
    for p in new_rows:
        assert p.calculations["read_actions_classmates"] == pytest.approx(
            mine["read_actions_classmates"]
        )
