# ruff: noqa: S608 - the tests change Moodle rows with SQL built from their own literals
"""Rows of a real Moodle site that Foresight cannot take as they are: the part is
refused with a message naming the table and the row, nothing of it is written,
the other parts sync, and the next sync picks up from the last committed point.
A NUL character in a MariaDB log row is the exception: replaced, and named.
Also the MariaDB log path's fallback when its statement would not fit in
max_allowed_packet."""

from __future__ import annotations

import pytest
from django.db import connection

from logstore.models import StandardLogEntry
from moodlesync.models import ActivityDates, CourseSection, Kind, SyncState
from moodlesync.services import log_copy, moodle_sync
from moodlesync.services.common import availability_dates, idmap_load

pytestmark = pytest.mark.django_db

LOG = "mdl_logstore_standard_log"


def one(db, sql: str) -> int:
    return int(db.execute(sql).split()[0])


def part(report, name: str):
    return next(p for p in report.parts if p.part == name)


def log_rows() -> list[tuple]:
    fields = [f.attname for f in StandardLogEntry._meta.concrete_fields]
    return list(StandardLogEntry.objects.order_by("id").values_list(*fields))


def test_a_nul_character_in_a_mariadb_log_row_is_replaced_and_named(
    moodle_rw, use_moodle, monkeypatch
):
    db = use_moodle(moodle_rw)
    rows = [
        one(db, f"SELECT id FROM {LOG} ORDER BY id LIMIT 1 OFFSET {offset}")
        for offset in (40, 41)
    ]
    top = one(db, f"SELECT MAX(id) FROM {LOG}")
    if moodle_rw.engine != "mariadb":
        # Such a row cannot exist in a Moodle on PostgreSQL: its text refuses it.
        with pytest.raises(RuntimeError, match="null character not permitted"):
            db.execute(f"UPDATE {LOG} SET other = other || chr(0) WHERE id = {rows[0]}")
        return
    ids = ", ".join(map(str, rows))
    db.execute(
        f"UPDATE {LOG} SET other = CONCAT(COALESCE(other, ''), "
        f"CHAR(0 USING utf8mb4), 'x', CHAR(0 USING utf8mb4)) WHERE id IN ({ids})"
    )
    assert one(db, f"SELECT COUNT(*) FROM {LOG} WHERE INSTR(other, CHAR(0)) > 0") == 2
    # The fast path (COPY of rows translated by MariaDB) ...
    report = moodle_sync()
    log = part(report, "log")
    assert [p.part for p in report.parts if p.refused] == []
    assert StandardLogEntry.objects.count() == log.counts["imported"] > 40
    assert SyncState.objects.get(part="log").cursor == top
    if connection.vendor != "postgresql":
        # SQLite stores the character: the rows arrive as Moodle has them.
        assert "\x00" in StandardLogEntry.objects.get(id=rows[0]).other
        assert "nul_replaced" not in log.counts
        return
    # ... replaced each NUL in the rows' text as it streamed them.
    assert log.counts["path"] == "copy"
    said = " ".join(log.messages)
    assert "4 NUL characters in Moodle's text, which PostgreSQL" in said, said
    assert f"(first rows: {LOG} row {rows[0]}, {LOG} row {rows[1]})" in said, said
    assert "Correct the text in Moodle" in said
    assert SyncState.objects.get(part="log").status == SyncState.Status.WARNINGS
    for row in rows:
        other = StandardLogEntry.objects.get(id=row).other
        assert "\x00" not in other
        assert other.endswith("\ufffdx\ufffd"), other
    # Every other row is as the plain path brings it.
    db.execute(
        f"UPDATE {LOG} SET other = REPLACE(other, CHAR(0), '') WHERE id IN ({ids})"
    )
    replaced = {r[0]: r for r in log_rows() if r[0] in rows}
    StandardLogEntry.objects.all().delete()
    SyncState.objects.filter(part="log").delete()
    clean = part(moodle_sync(only="log"), "log")
    assert clean.counts["path"] == "copy"
    assert "nul_replaced" not in clean.counts
    other_column = [f.attname for f in StandardLogEntry._meta.concrete_fields].index(
        "other"
    )
    for row in log_rows():
        if row[0] in replaced:
            mended = list(replaced[row[0]])
            mended[other_column] = mended[other_column].replace("\ufffd", "")
            assert tuple(mended) == row
    assert StandardLogEntry.objects.count() == log.counts["imported"]

    # The staged path (a statement too long for the fast one) stops at the row,
    # stages again replacing them, and names the rows.
    db.execute(
        f"UPDATE {LOG} SET other = CONCAT(COALESCE(other, ''), "
        f"CHAR(0 USING utf8mb4)) WHERE id = {rows[0]}"
    )
    StandardLogEntry.objects.all().delete()
    SyncState.objects.filter(part="log").delete()
    monkeypatch.setattr(log_copy, "PACKET_SHARE", 1e-9)
    staged = part(moodle_sync(only="log"), "log")
    assert not staged.refused
    assert staged.counts["path"] == "staged"
    assert staged.counts["nul_replaced"] == 1
    named = f"{LOG} row {rows[0]}: its text has NUL characters"
    assert any(m.startswith(named) for m in staged.messages), staged.messages
    assert StandardLogEntry.objects.get(id=rows[0]).other.endswith("\ufffd")
    assert StandardLogEntry.objects.count() == log.counts["imported"]


