"""The log readers: SQL aggregates over both stores, equal for the same events."""

from __future__ import annotations

import numpy as np
import pytest

from logstore.readers import (
    LegacyLogReader,
    StandardLogReader,
    get_reader,
)
from settings_app.models import AnalyticsSettings
from tests.fixtures.analysis_site import DAY, START, activity, course, legacy_copy, log

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    c1, c2 = course(), course()
    forum = activity(c1, "forum")
    # Range 0 of c1 is (START, START + 10 days]; range 1 is (START + 10d, START + 20d].
    log(7, c1, START, crud="r")  # on the start: in no range (start is excluded)
    log(7, c1, START + 1, crud="r")
    log(7, c1, START + 2, crud="r")
    log(
        7,
        c1,
        START + 3,
        crud="c",
        cm=forum,
        eventname="\\mod_forum\\event\\assessable_uploaded",
    )
    log(7, c1, START + 10 * DAY, crud="u", anonymous=True)  # end included
    log(
        8,
        c1,
        START + 11 * DAY,
        crud="r",
        cm=forum,
        eventname="\\mod_forum\\event\\discussion_viewed",
    )
    log(7, c2, START + 5, crud="r")  # another course
    log(7, c1, START - DAY, crud="r")  # before the course
    log(7, c1, START + 50 * DAY, crud="r")  # after the course
    return c1, c2, forum


def _groups(counts) -> dict[tuple, tuple[int, ...]]:
    """(range, user, context level, instance) -> (n, creates, reads, updates,
    non-anonymous, non-anonymous creates and updates)."""
    out = {}
    for i in range(len(counts)):
        key = (
            int(counts.bucket[i]),
            int(counts.userid[i]),
            int(counts.contextlevel[i]),
            int(counts.contextinstanceid[i]),
        )
        values = (
            counts.n[i],
            counts.n_c[i],
            counts.n_r[i],
            counts.n_u[i],
            counts.n_named[i],
            counts.n_named_cu[i],
        )
        previous = out.get(key, (0,) * 6)
        out[key] = tuple(int(a + b) for a, b in zip(previous, values, strict=True))
    return out


def test_range_counts_group_by_range_user_context_and_crud(site):
    c1, c2, forum = site
    counts = StandardLogReader().range_counts(
        course_ids=[c1.id, c1.id, c2.id],
        starts=[START, START + 10 * DAY, START],
        ends=[START + 10 * DAY, START + 20 * DAY, START + 10 * DAY],
    )
    assert isinstance(counts.n, np.ndarray)
    assert _groups(counts) == {
        # 2 reads and the anonymous update in the course context.
        (0, 7, 50, c1.id): (3, 0, 2, 1, 2, 0),
        (0, 7, 70, forum.id): (1, 1, 0, 0, 1, 1),
        (1, 8, 70, forum.id): (1, 0, 1, 0, 1, 0),
        (2, 7, 50, c2.id): (1, 0, 1, 0, 1, 0),
    }


def test_overlapping_ranges_count_an_event_in_each(site):
    c1, _c2, _forum = site
    counts = StandardLogReader().range_counts(
        course_ids=[c1.id, c1.id],
        starts=[START, START],
        ends=[START + 10 * DAY, START + 20 * DAY],
    )
    groups = _groups(counts)
    assert groups[(0, 7, 50, c1.id)][0] == 3
    assert groups[(1, 7, 50, c1.id)][0] == 3
    assert (1, 8, 70, _forum.id) in groups and (0, 8, 70, _forum.id) not in groups


def test_range_counts_of_an_empty_range_set_is_empty():
    counts = StandardLogReader().range_counts(course_ids=[], starts=[], ends=[])
    assert len(counts) == 0


def test_course_user_summary_gives_first_and_last_access(site):
    c1, _c2, _forum = site
    summary = StandardLogReader().course_user_summary(
        course_ids=[c1.id], starts=[START], ends=[START + 40 * DAY]
    )
    rows = {
        u: (first, last, last_any, inside)
        for u, first, last, last_any, inside in zip(
            summary.userid.tolist(),
            summary.first_course_ctx.tolist(),
            summary.last_course_ctx.tolist(),
            summary.last_any.tolist(),
            summary.n_named_inside.tolist(),
            strict=True,
        )
    }
    # User 7: course-context events from START - 1 day to START + 50 days; inside the
    # course dates (strictly) and not anonymous: START+1, START+2, START+3 (forum).
    assert rows[7] == (START - DAY, START + 50 * DAY, START + 50 * DAY, 3)
    # User 8 has only an activity event: no course-context times.
    assert rows[8] == (-1, -1, START + 11 * DAY, 1)


