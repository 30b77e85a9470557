# ruff: noqa: S608 - the tests write Moodle rows with SQL built from their own literals
"""Late commits: a log row whose id is below the highest id a sync read (its
transaction was still open then) arrives at a later sync, exactly once, and only
its days' rollups are aggregated again; rows skipped on purpose are not read
again, however many; the window starts where a sync of a day ago stopped, whatever
the rows' times or the ids' spacing; rows deleted in Moodle do not hide late ones;
a late row with a NUL character does not hold back the log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Sum

from logstore.models import ActivityRollup, StandardLogEntry
from logstore.services import rollup
from logstore.services.rollup import rollup_rebuild
from moodlesync.models import SyncState
from moodlesync.services import log as log_part
from moodlesync.services import moodle_sync

pytestmark = pytest.mark.django_db

LOG = "mdl_logstore_standard_log"
COLUMNS = (
    "eventname, component, action, target, objecttable, objectid, crud, edulevel, "
    "contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, "
    "anonymous, other, timecreated, origin, ip, realuserid"
)


def one(db, sql: str) -> int:
    return int(db.execute(sql).split()[0])


def log_result(report):
    return next(p for p in report.parts if p.part == "log")


def rollup_rows() -> list[tuple]:
    fields = [f.attname for f in ActivityRollup._meta.concrete_fields if f.name != "id"]
    return sorted(ActivityRollup.objects.values_list(*fields))


class Moodle:
    """Writes log rows into the Moodle copy, copied from one of its rows."""

    def __init__(self, db) -> None:
        self.db = db
        self.top = one(db, f"SELECT MAX(id) FROM {LOG}")
        self.newest = one(db, f"SELECT MAX(timecreated) FROM {LOG}")
        self.model = one(
            db, f"SELECT MIN(id) FROM {LOG} WHERE courseid > 1 AND userid > 0"
        )
        self.course_day = one(
            db, f"SELECT timecreated FROM {LOG} WHERE id = {self.model}"
        )

    def insert(self, row_id: int, moment: int, **values: str) -> None:
        columns = COLUMNS.replace("timecreated", str(moment))
        for name, value in values.items():
            columns = columns.replace(f" {name},", f" {value},", 1)
        self.db.execute(
            f"INSERT INTO {LOG} (id, {COLUMNS}) SELECT {row_id}, {columns} "
            f"FROM {LOG} WHERE id = {self.model}"
        )


def test_a_row_committed_late_arrives_at_the_next_sync_once(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    # Ids top+1 and top+3 are committed; top+2 is still in an open transaction.
    m.insert(m.top + 1, m.newest + 60)
    m.insert(m.top + 3, m.newest + 120)
    first = log_result(moodle_sync(only="log"))
    assert first.counts["imported"] == 2
    assert "late_read" not in first.counts  # Moodle has nothing Foresight lacks
    state = SyncState.objects.get(part="log")
    assert state.cursor == m.top + 3
    assert len(state.late_window["marks"]) == 3  # a day ago's start, and two syncs

    # It commits, with the time it was logged at, in a day already rolled up:
    # only that day is aggregated again, the store is not rebuilt.
    m.insert(m.top + 2, m.course_day + 30)
    before = StandardLogEntry.objects.count()

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the rollup was rebuilt")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rollup, "_rebuild", no_rebuild)
        second = log_result(moodle_sync(only="log"))
    assert (second.counts["late_read"], second.counts["late_imported"]) == (1, 1)
    assert second.counts["imported"] == 0
    assert StandardLogEntry.objects.count() == before + 1
    assert StandardLogEntry.objects.get(id=m.top + 2).timecreated == m.course_day + 30
    # The rollups hold the late row: as a rebuild from the raw log gives them.
    in_courses = StandardLogEntry.objects.filter(courseid__gt=0).count()
    rolled = ActivityRollup.objects.filter(courseid__gt=0).aggregate(n=Sum("n"))["n"]
    assert rolled == in_courses
    incremental = rollup_rows()
    rollup_rebuild(store="standard")
    assert rollup_rows() == incremental

    # Never twice, and nothing read again.
    third = log_result(moodle_sync(only="log"))
    assert "late_read" not in third.counts
    assert StandardLogEntry.objects.count() == before + 1


def test_rows_skipped_on_purpose_are_not_read_again(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    # A row of a user that no longer exists in Moodle, and a late one like it.
    m.insert(m.top + 1, m.newest + 60, userid="999999")
    m.insert(m.top + 3, m.newest + 120)
    first = log_result(moodle_sync(only="log"))
    assert first.counts["skipped"] == 1
    assert any(f"row {m.top + 1}: its user 999999" in t for t in first.messages)
    m.insert(m.top + 2, m.newest + 90, userid="999998")
    second = log_result(moodle_sync(only="log"))
    assert (second.counts["late_read"], second.counts["late_imported"]) == (1, 0)
    assert [t for t in second.messages if "999999" in t] == []
    assert any(f"row {m.top + 2}: its user 999998" in t for t in second.messages)
    third = log_result(moodle_sync(only="log"))
    assert "late_read" not in third.counts and third.messages == []
    assert SyncState.objects.get(part="log").late_window["skipped"] == [
        [m.top + 1, m.top + 2]
    ]


def test_the_window_is_the_logs_last_day_whatever_the_ids_spacing(
    moodle_rw, use_moodle
):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    old = m.newest + 1000
    recent = old + log_part.GAP_HORIZON + 5000
    m.insert(m.top + 10, old)
    # 3,000 recent rows two ids apart (as a Galera node hands them out).
    series = (
        "generate_series(0, 2999) AS g(n)"
        if moodle_rw.engine == "postgresql"
        else "seq_0_to_2999 AS g"
    )
    n = "g.n" if moodle_rw.engine == "postgresql" else "g.seq"
    columns = COLUMNS.replace("timecreated", f"{recent} + {n}")
    db.execute(
        f"INSERT INTO {LOG} (id, {COLUMNS}) SELECT {m.top + 20} + 2 * {n}, {columns} "
        f"FROM {LOG} l CROSS JOIN {series} WHERE l.id = {m.model}"
    )
    SyncState.objects.filter(part="log").delete()  # as if the site's first sync
    first = log_result(moodle_sync(only="log"))
    assert first.counts["imported"] == 3001
    state = SyncState.objects.get(part="log")
    # A first look (no sync a day ago): the window starts below the log's last day.
    assert state.late_window["marks"][0][1] == m.top + 19

    # Late rows: one below the window (older than a day: not looked for), one in
    # the oldest gap of the window, one in the newest.
    m.insert(m.top + 5, old - 10)
    m.insert(m.top + 21, recent)
    m.insert(m.top + 20 + 2 * 2998 + 1, recent + 2998)
    second = log_result(moodle_sync(only="log"))
    assert (second.counts["late_read"], second.counts["late_imported"]) == (2, 2)
    assert StandardLogEntry.objects.filter(id=m.top + 21).exists()
    assert not StandardLogEntry.objects.filter(id=m.top + 5).exists()


def test_a_late_row_with_a_nul_character_does_not_hold_back_the_log(
    moodle_rw, use_moodle
):
    db = use_moodle(moodle_rw)
    if moodle_rw.engine != "mariadb":
        return  # a Moodle on PostgreSQL cannot hold one
    moodle_sync()
    m = Moodle(db)
    m.insert(m.top + 1, m.newest + 60)
    m.insert(m.top + 3, m.newest + 120)
    moodle_sync(only="log")
    m.insert(m.top + 2, m.newest + 90, other="CONCAT('late', CHAR(0 USING utf8mb4))")
    m.insert(m.top + 4, m.newest + 150)
    late = log_result(moodle_sync(only="log"))
    assert not late.refused
    assert (late.counts["late_imported"], late.counts["imported"]) == (1, 1)
    other = StandardLogEntry.objects.get(id=m.top + 2).other
    if connection.vendor == "postgresql":
        assert other == "late\ufffd"
        named = f"{LOG} row {m.top + 2}: its text has NUL characters"
        assert any(t.startswith(named) for t in late.messages), late.messages
    else:
        assert other == "late\x00"


def test_rows_with_old_times_above_a_late_row_do_not_hide_it(moodle_rw, use_moodle):
    """A course restore writes the course's old log rows, with their old times, at
    new ids: the window does not go by the rows' times."""
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    m.insert(m.top + 1, m.newest + 60)
    m.insert(m.top + 3, m.newest - 30 * log_part.GAP_HORIZON)  # restored, old
    assert log_result(moodle_sync(only="log")).counts["imported"] == 2
    m.insert(m.top + 2, m.newest + 90)
    late = log_result(moodle_sync(only="log"))
    assert (late.counts["late_read"], late.counts["late_imported"]) == (1, 1)


