"""Bulk writing of the log: tuples and columnar batches into both stores, any backend."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from logstore.models import LegacyLogEntry, StandardLogEntry
from logstore.services import (
    NULL_ID,
    EventType,
    LogBatch,
    legacy_log_write,
    log_delete_for,
    log_indexes_deferred,
    log_rows_write,
    standard_log_write,
)

pytestmark = pytest.mark.django_db

EVENTS = [
    EventType(r"\core\event\course_viewed", "core", "r", 2),
    EventType(r"\mod_forum\event\post_created", "mod_forum", "c", 2, "forum_posts"),
    EventType(r"\mod_quiz\event\course_module_viewed", "mod_quiz", "r", 2, "quiz"),
    EventType(
        r"\mod_assign\event\submission_graded", "mod_assign", "u", 1, "assign_grades"
    ),
    EventType(r"\mod_wiki\event\comment_deleted", "mod_wiki", "d", 2, "comments"),
]


def _batch() -> LogBatch:
    """Rows whose text columns have different lengths and some NULLs."""
    event = np.array([0, 1, 2, 3, 4, 1, 0])
    return LogBatch(
        events=EVENTS,
        event=event,
        userid=np.array([5, 6, 5, 7, 8, 6, 9]),
        courseid=np.array([3, 3, 3, 4, 4, 3, 3]),
        contextid=np.array([30, 31, 32, 41, 42, 31, 30]),
        contextlevel=np.array([50, 70, 70, 70, 70, 70, 50]),
        contextinstanceid=np.array([3, 11, 12, 21, 22, 11, 3]),
        timecreated=np.array([100, 200, 300, 400, 500, 600, 700]),
        objectid=np.array([NULL_ID, 1101, 12, 2105, 2207, 1102, NULL_ID]),
        relateduserid=np.array(
            [NULL_ID, NULL_ID, NULL_ID, 8, NULL_ID, NULL_ID, NULL_ID]
        ),
        ip=np.array([0, 1, 0, 2, 1, 1, 0]),
        ips=["10.0.0.1", "192.168.100.200", "::1"],
    )


def test_a_batch_is_written_to_the_standard_store_as_given():
    assert standard_log_write(batch=_batch()) == 7
    rows = list(StandardLogEntry.objects.order_by("timecreated"))
    assert [r.eventname for r in rows] == [EVENTS[i].eventname for i in _batch().event]
    assert [r.ip for r in rows] == ["10.0.0.1", "192.168.100.200", "10.0.0.1",
                                    "::1", "192.168.100.200", "192.168.100.200",
                                    "10.0.0.1"]  # fmt: skip
    assert rows[0].objectid is None and rows[0].objecttable == ""
    assert rows[1].objectid == 1101 and rows[1].objecttable == "forum_posts"
    assert [r.crud for r in rows[:5]] == ["r", "c", "r", "u", "d"]
    assert rows[3].edulevel == 1 and rows[3].relateduserid == 7 + 1
    assert rows[1].action == "created" and rows[1].target == "post"
    assert rows[2].target == "course_module" and rows[2].action == "viewed"
    assert all(r.realuserid is None and r.other is None for r in rows)
    assert all(r.anonymous is False and r.origin == "web" for r in rows)
    assert [r.contextinstanceid for r in rows] == [3, 11, 12, 21, 22, 11, 3]


def test_the_legacy_store_gets_moodles_legacy_rows_for_the_same_events():
    assert legacy_log_write(batch=_batch()) == 7
    rows = list(LegacyLogEntry.objects.order_by("time"))
    assert [(r.module, r.action) for r in rows[:4]] == [
        ("course", "view"),
        ("forum", "add post"),
        ("quiz", "view"),
        ("assign", "grade submission"),
    ]
    assert rows[0].url == "view.php?id=3" and rows[0].cmid == 0
    assert rows[2].url == "view.php?id=12" and rows[2].cmid == 12
    assert rows[1].url == "discuss.php?d=1101"
    # No Moodle legacy data for this one: the action names its CRUD kind.
    assert (rows[4].module, rows[4].action) == ("wiki", "delete comment")
    assert [(r.userid, r.course, r.time) for r in rows] == [
        (5, 3, 100), (6, 3, 200), (5, 3, 300), (7, 4, 400),
        (8, 4, 500), (6, 3, 600), (9, 3, 700),
    ]  # fmt: skip


def test_plain_tuples_are_written_in_chunks():
    fields = [
        "time",
        "userid",
        "course",
        "module",
        "cmid",
        "action",
        "url",
        "info",
        "ip",
    ]
    rows = (
        (t, 1, 2, "course", 0, "view", "view.php?id=2", "", "") for t in range(12_001)
    )
    assert log_rows_write(model=LegacyLogEntry, fields=fields, rows=rows) == 12_001
    assert LegacyLogEntry.objects.count() == 12_001
    assert LegacyLogEntry.objects.order_by("-time").first().time == 12_000


def test_deleting_the_rows_of_courses_and_users_spares_the_others():
    standard_log_write(batch=_batch())
    legacy_log_write(batch=_batch())
    log_delete_for(course_ids=[4], user_ids=[9])
    assert set(StandardLogEntry.objects.values_list("userid", flat=True)) == {5, 6}
    assert set(LegacyLogEntry.objects.values_list("userid", flat=True)) == {5, 6}


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, StandardLogEntry._meta.db_table
        )
    return {name for name, info in constraints.items() if info["index"]}


@pytest.mark.django_db(transaction=True)
def test_deferred_indexes_come_back_after_the_load_even_when_it_fails():
    wanted = {index.name for index in StandardLogEntry._meta.indexes}
    assert wanted <= _index_names()
    with pytest.raises(RuntimeError):
        with log_indexes_deferred(models_=[StandardLogEntry]):
            if connection.vendor == "postgresql":
                assert not wanted & _index_names()
            standard_log_write(batch=_batch())
            raise RuntimeError("load failed")
    assert wanted <= _index_names()
    assert StandardLogEntry.objects.count() == 7
