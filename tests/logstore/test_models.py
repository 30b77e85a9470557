"""The log tables: Moodle's columns and the indexes that analysis relies on."""

from __future__ import annotations

import pytest
from django.db import connection

from logstore.models import LegacyLogEntry, StandardLogEntry

pytestmark = pytest.mark.django_db


def _indexes(model) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, model._meta.db_table
        )
    return [info["columns"] for info in constraints.values() if info["index"]]


def test_course_and_time_lead_an_index_of_both_stores():
    """ "All events of these courses between two times" is an index range scan."""
    assert ["courseid", "timecreated", "userid"] in _indexes(StandardLogEntry)
    assert ["course", "time", "userid"] in _indexes(LegacyLogEntry)
    assert ["userid", "timecreated"] in _indexes(StandardLogEntry)


def test_the_standard_store_has_moodles_columns():
    columns = {f.column for f in StandardLogEntry._meta.concrete_fields}
    moodle = {
        "eventname", "component", "action", "target", "objecttable", "objectid",
        "crud", "edulevel", "contextid", "contextlevel", "contextinstanceid",
        "userid", "courseid", "relateduserid", "anonymous", "other", "timecreated",
        "origin", "ip", "realuserid",
    }  # fmt: skip
    assert moodle <= columns
    legacy = {f.column for f in LegacyLogEntry._meta.concrete_fields}
    assert {
        "time",
        "userid",
        "ip",
        "course",
        "module",
        "cmid",
        "action",
        "url",
        "info",
    } <= legacy


def test_a_log_row_says_what_happened():
    row = StandardLogEntry(
        eventname=r"\core\event\course_viewed", userid=5, timecreated=1_700_000_000
    )
    assert str(row) == r"\core\event\course_viewed by 5 at 1700000000"