def test_a_row_deleted_in_moodle_does_not_hide_a_late_one(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    m.insert(m.top + 1, m.newest + 60)
    m.insert(m.top + 3, m.newest + 120)
    moodle_sync(only="log")
    # As many rows deleted in Moodle as rows arriving late: the counts agree.
    db.execute(f"DELETE FROM {LOG} WHERE id = {m.top + 1}")
    m.insert(m.top + 2, m.newest + 90)
    late = log_result(moodle_sync(only="log"))
    assert (late.counts["late_read"], late.counts["late_imported"]) == (1, 1)
    assert SyncState.objects.get(part="log").late_window["gone"] == [
        [m.top + 1, m.top + 1]
    ]
    # The deleted row is remembered: the next sync compares no ids.
    assert "late_read" not in log_result(moodle_sync(only="log")).counts


def test_more_skipped_rows_than_the_messages_name_are_all_remembered(
    moodle_rw, use_moodle
):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    many = log_part.MAX_LISTED + 5
    for k in range(1, many + 1):
        m.insert(m.top + k, m.newest + k, userid="999999")
    first = log_result(moodle_sync(only="log"))
    assert first.counts["skipped"] == many
    again = log_result(moodle_sync(only="log"))
    assert "late_read" not in again.counts and again.messages == []
    runs = SyncState.objects.get(part="log").late_window["skipped"]
    assert runs == [[m.top + 1, m.top + many]]


def test_as_many_deletions_as_late_rows_of_the_same_id_sum_hide_nothing(
    moodle_rw, use_moodle
):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    for k in (1, 4, 5):
        m.insert(m.top + k, m.newest + 10 * k)
    moodle_sync(only="log")
    # Ids 1 and 4 deleted, 2 and 3 committed late: same count, same id sum.
    db.execute(f"DELETE FROM {LOG} WHERE id IN ({m.top + 1}, {m.top + 4})")
    m.insert(m.top + 2, m.newest + 20)
    m.insert(m.top + 3, m.newest + 30)
    late = log_result(moodle_sync(only="log"))
    assert (late.counts["late_read"], late.counts["late_imported"]) == (2, 2)


def test_after_two_days_without_a_sync_the_window_still_reaches_behind_it(
    moodle_rw, use_moodle
):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    m.insert(m.top + 1, m.newest + 60)
    m.insert(m.top + 3, m.newest + 120)
    moodle_sync(only="log")
    # No sync for two days (cron stopped); meanwhile the open transaction commits.
    state = SyncState.objects.get(part="log")
    two_days = 2 * log_part.GAP_HORIZON
    state.late_window["marks"] = [
        [t - two_days, c] for t, c in state.late_window["marks"]
    ]
    state.save()
    m.insert(m.top + 2, m.newest + 90)
    late = log_result(moodle_sync(only="log"))
    assert (late.counts["late_read"], late.counts["late_imported"]) == (1, 1)


def test_the_first_designs_window_is_taken_over(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    moodle_sync()
    m = Moodle(db)
    m.insert(m.top + 1, m.newest + 60)
    m.insert(m.top + 3, m.newest + 120)
    moodle_sync(only="log")
    SyncState.objects.filter(part="log").update(
        late_window={"low": m.top, "skipped": []}
    )
    m.insert(m.top + 2, m.newest + 90)
    late = log_result(moodle_sync(only="log"))
    assert (late.counts["late_read"], late.counts["late_imported"]) == (1, 1)


def test_an_idle_site_keeps_a_days_marks_not_every_one():
    """96 syncs a day for 30 days with the cursor standing still."""
    from moodlesync.services.common import PartResult

    class Ctx:
        dry_run = False

    marks: list[tuple[int, int]] = [(0, 500)]
    now = 0
    for _sync in range(96 * 30):
        now += 900
        result = PartResult("log")
        log_part._window_keep(Ctx(), result, marks, now, 500, set(), set())
        marks = [tuple(m) for m in result.late_window["marks"]]
    assert len(marks) <= 97
    assert log_part._low(marks, now) == 500