def test_the_mariadb_log_falls_back_to_staging_when_its_statement_is_too_long(
    moodle_my, use_moodle, monkeypatch
):
    db = use_moodle(moodle_my)
    packet = one(db, "SELECT @@max_allowed_packet")
    first = part(moodle_sync(), "log")
    if connection.vendor != "postgresql":
        assert first.counts["path"] == "staged"  # SQLite always stages
        return
    assert first.counts["path"] == "copy"
    copied = log_rows()
    assert copied

    StandardLogEntry.objects.all().delete()
    SyncState.objects.filter(part="log").delete()
    # A statement longer than PACKET_SHARE of max_allowed_packet is not sent.
    statement = _block_statement_bytes()
    assert statement < packet * log_copy.PACKET_SHARE  # the first sync's path
    monkeypatch.setattr(log_copy, "PACKET_SHARE", statement / packet / 2)
    staged = part(moodle_sync(only="log"), "log")
    assert not staged.refused
    assert staged.counts["path"] == "staged"
    assert log_rows() == copied
    assert {k: staged.counts[k] for k in ("read", "imported", "skipped")} == {
        k: first.counts[k] for k in ("read", "imported", "skipped")
    }


def _block_statement_bytes() -> int:
    """The length of the MariaDB block SELECT for the synced id maps."""
    from moodlesync.services.common import SyncContext
    from moodlesync.services.log import NAMES
    from moodlesync.source import source_open

    source = source_open()
    try:
        ctx = SyncContext(source=source, siteid=1)
        translation = log_copy.translation_build(ctx, NAMES)
        assert translation is not None
        return len(log_copy._block_sql(ctx, translation).encode())
    finally:
        source.close()


