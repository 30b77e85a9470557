# ruff: noqa: S608 - the tests write Moodle rows with SQL built from their own literals
"""Late commits: a log row whose id is below the highest id a sync read (its
transaction was still open then) arrives at a later sync, exactly once, and its
course's rollup follows; ids that never come expire; holes among old rows are not
waited for."""

from __future__ import annotations

import time

import pytest
from django.db.models import Sum

from logstore.models import ActivityRollup, StandardLogEntry
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


def log_part_result(report):
    return next(p for p in report.parts if p.part == "log")


def rollup_rows() -> list[tuple]:
    fields = [f.attname for f in ActivityRollup._meta.concrete_fields if f.name != "id"]
    return sorted(ActivityRollup.objects.values_list(*fields))


def test_a_row_committed_late_arrives_at_the_next_sync_once(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    moodle_sync()
    top = one(db, f"SELECT MAX(id) FROM {LOG}")
    newest = one(db, f"SELECT MAX(timecreated) FROM {LOG}")
    # A row of a course, to copy: the late row lands in a day already rolled up.
    model = one(db, f"SELECT MIN(id) FROM {LOG} WHERE courseid > 1 AND userid > 0")
    course_day = one(db, f"SELECT timecreated FROM {LOG} WHERE id = {model}")

    def insert(row_id: int, moment: int) -> None:
        db.execute(
            f"INSERT INTO {LOG} (id, {COLUMNS}) SELECT {row_id}, "
            f"{COLUMNS.replace('timecreated', str(moment))} FROM {LOG} WHERE id = {model}"
        )

    # Ids top+1 and top+3 are committed; top+2 is still in an open transaction.
    insert(top + 1, newest + 60)
    insert(top + 3, newest + 120)
    first = log_part_result(moodle_sync(only="log"))
    assert first.counts["imported"] == 2
    state = SyncState.objects.get(part="log")
    assert state.cursor == top + 3
    assert [r[:2] for r in state.pending] == [[top + 2, top + 2]]
    assert first.counts["ids_waiting"] == 1

    # It commits (with the time it was logged at, in a day already rolled up).
    insert(top + 2, course_day + 30)
    before = StandardLogEntry.objects.count()
    second = log_part_result(moodle_sync(only="log"))
    assert second.counts["late_imported"] == 1
    assert second.counts["imported"] == 0
    assert StandardLogEntry.objects.count() == before + 1
    assert StandardLogEntry.objects.get(id=top + 2).timecreated == course_day + 30
    state.refresh_from_db()
    assert state.pending == [] and second.counts["ids_waiting"] == 0
    # The rollups hold the late row: as a rebuild from the raw log gives them.
    in_courses = StandardLogEntry.objects.filter(courseid__gt=0).count()
    rolled = ActivityRollup.objects.filter(courseid__gt=0).aggregate(n=Sum("n"))["n"]
    assert rolled == in_courses
    incremental = rollup_rows()
    rollup_rebuild(store="standard")
    assert rollup_rows() == incremental

    # Never twice.
    third = log_part_result(moodle_sync(only="log"))
    assert "late_imported" not in third.counts
    assert StandardLogEntry.objects.count() == before + 1


def test_ids_that_never_come_expire_and_old_holes_are_not_waited_for(
    moodle_rw, use_moodle, monkeypatch
):
    db = use_moodle(moodle_rw)
    moodle_sync()
    top = one(db, f"SELECT MAX(id) FROM {LOG}")
    newest = one(db, f"SELECT MAX(timecreated) FROM {LOG}")
    model = one(db, f"SELECT MIN(id) FROM {LOG} WHERE userid > 0")

    def insert(row_id: int, moment: int) -> None:
        db.execute(
            f"INSERT INTO {LOG} (id, {COLUMNS}) SELECT {row_id}, "
            f"{COLUMNS.replace('timecreated', str(moment))} FROM {LOG} WHERE id = {model}"
        )

    old = newest + 1000
    recent = old + log_part.GAP_HORIZON + 5000
    # Two rows older than a day before the newest, then recent ones: the hole
    # between the old rows (a rolled-back or purged row) is not waited for; the
    # one just before the recent rows and the one among them are.
    insert(top + 10, old)
    insert(top + 12, old + 10)
    insert(top + 14, recent)
    insert(top + 17, recent + 10)
    moodle_sync(only="log")
    state = SyncState.objects.get(part="log")
    assert [r[:2] for r in state.pending] == [
        [top + 13, top + 13],
        [top + 15, top + 16],
    ]

    # A day after they were missed they expire, found or not.
    seen = state.pending[0][2]
    monkeypatch.setattr(time, "time", lambda: seen + log_part.GAP_HORIZON + 1)
    expired = log_part_result(moodle_sync(only="log"))
    state.refresh_from_db()
    assert state.pending == []
    assert expired.counts["ids_waiting"] == 0
    assert "late_read" not in expired.counts