def test_event_times_counts_named_events_in_activities(site):
    c1, _c2, forum = site
    events = StandardLogReader().event_times(
        course_ids=[c1.id],
        starts=[START],
        ends=[START + 20 * DAY],
        eventnames=[
            "\\mod_forum\\event\\assessable_uploaded",
            "\\mod_forum\\event\\discussion_viewed",
        ],
    )
    got = sorted(
        zip(
            events.userid.tolist(),
            events.eventname,
            events.n.tolist(),
            events.last.tolist(),
            strict=True,
        )
    )
    assert got == [
        (7, "\\mod_forum\\event\\assessable_uploaded", 1, START + 3),
        (8, "\\mod_forum\\event\\discussion_viewed", 1, START + 11 * DAY),
    ]


def test_event_times_refuses_what_is_not_an_event_name(site):
    c1, _c2, _forum = site
    with pytest.raises(ValueError):
        StandardLogReader().event_times(
            course_ids=[c1.id], starts=[0], ends=[1], eventnames=["x' OR '1'='1"]
        )


def test_legacy_store_gives_the_same_aggregates(site):
    c1, c2, _forum = site
    legacy_copy()
    args = {
        "course_ids": [c1.id, c1.id, c2.id],
        "starts": [START, START + 10 * DAY, START],
        "ends": [START + 10 * DAY, START + 20 * DAY, START + 10 * DAY],
    }
    standard = _groups(StandardLogReader().range_counts(**args))
    legacy = _groups(LegacyLogReader().range_counts(**args))
    # The legacy log has no anonymous flag: every event is named there.
    assert {k: v[:4] for k, v in legacy.items()} == {
        k: v[:4] for k, v in standard.items()
    }
    s1 = StandardLogReader().course_user_summary(
        course_ids=[c1.id], starts=[START], ends=[START + 40 * DAY]
    )
    s2 = LegacyLogReader().course_user_summary(
        course_ids=[c1.id], starts=[START], ends=[START + 40 * DAY]
    )
    assert np.array_equal(s1.last_any, s2.last_any)
    assert np.array_equal(s1.first_course_ctx, s2.first_course_ctx)


def test_legacy_actions_map_to_crud():
    c = course()
    from logstore.models import LegacyLogEntry

    for i, action in enumerate(["view", "add post", "update", "delete mod", "login"]):
        LegacyLogEntry.objects.create(
            time=START + 1 + i,
            userid=3,
            course=c.id,
            module="forum",
            cmid=0,
            action=action,
        )
    counts = LegacyLogReader().range_counts(
        course_ids=[c.id], starts=[START], ends=[START + DAY]
    )
    n, c_, r, u = (int(x.sum()) for x in (counts.n, counts.n_c, counts.n_r, counts.n_u))
    # "view" and "login" (no crud word: a read), "add post", "update", "delete mod".
    assert (c_, r, u, n - c_ - r - u) == (1, 2, 1, 1)


def test_get_reader_follows_the_setting():
    settings_row = AnalyticsSettings.load()
    settings_row.logstore = "legacy"
    settings_row.save()
    assert isinstance(get_reader(), LegacyLogReader)
    settings_row.logstore = "standard"
    settings_row.save()
    assert isinstance(get_reader(), StandardLogReader)
    with pytest.raises(ValueError):
        get_reader("nope")


def test_aggregates_keep_education_levels_apart():
    c = course()
    log(5, c, START + 1, edulevel=2)
    log(5, c, START + 2, edulevel=1)
    log(5, c, START + 3, edulevel=1)
    counts = StandardLogReader().range_counts(
        course_ids=[c.id], starts=[START], ends=[START + DAY]
    )
    by_level = dict(zip(counts.edulevel.tolist(), counts.n.tolist(), strict=True))
    assert by_level == {1: 2, 2: 1}