def test_availability_times_and_ids_in_other_digits_do_not_stop_the_sync(
    moodle_rw, use_moodle
):
    """'²'.isdigit() is true and int('²') raises: such values are left out."""
    db = use_moodle(moodle_rw)
    cm = one(db, "SELECT MIN(id) FROM mdl_course_modules")
    section = one(
        db,
        "SELECT MIN(id) FROM mdl_course_sections WHERE sequence <> '' AND section > 0",
    )
    block = one(db, "SELECT MIN(id) FROM mdl_context WHERE contextlevel = 80")
    db.execute(
        'UPDATE mdl_course_modules SET availability = \'{"op":"&","c":['
        '{"type":"date","d":">=","t":"²"},{"type":"date","d":"<","t":1700000000}'
        f'],"showc":[true,true]}}\' WHERE id = {cm}'
    )
    db.execute(
        "UPDATE mdl_course_sections SET sequence = CONCAT(sequence, ',²'), "
        'availability = \'{"op":"&","c":[{"type":"date","d":"<",'
        f'"t":"١٢"}}],"showc":[true]}}\' WHERE id = {section}'
    )
    db.execute(f"UPDATE mdl_context SET path = CONCAT('/1/²/', id) WHERE id = {block}")
    report = moodle_sync()
    assert [(p.part, p.refused) for p in report.parts if p.refused] == []
    activity = idmap_load(Kind.ACTIVITY)[cm]
    assert ActivityDates.objects.get(activity_id=activity).available == [
        ["<", 1700000000]
    ]
    synced = CourseSection.objects.get(moodle_id=section)
    assert synced.available == []
    assert synced.sequence and all(isinstance(n, int) for n in synced.sequence)


def test_availability_dates_takes_ascii_integers_only():
    assert availability_dates('{"c":[{"type":"date","d":">=","t":"²"}]}') == []
    assert availability_dates('{"c":[{"type":"date","d":">=","t":"12"}]}') == [
        [">=", 12]
    ]
    assert availability_dates('{"c":[{"type":"date","d":"<","t":true}]}') == []
    assert availability_dates('{"c":[{"type":"date","d":"<","t":1.5}]}') == []
    assert availability_dates("[" * 100_000 + "]" * 100_000) is None
    assert availability_dates('{"c":' * 5000 + "{}" + "}" * 5000) is None


def test_a_nul_character_in_other_mariadb_text_is_replaced(moodle_rw, use_moodle):
    """Names, course titles and the like: PostgreSQL text cannot hold a NUL either,
    and one bad character must not refuse the part (or stop the sync)."""
    db = use_moodle(moodle_rw)
    if moodle_rw.engine != "mariadb":
        return  # a Moodle on PostgreSQL cannot hold one (see above)
    user = one(db, "SELECT MAX(id) FROM mdl_user WHERE deleted = 0")
    course = one(db, "SELECT MAX(id) FROM mdl_course")
    nul = "CHAR(0 USING utf8mb4)"
    db.execute(
        f"UPDATE mdl_user SET firstname = CONCAT(firstname, {nul}) WHERE id = {user}"
    )
    db.execute(
        f"UPDATE mdl_course SET fullname = CONCAT({nul}, fullname) WHERE id = {course}"
    )
    try:
        report = moodle_sync()
    finally:
        db.execute(f"UPDATE mdl_user SET firstname = REPLACE(firstname, {nul}, '')")
        db.execute(f"UPDATE mdl_course SET fullname = REPLACE(fullname, {nul}, '')")
    assert [p.part for p in report.parts if p.refused] == []
    if connection.vendor == "postgresql":
        # Each part names its rows, once, in the singular when there is one.
        for name, row in (
            ("users", f"mdl_user row {user}"),
            ("courses", f"mdl_course row {course}"),
        ):
            said = [m for m in part(report, name).messages if "NUL" in m]
            assert len(said) == 1, said
            assert said[0].startswith("1 NUL character in Moodle's text"), said
            assert f"was replaced by U+FFFD ({row})" in said[0], said
    from django.contrib.auth import get_user_model

    local_user = idmap_load(Kind.USER)[user]
    firstname = get_user_model().objects.get(id=local_user).first_name
    from lms.models import Course

    fullname = Course.objects.get(id=idmap_load(Kind.COURSE)[course]).fullname
    if connection.vendor == "postgresql":
        assert firstname.endswith("\ufffd") and "\x00" not in firstname
        assert fullname.startswith("\ufffd")
    else:
        assert firstname.endswith("\x00")
