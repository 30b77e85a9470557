# ruff: noqa: S608 - the tests change Moodle rows with SQL built from their own literals
"""A second sync brings exactly what changed in Moodle: new log rows (once),
a suspended enrolment, a deleted user, a deleted activity and a new course."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from access.models import RoleAssignment
from lms.models import Activity, ActivityGrade, Course, CourseGrade, Enrolment
from logstore.models import StandardLogEntry
from moodlesync.models import Kind
from moodlesync.services import moodle_sync
from moodlesync.services.common import idmap_load

pytestmark = pytest.mark.django_db

LOG_COLUMNS = (
    "eventname, component, action, target, objecttable, objectid, crud, edulevel, "
    "contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, "
    "anonymous, other, timecreated, origin, ip, realuserid"
)


def snapshot() -> dict[str, int]:
    users = get_user_model().objects.exclude(username="guest")
    return {
        "courses": Course.objects.count(),
        "activities": Activity.objects.count(),
        "active_users": users.filter(is_active=True).count(),
        "enrolments": Enrolment.objects.count(),
        "suspended": Enrolment.objects.filter(
            status=Enrolment.Status.SUSPENDED
        ).count(),
        "role_assignments": RoleAssignment.objects.count(),
        "grades": CourseGrade.objects.count() + ActivityGrade.objects.count(),
        "log": StandardLogEntry.objects.count(),
    }


def one(db, sql: str) -> int:
    return int(db.execute(sql).split()[0])


def test_second_sync_brings_exactly_the_changes(moodle_rw, use_moodle):
    db = use_moodle(moodle_rw)
    moodle_sync()
    before = snapshot()
    users = idmap_load(Kind.USER)

    # Two BIO205 students: one is suspended, the other deleted as delete_user() does.
    ue_ids = db.execute(
        "SELECT ue.id, ue.userid FROM mdl_user_enrolments ue JOIN mdl_enrol e "
        "ON e.id = ue.enrolid WHERE e.courseid = 5 AND ue.status = 0 ORDER BY ue.id"
    ).split()
    suspended_ue, suspended_user = int(ue_ids[0]), int(ue_ids[1])
    deleted_user = int(ue_ids[3])
    grades_of_deleted = one(
        db,
        "SELECT COUNT(*) FROM mdl_grade_grades g JOIN mdl_grade_items i ON "
        f"i.id = g.itemid WHERE g.userid = {deleted_user} "
        "AND i.itemtype IN ('course', 'mod')",
    )
    db.execute(f"UPDATE mdl_user_enrolments SET status = 1 WHERE id = {suspended_ue}")
    db.execute(f"UPDATE mdl_user SET deleted = 1 WHERE id = {deleted_user}")
    for table in ("user_enrolments", "role_assignments", "grade_grades"):
        db.execute(f"DELETE FROM mdl_{table} WHERE userid = {deleted_user}")
    db.execute(
        f"DELETE FROM mdl_context WHERE contextlevel = 30 AND instanceid = {deleted_user}"
    )
    # The hidden page of BIO101 is deleted.
    hidden = one(db, "SELECT id FROM mdl_course_modules WHERE visible = 0")
    db.execute(f"DELETE FROM mdl_course_modules WHERE id = {hidden}")
    db.execute(
        f"DELETE FROM mdl_course_modules_completion WHERE coursemoduleid = {hidden}"
    )
    # A new course in Biology.
    db.execute(
        "INSERT INTO mdl_course (category, fullname, shortname, idnumber, summary, "
        "format, startdate, enddate, visible, timecreated, timemodified) VALUES "
        "(3, 'Genetics', 'GEN300-2027S', '', '', 'topics', 1801000000, 1809000000, "
        "1, 1796079000, 1796079000)"
    )
    # Three new log rows (copies of the last three, a minute later).
    top = one(db, "SELECT MAX(id) FROM mdl_logstore_standard_log")
    db.execute(
        f"INSERT INTO mdl_logstore_standard_log ({LOG_COLUMNS}) "
        f"SELECT {LOG_COLUMNS.replace('timecreated', 'timecreated + 60')} "
        f"FROM mdl_logstore_standard_log WHERE id > {top - 3} ORDER BY id"
    )

    report = moodle_sync()
    assert report.ok is True
    after = snapshot()
    changes = {key: after[key] - before[key] for key in before}
    assert changes == {
        "courses": 1,
        "activities": -1,
        "active_users": -1,
        "enrolments": -1,
        "suspended": 1,
        "role_assignments": -1,
        "grades": -grades_of_deleted,
        "log": 3,
    }
    parts = {part.part: part for part in report.parts}
    assert parts["log"].counts["imported"] == 3
    assert parts["courses"].counts["created"] == 1
    assert Course.objects.get(shortname="GEN300-2027S").moodle_format.format == "topics"
    gone = get_user_model().objects.get(pk=users[deleted_user])
    assert gone.is_active is False
    assert not Enrolment.objects.filter(user=gone).exists()
    assert not RoleAssignment.objects.filter(user=gone).exists()
    suspended = Enrolment.objects.get(user_id=users[suspended_user])
    assert suspended.status == Enrolment.Status.SUSPENDED
    assert not Activity.objects.filter(
        pk=idmap_load(Kind.ACTIVITY).get(hidden, -1)
    ).exists()
    assert StandardLogEntry.objects.filter(pk__gt=top).count() == 3

    # Nothing new: nothing changes, and no log row comes twice.
    again = moodle_sync()
    assert {p.part: p.counts.get("imported") for p in again.parts}["log"] == 0
    assert snapshot() == after
    full = moodle_sync(full=True, only="log")
    assert full.parts[0].counts["read"] == after["log"]
    assert StandardLogEntry.objects.count() == after["log"]


def test_bad_rows_are_named_and_skipped_and_the_rest_syncs(moodle_rw, use_moodle):
    """A log row whose user or context is gone, a course without an end date and a
    time zone Foresight does not know: each named by table and row id."""
    db = use_moodle(moodle_rw)
    db.execute("UPDATE mdl_course SET enddate = 0 WHERE id = 4")
    student = one(db, "SELECT MIN(userid) FROM mdl_role_assignments WHERE roleid = 5")
    db.execute(
        f"UPDATE mdl_user SET timezone = 'Mars/Olympus_Mons' WHERE id = {student}"
    )
    top = one(db, "SELECT MAX(id) FROM mdl_logstore_standard_log")
    db.execute(
        f"INSERT INTO mdl_logstore_standard_log ({LOG_COLUMNS}) "
        f"SELECT {LOG_COLUMNS.replace('userid, courseid', '999999, courseid')} "
        f"FROM mdl_logstore_standard_log WHERE id = {top}"
    )
    db.execute(
        f"INSERT INTO mdl_logstore_standard_log ({LOG_COLUMNS}) "
        f"SELECT {LOG_COLUMNS.replace('contextid,', '999999,', 1)} "
        f"FROM mdl_logstore_standard_log WHERE id = {top}"
    )
    orphan_user, orphan_context = top + 1, top + 2

    report = moodle_sync()
    parts = {part.part: part for part in report.parts}
    assert report.ok is True
    courses = idmap_load(Kind.COURSE)
    assert Course.objects.get(pk=courses[4]).enddate is None
    assert any(
        m.startswith("mdl_course row 4: has no end date")
        for m in parts["courses"].messages
    )
    profile = get_user_model().objects.get(pk=idmap_load(Kind.USER)[student]).profile
    assert profile.timezone == "Europe/Madrid"
    assert any(
        m.startswith(f"mdl_user row {student}: time zone Mars/Olympus_Mons")
        for m in parts["users"].messages
    )
    log = parts["log"]
    assert f"mdl_logstore_standard_log row {orphan_user}: its user 999999" in " ".join(
        log.messages
    )
    assert not StandardLogEntry.objects.filter(pk=orphan_user).exists()
    kept = StandardLogEntry.objects.get(pk=orphan_context)
    assert kept.contextid == 0
    assert f"mdl_logstore_standard_log row {orphan_context}: its context 999999" in (
        " ".join(log.messages)
    )
    # The skipped row is behind the cursor: the next sync does not read it again.
    again = moodle_sync(only="log")
    assert again.parts[0].counts["read"] == 0


def test_a_refused_part_writes_nothing_and_the_next_sync_resumes(moodle_rw, use_moodle):
    """The reader loses SELECT on a log column: the log part is refused whole (no
    row, cursor kept), the other parts sync; with the right back, the next sync
    takes up from the last committed row."""
    db = use_moodle(moodle_rw)
    moodle_sync()
    synced = StandardLogEntry.objects.count()
    db.execute(
        f"INSERT INTO mdl_logstore_standard_log ({LOG_COLUMNS}) "
        f"SELECT {LOG_COLUMNS.replace('timecreated', 'timecreated + 90')} "
        "FROM mdl_logstore_standard_log WHERE id IN (100, 101) ORDER BY id"
    )
    reader = "moodlesync_fx_reader"
    if db.engine == "postgresql":
        db.execute(
            f"REVOKE SELECT ON mdl_logstore_standard_log FROM {reader}; "
            f"GRANT SELECT (id, eventname) ON mdl_logstore_standard_log TO {reader}"
        )
    else:
        for host in ("localhost", "127.0.0.1", "%"):
            db.execute(
                f"REVOKE SELECT ON {db.name}.* FROM '{reader}'@'{host}'; "
                f"GRANT SELECT (id, eventname) ON {db.name}.mdl_logstore_standard_log "
                f"TO '{reader}'@'{host}'"
            )
    try:
        if db.engine == "mariadb":
            _grant_all_but_log(db, reader)
        refused = moodle_sync()
    finally:
        db.regrant()
    parts = {part.part: part for part in refused.parts}
    assert "may not read" in parts["log"].refused
    assert parts["users"].refused == ""
    assert StandardLogEntry.objects.count() == synced
    resumed = moodle_sync()
    assert {p.part: p for p in resumed.parts}["log"].counts["imported"] == 2
    assert StandardLogEntry.objects.count() == synced + 2


def _grant_all_but_log(db, reader: str) -> None:
    tables = db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = "
        f"'{db.name}' AND table_name <> 'mdl_logstore_standard_log'"
    ).split()
    grants = "; ".join(
        f"GRANT SELECT ON `{db.name}`.`{t}` TO '{reader}'@'{host}'"
        for t in tables
        for host in ("localhost", "127.0.0.1", "%")
    )
    db.execute(grants)


def test_the_activity_rollups_follow_the_synced_log(moodle_rw, use_moodle):
    """Analysis reads whole days from the rollups: they hold every synced row of
    the courses, after the first sync and after new rows arrive."""
    from django.db.models import Sum

    from logstore.models import ActivityRollup

    db = use_moodle(moodle_rw)
    moodle_sync()

    def rolled() -> int:
        return (
            ActivityRollup.objects.filter(courseid__gt=0).aggregate(total=Sum("n"))[
                "total"
            ]
            or 0
        )

    def in_courses() -> int:
        return StandardLogEntry.objects.filter(courseid__gt=0).count()

    assert rolled() == in_courses() > 0
    db.execute(
        f"INSERT INTO mdl_logstore_standard_log ({LOG_COLUMNS}) "
        f"SELECT {LOG_COLUMNS.replace('timecreated', 'timecreated + 120')} "
        "FROM mdl_logstore_standard_log WHERE id IN (200, 201, 202) ORDER BY id"
    )
    before = rolled()
    moodle_sync(only="log")
    assert rolled() == in_courses()
    assert rolled() > before


def _text_literal(engine: str, text: str) -> str:
    """`text` as an SQL string literal (backslashes escaped) for the engine."""
    quoted = "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted if engine == "mariadb" else "E" + quoted


def test_log_text_with_tabs_newlines_and_backslashes_arrives_unchanged(
    moodle_rw, use_moodle
):
    """The log is copied as COPY text: tabs, newlines, returns and backslashes in
    Moodle's values (JSON in `other`, a strange target) must not shift or change
    a column, and a NULL stays NULL."""
    db = use_moodle(moodle_rw)
    moodle_sync()
    top = one(db, "SELECT MAX(id) FROM mdl_logstore_standard_log")
    other = '{"text":"a\\tb\\nc","path":"C:\\\\x\\\\N","raw":"l1\nl2\tt\rr \\\\N"}'
    target = "odd\\target\tname"
    columns = LOG_COLUMNS.replace("target,", _text_literal(db.engine, target) + ",", 1)
    columns = columns.replace("other,", _text_literal(db.engine, other) + ",", 1)
    db.execute(
        f"INSERT INTO mdl_logstore_standard_log ({LOG_COLUMNS}) "
        f"SELECT {columns} FROM mdl_logstore_standard_log WHERE id = {top}"
    )
    db.execute(
        f"INSERT INTO mdl_logstore_standard_log ({LOG_COLUMNS}) "
        f"SELECT {LOG_COLUMNS.replace('other,', 'NULL,', 1)} "
        f"FROM mdl_logstore_standard_log WHERE id = {top}"
    )
    report = moodle_sync(only="log")
    assert report.parts[0].counts["imported"] == 2
    odd = StandardLogEntry.objects.get(pk=top + 1)
    assert (odd.other, odd.target) == (other, target)
    assert StandardLogEntry.objects.get(pk=top + 2).other is None
    assert odd.userid == StandardLogEntry.objects.get(pk=top).userid


def test_mariadb_log_blocks_too_long_are_read_again_in_halves(
    moodle_my, use_moodle, monkeypatch
):
    """MariaDB sends the log as GROUP_CONCAT blocks, which it cuts at a length:
    a cut block is read again in halves, every row arrives once; a single row
    longer than the limit refuses the log part, naming the row."""
    from django.db import connection

    from moodlesync.services import log_copy

    if connection.vendor != "postgresql":
        pytest.skip("the COPY path needs Foresight on PostgreSQL")
    use_moodle(moodle_my)
    monkeypatch.setattr(log_copy, "BLOCK_BYTES", 200_000)  # 20,000 rows: ~4 MB
    report = moodle_sync()
    log = {part.part: part for part in report.parts}["log"]
    assert (log.counts["path"], log.counts["imported"]) == ("copy", 41062)
    assert StandardLogEntry.objects.count() == 41062

    StandardLogEntry.objects.all().delete()
    moodle_sync_state_reset()
    monkeypatch.setattr(log_copy, "BLOCK_BYTES", 50)
    refused = moodle_sync(only="log").parts[0]
    assert "mdl_logstore_standard_log row 1 is longer than 50 bytes" in refused.refused
    assert not StandardLogEntry.objects.exists()


def moodle_sync_state_reset() -> None:
    from moodlesync.models import SyncState

    SyncState.objects.filter(part="log").update(cursor=0)


def test_first_load_rebuilds_the_key_and_indexes_and_large_maps_take_the_staging_path(
    moodle_pg, use_moodle, monkeypatch
):
    """A first load of many rows drops the log's primary key and indexes and
    builds them once after the COPY; id maps too large for lookup lists make the
    sync translate with joins instead, with the same rows."""
    from django.db import connection

    from moodlesync.services import log as log_part
    from moodlesync.services import log_copy

    if connection.vendor != "postgresql":
        pytest.skip("the COPY path and index rebuild need Foresight on PostgreSQL")
    use_moodle(moodle_pg)
    monkeypatch.setattr(log_part, "DEFER_INDEXES_ROWS", 1000)
    log = {p.part: p for p in moodle_sync().parts}["log"]
    assert (log.counts["path"], log.counts["indexes_rebuilt"]) == ("copy", True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = "
            "'logstore_standard_log' ORDER BY indexname"
        )
        indexes = [row[0] for row in cursor.fetchall()]
    assert len(indexes) == 4
    assert any("UNIQUE INDEX" in d and "(id)" in d for d in indexes)
    synced = sorted(StandardLogEntry.objects.values_list("id", "userid", "contextid"))

    StandardLogEntry.objects.all().delete()
    moodle_sync_state_reset()
    monkeypatch.setattr(log_copy, "LOOKUP_MAX", 10)
    again = moodle_sync(only="log").parts[0]
    assert (again.counts["path"], again.counts["imported"]) == ("staged", 41062)
    assert (
        sorted(StandardLogEntry.objects.values_list("id", "userid", "contextid"))
        == synced
    )
