"""A nightly prediction run reads the log of the courses with new rows alone."""

from __future__ import annotations

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

    def aggregate(self, *, buckets, eventnames=()):  # type: ignore[no-untyped-def]
        self.courses.append(sorted(int(c) for c in buckets.course_ids))
        return super().aggregate(buckets=buckets, eventnames=eventnames)


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
    import datetime as dt

    from lms.generator import site_config_build, site_generate
    from models_app.defaults import DEFAULT_MODELS
    from models_app.models import AnalyticsModel

    now = 1_760_000_000 + 12345
    site_generate(
        config=site_config_build(
            preset="demo",
            courses=24,
            events=12_000,
            seed=7,
            now=dt.datetime.fromtimestamp(now, tz=dt.UTC),
            logstore="standard",
        )
    )
    default = next(d for d in DEFAULT_MODELS if d.key == "course_dropout")
    model = AnalyticsModel.objects.create(
        target="course_dropout", indicators=list(default.indicators), interval="deciles"
    )
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