def test_results_do_not_depend_on_the_copy_batch_size(site, monkeypatch):
    """PostgreSQL parses binary COPY blocks as they come: records cut across
    batches must come out whole."""
    from logstore.readers import binary_copy

    c1, c2, _forum = site
    args = {
        "course_ids": [c1.id, c1.id, c2.id],
        "starts": [START, START + 10 * DAY, START],
        "ends": [START + 10 * DAY, START + 20 * DAY, START + 10 * DAY],
    }
    whole = _groups(StandardLogReader().range_counts(**args))
    monkeypatch.setattr(binary_copy, "COPY_BATCH", 37)
    assert _groups(StandardLogReader().range_counts(**args)) == whole


def test_every_name_the_project_imports_from_the_package_exists():
    """logstore.readers is a package of one module per concern; what the rest of
    the project imports from `logstore.readers` keeps working, and each module
    stays small."""
    import ast
    from pathlib import Path

    import logstore.readers as package

    root = Path(__file__).resolve().parents[2]
    wanted: set[str] = set()
    for path in root.glob("**/*.py"):
        if ".venv" in path.parts or "logstore/readers" in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "logstore.readers":
                wanted.update(alias.name for alias in node.names)
    assert {"LogReader", "get_reader", "Aggregates", "LEGACY_EVENTS"} <= wanted
    assert sorted(n for n in wanted if not hasattr(package, n)) == []
    sizes = {
        p.name: len(p.read_text(encoding="utf-8").splitlines())
        for p in Path(package.__file__).parent.glob("*.py")
    }
    assert len(sizes) >= 5 and max(sizes.values()) <= 300, sizes


@pytest.mark.parametrize("rows", [0, 1, 5000])
def test_binary_copy_reads_every_row_and_ends_clean(rows, monkeypatch):
    """Rows ending in bytes that look like the COPY trailer (-1) are rows, not the
    end; no row and one row come out as such; the connection stays usable."""
    from django.db import connection

    from logstore.readers import binary_copy

    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")
    monkeypatch.setattr(binary_copy, "COPY_BATCH", 1000)
    sql = (
        "SELECT CAST(g AS BIGINT), CAST(-1 AS BIGINT) "  # noqa: S608 - an integer
        f"FROM generate_series(1, {int(rows)}) g"
    )
    first, second = binary_copy.copy_ints(sql, 2)
    assert first.tolist() == list(range(1, rows + 1))
    assert second.tolist() == [-1] * rows
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize("user_low", [0, -5])
def test_groups_in_ranges_equals_regrouping_the_copied_groups(user_low):
    """The range sums (without copying the groups) equal, field by field and in
    order, regroup() of every group copied into each range it falls in; also with
    keys too large or negative to pack."""
    from logstore.readers import Aggregates, groups_in_ranges, regroup
    from logstore.readers.views import _expand

    rng = np.random.default_rng(7)
    n = 5000
    columns = [
        rng.integers(0, 12, n),  # bucket
        rng.integers(user_low, 40, n),  # user
        rng.choice([10, 50, 70], n),
        rng.integers(0, 6, n),
        rng.integers(0, 3, n),
        rng.integers(0, 4, n),
        *(rng.integers(0, 9, n) for _ in range(6)),
        rng.integers(0, 1000, n),
        rng.integers(1000, 2000, n),
    ]
    groups = Aggregates(*(c.astype(np.int64) for c in columns))
    # Overlapping ranges, one empty, one of a bucket no group has.
    members = [np.arange(0, 4), np.arange(2, 9), np.zeros(0, np.int64), np.array([40])]
    group, pos = _expand(members, groups.bucket)
    copied = groups.take(group)
    copied.bucket = pos
    expected, got = regroup(copied), groups_in_ranges(groups, members)
    for name in expected.__dataclass_fields__:
        assert getattr(got, name).tolist() == getattr(expected, name).tolist(), name
        assert getattr(got, name).dtype == np.int64, name


def test_an_error_in_the_middle_of_a_binary_copy_is_the_databases():
    """A query failing after some rows were sent raises the database's own error,
    and the connection stays usable."""
    import psycopg
    from django.db import connection

    from logstore.readers import binary_copy

    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")
    sql = "SELECT CAST(1000 / (g - 3000) AS BIGINT) FROM generate_series(1, 5000) g"
    with pytest.raises(psycopg.errors.DivisionByZero, match="division by zero"):
        binary_copy.copy_ints(sql, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
