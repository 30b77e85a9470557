"""Activity rollups: kept up to date by the writers, read instead of whole days of
the raw log, and giving exactly the datasets of the raw log for every interval."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.generator import site_config_build, site_generate
from lms.models import Course
from logstore.models import ActivityRollup, RollupState, StandardLogEntry
from logstore.readers import get_reader
from logstore.rollups import DAY, STORE_CODES, rollup_usable
from logstore.services import log_rows_write
from logstore.services.rollup import bulk_write_finished, rollup_rebuild
from models_app.defaults import DEFAULT_MODELS
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.services.analysis import dataset_build

pytestmark = pytest.mark.django_db

NOW = 1_760_000_000 + 12345  # not at midnight: range boundaries cut days
STORES = ("standard", "legacy")


@pytest.fixture(autouse=True)
def any_rollup(monkeypatch):
    """Read the rollup however little it compresses the small generated site."""
    monkeypatch.setattr("logstore.rollups.MIN_COMPRESSION", 0.0)


def small_site():
    """A generated site of 6 courses and 12,000 events in both stores."""
    config = site_config_build(
        preset="demo",
        courses=6,
        events=12_000,
        seed=5,
        now=dt.datetime.fromtimestamp(NOW, tz=dt.UTC),
        logstore="both",
    )
    return site_generate(config=config)


@pytest.fixture
def site(db):
    return small_site()


def _rollup_rows(store: str) -> list[tuple]:
    fields = [f.attname for f in ActivityRollup._meta.concrete_fields][1:]
    return sorted(
        ActivityRollup.objects.filter(store=STORE_CODES[store]).values_list(*fields)
    )


def _same(a, b) -> None:
    """Two datasets are the same, column by column and row by row."""
    assert a.refused == b.refused
    assert a.columns == b.columns
    for name in ("sample_ids", "range_indexes", "analysable_ids", "range_ends"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist()
    assert a.X.shape == b.X.shape
    for column in range(a.X.shape[1]):
        assert np.array_equal(a.X[:, column], b.X[:, column], equal_nan=True), (
            a.columns[column]
        )
    if a.labels is None:
        assert b.labels is None
    else:
        assert np.array_equal(a.labels, b.labels, equal_nan=True)


def test_generated_site_is_rolled_up_in_both_stores(site):
    for store in STORES:
        reader = get_reader(store)
        assert rollup_usable(reader) is True
        state = RollupState.objects.get(store=STORE_CODES[store])
        assert state.rows == reader.total_rows() > 0


#: Every indicator (the aggregate keeps every activity's groups for the mod_*
#: ones), and the default dropout model's (none of them: its instances collapse).
INDICATOR_SETS = {
    "all": sorted(registry.INDICATORS),
    "default-dropout": sorted(
        next(d for d in DEFAULT_MODELS if d.key == "course_dropout").indicators
    ),
}


@pytest.mark.parametrize("indicators", sorted(INDICATOR_SETS))
@pytest.mark.parametrize("interval", sorted(registry.INTERVALS))
def test_datasets_from_the_rollup_equal_the_raw_log(site, interval, indicators):
    model = AnalyticsModel.objects.create(
        target="course_dropout",
        indicators=INDICATOR_SETS[indicators],
        interval=interval,
        enabled=True,
    )
    compared = 0
    for store in STORES:
        for mode in ("evaluation", "prediction"):
            raw = dataset_build(
                model=model,
                mode=mode,
                now=NOW,
                fresh=True,
                reader=get_reader(store, rollup=False),
            )
            with CaptureQueriesContext(connection) as queries:
                rolled = dataset_build(
                    model=model,
                    mode=mode,
                    now=NOW,
                    fresh=True,
                    reader=get_reader(store),
                )
            _same(raw, rolled)
            if len(raw):
                compared += 1
                assert any(
                    "logstore_activity_rollup" in q["sql"]
                    for q in queries.captured_queries
                )
    if interval in {"quarters", "quarters_accum", "deciles", "deciles_accum"}:
        assert compared == 4  # both stores, both modes: something was compared


def test_reader_counts_equal_for_cut_and_whole_days(site):
    courses = list(Course.objects.values_list("pk", flat=True))
    for store in STORES:
        raw, rolled = get_reader(store, rollup=False), get_reader(store)
        for until in (NOW, (NOW // DAY) * DAY - 1, NOW - 3 * DAY + 7):
            a = raw.daily_counts(course_ids=courses, until=until)
            b = rolled.daily_counts(course_ids=courses, until=until)
            key = np.lexsort(a[:3])
            other = np.lexsort(b[:3])
            for x, y in zip(a, b, strict=True):
                assert x[key].tolist() == y[other].tolist()


def test_new_rows_refresh_only_their_days_and_match_a_rebuild(site):
    course = Course.objects.order_by("pk").first()
    row = StandardLogEntry.objects.filter(courseid=course.pk).order_by("-id").first()
    fields = ["eventname", "component", "action", "target", "crud", "edulevel"]
    fields += ["contextid", "contextlevel", "contextinstanceid", "userid"]
    fields += ["objecttable", "origin", "ip", "courseid", "timecreated", "anonymous"]
    values = [getattr(row, f) for f in fields]
    rows = [(*values[:-2], NOW + i * 3600, False) for i in range(30)]
    log_rows_write(model=StandardLogEntry, fields=fields, rows=rows)
    assert rollup_usable(get_reader("standard")) is False  # not rolled up yet
    with CaptureQueriesContext(connection) as queries:
        bulk_write_finished(models_=[StandardLogEntry])
    assert rollup_usable(get_reader("standard")) is True
    # Only the days of the new rows were aggregated again.
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO" in q["sql"]]
    assert any("WITH p(c, lo, hi)" in sql for sql in inserts)
    incremental = _rollup_rows("standard")
    rollup_rebuild(store="standard")
    assert _rollup_rows("standard") == incremental


def test_rows_deleted_behind_the_service_are_caught_by_the_next_refresh(site):
    course = Course.objects.order_by("pk").first()
    victims = list(
        StandardLogEntry.objects.filter(courseid=course.pk)
        .order_by("id")
        .values_list("id", flat=True)[:50]
    )
    StandardLogEntry.objects.filter(id__in=victims).delete()
    bulk_write_finished(models_=[StandardLogEntry])
    state = RollupState.objects.get(store=STORE_CODES["standard"])
    assert state.rows == get_reader("standard").total_rows()
    refreshed = _rollup_rows("standard")
    rollup_rebuild(store="standard")
    assert _rollup_rows("standard") == refreshed


def test_rollup_log_command_rebuilds(site):
    ActivityRollup.objects.all().delete()
    call_command("rollup_log", "--rebuild")
    for store in STORES:
        state = RollupState.objects.get(store=STORE_CODES[store])
        assert state.rows == get_reader(store).total_rows()
        assert rollup_usable(get_reader(store)) is True


def test_a_rollup_barely_smaller_than_the_log_is_not_read(site, monkeypatch):
    state = RollupState.objects.get(store=STORE_CODES["standard"])
    monkeypatch.setattr(
        "logstore.rollups.MIN_COMPRESSION", state.rows / state.groups + 0.01
    )
    assert rollup_usable(get_reader("standard")) is False
    monkeypatch.setattr(
        "logstore.rollups.MIN_COMPRESSION", state.rows / state.groups - 0.01
    )
    assert rollup_usable(get_reader("standard")) is True


def test_a_query_about_few_courses_reads_the_rollup_anyway(site, monkeypatch):
    """A nightly run's queries (the few courses with new rows) read the rollup
    even when it barely compresses the log; a chunk's many courses do not."""
    from logstore.readers import buckets_for_ranges

    state = RollupState.objects.get(store=STORE_CODES["standard"])
    monkeypatch.setattr(
        "logstore.rollups.MIN_COMPRESSION", state.rows / state.groups + 0.01
    )
    monkeypatch.setattr("logstore.rollups.FEW_COURSES", 2)
    reader = get_reader("standard")
    assert rollup_usable(reader) is False
    assert rollup_usable(reader, courses=2) is True
    assert rollup_usable(reader, courses=3) is False
    ids = sorted(Course.objects.values_list("id", flat=True))[:3]

    def tables(course_ids):
        buckets, _members = buckets_for_ranges(
            course_ids, [NOW - 30 * DAY] * len(course_ids), [NOW] * len(course_ids)
        )
        with CaptureQueriesContext(connection) as queries:
            groups = reader.aggregate(buckets=buckets)
        read = {
            t
            for t in ("logstore_activity_rollup", reader.table)
            if any(t in q["sql"] for q in queries.captured_queries)
        }
        return read, groups

    read, few = tables(ids[:2])
    assert "logstore_activity_rollup" in read
    read, _many = tables(ids)
    assert read == {reader.table}
    raw = get_reader("standard", rollup=False)
    buckets, _members = buckets_for_ranges(ids[:2], [NOW - 30 * DAY] * 2, [NOW] * 2)
    exact = raw.aggregate(buckets=buckets)

    def rows(groups):
        names = list(groups.__dataclass_fields__)
        return sorted(zip(*(getattr(groups, n).tolist() for n in names), strict=True))

    assert rows(few) == rows(exact)
    assert len(rows(few)) > 0
