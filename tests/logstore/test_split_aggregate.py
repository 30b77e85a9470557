"""A chunk's log aggregate split by course over several database connections at
once (LogReader.aggregate_parts, logstore/readers/concurrent.py), on PostgreSQL
and on SQLite: the same datasets as one query, never inside a transaction, and a
connection that cannot open costs only time."""

from __future__ import annotations

import logging

import pytest
from django.db import connections, transaction

from logstore.models import StandardLogEntry
from logstore.readers import buckets_for_ranges, concurrent, get_reader
from models_app.defaults import DEFAULT_MODELS
from models_app.models import AnalyticsModel
from models_app.services.analysis import dataset_build
from tests.logstore.test_rollup import NOW, _same, small_site

STORES = ("standard", "legacy")


@pytest.fixture
def committed_site(transactional_db):
    """A small generated site whose rows are committed, as on a real site: the
    other connections see them."""
    return small_site()


@pytest.fixture(autouse=True)
def no_failure_pause(monkeypatch):
    """No pause left over from another test's failed connection."""
    monkeypatch.setattr(concurrent, "_failed_at", None)


@pytest.fixture
def split_on(settings, monkeypatch):
    """Split every aggregate in two, however small the log."""
    settings.FORESIGHT_ANALYSIS_DB_CONNECTIONS = 2
    monkeypatch.setattr("logstore.readers.concurrent.CONCURRENT_MIN_ROWS", 0)


@pytest.fixture
def splits(monkeypatch) -> list[int]:
    """How many queries each split aggregate ran at once."""
    seen: list[int] = []
    original = concurrent.ints_concurrently

    def counting(sqls, n_columns, fetch):
        seen.append(len(sqls))
        return original(sqls, n_columns, fetch)

    monkeypatch.setattr(
        "logstore.readers.reader.ints_concurrently", counting, raising=True
    )
    return seen


def _whole_site_buckets():
    """Buckets of every course of the site, cut at each of its ten days."""
    from lms.models import Course

    courses = list(Course.objects.exclude(startdate=None).order_by("pk"))
    ids, starts, ends = [], [], []
    for c in courses:
        start = int(c.startdate.timestamp())
        for day in range(10):
            ids.append(c.pk)
            starts.append(start + day * 86400)
            ends.append(start + (day + 1) * 86400)
    return buckets_for_ranges(ids, starts, ends)[0]


def _sorted_groups(groups) -> list[tuple]:
    names = list(groups.__dataclass_fields__)
    return sorted(zip(*(getattr(groups, n).tolist() for n in names), strict=True))


def test_a_split_aggregate_has_exactly_the_groups_of_one_query(
    committed_site, split_on, splits
):
    buckets = _whole_site_buckets()
    assert len(buckets.course_ids) >= 4
    for store in STORES:
        reader = get_reader(store, rollup=False)
        assert reader.aggregate_parts(buckets) == 2
        split = reader.aggregate(buckets=buckets)
        with transaction.atomic():  # inside a transaction: one query
            whole = reader.aggregate(buckets=buckets)
        assert len(split.n) > 100
        assert _sorted_groups(split) == _sorted_groups(whole), store
    assert splits == [2, 2]


def test_datasets_are_the_same_with_the_aggregate_split(
    committed_site, split_on, splits, settings
):
    model = AnalyticsModel.objects.create(
        target="course_dropout",
        indicators=list(
            next(d for d in DEFAULT_MODELS if d.key == "course_dropout").indicators
        ),
        interval="quarters",
        enabled=True,
    )
    for store in STORES:
        reader = get_reader(store, rollup=False)
        settings.FORESIGHT_ANALYSIS_DB_CONNECTIONS = 1
        one = dataset_build(
            model=model, mode="evaluation", now=NOW, fresh=True, reader=reader
        )
        assert not splits
        settings.FORESIGHT_ANALYSIS_DB_CONNECTIONS = 2
        split = dataset_build(
            model=model, mode="evaluation", now=NOW, fresh=True, reader=reader
        )
        assert splits and set(splits) == {2}
        splits.clear()
        assert len(one) > 50
        _same(one, split)


def test_inside_a_transaction_its_own_rows_are_counted(committed_site, split_on):
    """The other connections would not see a transaction's uncommitted rows, so
    inside one the aggregate is never split and counts them."""
    buckets = _whole_site_buckets()
    reader = get_reader("standard", rollup=False)
    before = int(reader.aggregate(buckets=buckets).n.sum())
    template = StandardLogEntry.objects.filter(
        courseid=buckets.course_ids[1],
        timecreated__gt=buckets.thresholds[1][0],
        timecreated__lt=buckets.thresholds[1][-1],
    ).first()
    assert template is not None
    with transaction.atomic():
        template.pk = None
        template.save()
        assert reader.aggregate_parts(buckets) == 1
        assert int(reader.aggregate(buckets=buckets).n.sum()) == before + 1
        transaction.set_rollback(True)


def test_a_connection_that_cannot_open_costs_only_time(
    committed_site, split_on, monkeypatch, caplog
):
    """A second connection refused (here: nothing listens on its port; on SQLite
    a file that cannot be opened) runs its part on the first connection, with one
    warning line and the same groups; the next aggregates stay on one connection
    for a while instead of failing and warning again."""
    buckets = _whole_site_buckets()
    reader = get_reader("standard", rollup=False)
    expected = _sorted_groups(reader.aggregate(buckets=buckets))
    wrapper_class = type(connections["default"])
    original_copy = wrapper_class.copy

    def unreachable(self, alias=None):
        other = original_copy(self, alias)
        if other.vendor == "sqlite":
            other.settings_dict["NAME"] = "/nonexistent-directory/foresight.sqlite3"
        else:
            other.settings_dict["HOST"] = "127.0.0.1"
            other.settings_dict["PORT"] = "1"
        return other

    monkeypatch.setattr(wrapper_class, "copy", unreachable)
    with caplog.at_level(logging.WARNING, logger="logstore.readers.concurrent"):
        got = _sorted_groups(reader.aggregate(buckets=buckets))
    assert got == expected
    warnings = [r for r in caplog.records if r.name == "logstore.readers.concurrent"]
    assert len(warnings) == 1
    assert "runs on the first connection" in warnings[0].getMessage()
    assert "\n" not in warnings[0].getMessage()
    assert reader.aggregate_parts(buckets) == 1
    assert _sorted_groups(reader.aggregate(buckets=buckets)) == expected
    assert [r.name for r in caplog.records].count("logstore.readers.concurrent") == 1


def test_small_logs_and_single_courses_keep_one_query(
    transactional_db, settings, monkeypatch
):
    """Outside a transaction, a log under CONCURRENT_MIN_ROWS (here the empty test
    log) or a single course never split; the rest does."""
    settings.FORESIGHT_ANALYSIS_DB_CONNECTIONS = 2
    reader = get_reader("standard", rollup=False)
    two = buckets_for_ranges([1, 2], [0, 0], [10, 10])[0]
    one = buckets_for_ranges([1], [0], [10])[0]
    assert reader.aggregate_parts(two) == 1
    monkeypatch.setattr("logstore.readers.concurrent.CONCURRENT_MIN_ROWS", 0)
    assert reader.aggregate_parts(one) == 1
    assert reader.aggregate_parts(two) == 2
    assert reader.aggregate(buckets=two).n.tolist() == []
    settings.FORESIGHT_ANALYSIS_DB_CONNECTIONS = 1
    assert reader.aggregate_parts(two) == 1
