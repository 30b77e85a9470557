"""A nightly prediction run reads the log of the courses with new rows alone."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import transaction

from logstore.readers import StandardLogReader
from models_app.analysis import chunk
from models_app.services.analysis import dataset_build
from tests.fixtures.analysis_site import (
    DAY,
    START,
    analytics_model,
    course,
    log,
    student,
)

pytestmark = pytest.mark.django_db

INDICATORS = ["any_write_action_in_course", "read_actions", "any_course_access"]


class CountingReader(StandardLogReader):
    """The standard reader, keeping the courses of each aggregate query."""

    def __init__(self) -> None:
        super().__init__()
        self.courses: list[list[int]] = []

    def aggregate(self, *, buckets, **kwargs):  # type: ignore[no-untyped-def]
        self.courses.append(sorted(int(c) for c in buckets.course_ids))
        return super().aggregate(buckets=buckets, **kwargs)


def two_courses():
    """A: 80 days (quarters of 20 days); B: 120 days (quarters of 30 days)."""
    a, b = course(end=START + 80 * DAY), course(end=START + 120 * DAY)
    for c in (a, b):
        for _ in range(2):
            e = student(c)
            for i in range(5):
                log(e.user_id, c, START + i * 7 * DAY + 60)
                log(e.user_id, c, START + i * 7 * DAY + 90, crud="c")
    return a, b


def generated_dropout_site(*, seed: int):
    """A generated demo site of 24 courses and the default dropout model (deciles)."""
    from lms.generator import site_config_build, site_generate
    from models_app.defaults import DEFAULT_MODELS
    from models_app.models import AnalyticsModel

    now = 1_760_000_000 + 12345
    site_generate(
        config=site_config_build(
            preset="demo",
            courses=24,
            events=12_000,
            seed=seed,
            now=dt.datetime.fromtimestamp(now, tz=dt.UTC),
            logstore="standard",
        )
    )
    default = next(d for d in DEFAULT_MODELS if d.key == "course_dropout")
    model = AnalyticsModel.objects.create(
        target="course_dropout", indicators=list(default.indicators), interval="deciles"
    )
    return now, model


def test_next_night_reads_only_the_courses_with_new_rows():
    a, b = two_courses()
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    tonight = dataset_build(model=model, mode="prediction", now=START + 31 * DAY)
    assert sorted(set(tonight.analysable_ids.tolist())) == [a.id, b.id]

    # The next night after A's second quarter: only A has something new.
    reader = CountingReader()
    nxt = dataset_build(
        model=model, mode="prediction", now=START + 41 * DAY, reader=reader
    )
    assert set(nxt.analysable_ids.tolist()) == {a.id}
    assert reader.courses == [[a.id]]
    assert any("No new predictions" in m and b.fullname in m for m in nxt.messages)
    assert nxt.analysables_valid == 2

    # Same rows and values as analysing both courses from scratch.
    full = dataset_build(
        model=model, mode="prediction", now=START + 41 * DAY, fresh=True
    )
    mine = np.flatnonzero(full.analysable_ids == a.id)
    assert full.ids[mine[0] : mine[-1] + 1] == nxt.ids
    np.testing.assert_array_equal(full.X[mine], nxt.X)
    assert full.columns == nxt.columns


def test_generated_site_next_nights_equal_the_whole_chunks_analysis(monkeypatch):
    """The default dropout model on a generated site, night after night: the
    narrowed analysis gives the dataset, messages and counts of the whole chunk's,
    and reads the log of the courses with new rows alone."""
    now, model = generated_dropout_site(seed=7)
    narrowed = 0
    for night in range(-40, 1, 4):
        when = now + night * 86400
        reader = CountingReader()
        with transaction.atomic():
            run = dataset_build(model=model, mode="prediction", now=when, reader=reader)
            transaction.set_rollback(True)
        monkeypatch.setattr(chunk, "NARROW_PREDICTION", False)
        whole = dataset_build(model=model, mode="prediction", now=when)
        monkeypatch.setattr(chunk, "NARROW_PREDICTION", True)
        assert whole.ids == run.ids
        np.testing.assert_array_equal(whole.X, run.X)
        assert whole.messages == run.messages
        assert whole.analysables_valid == run.analysables_valid
        read = {c for courses in reader.courses for c in courses}
        assert read == set(run.analysable_ids.tolist())
        if read and len(read) < whole.analysables_valid:
            narrowed += 1
    assert narrowed > 0


# -- nightly training: finished courses already trained are not read again ----------


def _finished_pair():
    """Two courses with two active students each, both finished by START + 200 days."""
    a, b = two_courses()
    model = analytics_model(
        target="course_dropout", indicators=INDICATORS, interval="quarters"
    )
    return a, b, model


def _active_student(c):
    e = student(c)
    for i in range(5):
        log(e.user_id, c, START + i * 7 * DAY + 60)
        log(e.user_id, c, START + i * 7 * DAY + 90, crud="c")
    return e


AFTER = START + 200 * DAY


def test_next_night_training_reads_no_course_already_trained():
    a, b, model = _finished_pair()
    first = dataset_build(model=model, mode="training", now=AFTER)
    assert sorted(set(first.analysable_ids.tolist())) == [a.id, b.id]

    reader = CountingReader()
    nxt = dataset_build(model=model, mode="training", now=AFTER + DAY, reader=reader)
    assert len(nxt) == 0
    assert reader.courses == []
    for c in (a, b):
        assert any(
            "No new samples to train on" in m and c.fullname in m for m in nxt.messages
        )


def test_a_new_enrolment_brings_its_finished_course_back():
    a, b, model = _finished_pair()
    first = dataset_build(model=model, mode="training", now=AFTER)
    late = _active_student(a)

    reader = CountingReader()
    nxt = dataset_build(model=model, mode="training", now=AFTER + DAY, reader=reader)
    assert reader.courses == [[a.id]]
    assert set(nxt.sample_ids.tolist()) == {late.id}
    assert not set(nxt.sample_ids.tolist()) & set(first.sample_ids.tolist())


def test_moved_end_date_does_not_train_a_sample_twice():
    """Moodle trains a sample once: a course whose end moved (still finished)
    gives nothing new, and its log is not read."""
    a, b, model = _finished_pair()
    dataset_build(model=model, mode="training", now=AFTER)
    a.enddate = a.enddate + dt.timedelta(days=10)
    a.save()

    reader = CountingReader()
    nxt = dataset_build(model=model, mode="training", now=AFTER + DAY, reader=reader)
    assert len(nxt) == 0
    assert reader.courses == []


def test_a_cleared_model_trains_on_every_course_again():
    from models_app.services.clearing import analytics_model_clear

    a, b, model = _finished_pair()
    first = dataset_build(model=model, mode="training", now=AFTER)
    analytics_model_clear(model=model)

    reader = CountingReader()
    again = dataset_build(model=model, mode="training", now=AFTER + DAY, reader=reader)
    assert reader.courses == [sorted([a.id, b.id])]
    assert again.ids == first.ids
    np.testing.assert_array_equal(again.X, first.X)


def test_another_interval_has_its_own_trained_samples():
    a, b, model = _finished_pair()
    dataset_build(model=model, mode="training", now=AFTER)
    reader = CountingReader()
    other = dataset_build(
        model=model,
        mode="training",
        interval="deciles",
        now=AFTER + DAY,
        reader=reader,
    )
    assert reader.courses == [sorted([a.id, b.id])]
    assert sorted(set(other.analysable_ids.tolist())) == [a.id, b.id]


def test_generated_site_next_training_nights_equal_the_unskipped_analysis(
    monkeypatch,
):
    """Night after night on a generated site, training with the trained courses
    skipped gives the dataset of the analysis that checks them all, and reads the
    log of the courses that give rows alone."""
    now, model = generated_dropout_site(seed=11)
    skipped = 0
    for night in range(-200, 1, 25):
        when = now + night * 86400
        reader = CountingReader()
        with transaction.atomic():
            run = dataset_build(model=model, mode="training", now=when, reader=reader)
            transaction.set_rollback(True)
        monkeypatch.setattr(chunk, "SKIP_TRAINED", False)
        whole = dataset_build(model=model, mode="training", now=when)
        monkeypatch.setattr(chunk, "SKIP_TRAINED", True)
        assert whole.ids == run.ids
        np.testing.assert_array_equal(whole.X, run.X)
        np.testing.assert_array_equal(whole.labels, run.labels)
        read = {c for courses in reader.courses for c in courses}
        skipped += sum("No new samples to train on" in m for m in run.messages)
        assert set(run.analysable_ids.tolist()) <= read
    assert skipped > 0
