"""One reader interface over both log stores, answering analysis with SQL aggregates.

Analysis never sees raw log rows: every method here is one SQL query that groups the
log in the database and returns numpy arrays. The standard store is read as is; the
legacy store (Moodle's old `log` table) is mapped to the standard columns by SQL
expressions, so both give the same aggregates for the same events:

* crud: the first of "delete", "add", "update" found in the action (Moodle's legacy
  reader turns `crud = 'c'` into `action LIKE '%add%'`, 'u' into '%update%', 'd' into
  '%delete%', 'r' into '%view%'); an action matching none of them (e.g. "login",
  "talk") counts as a read, since reading is what most such actions are.
* edulevel: the legacy log does not record it; every row counts as "participating".
* context: a row with a course module id is in that module's context (level 70),
  one with a course in the course context (level 50), the rest in the system context.
* eventname: the (module, action) pairs that analysis looks for by event name are
  mapped by LEGACY_EVENTS; other rows get "\\mod_<module>\\event\\<action>".
* anonymous: the legacy log has no anonymous events.

Range bounds follow Moodle's indicators: a range (start, end) holds the events with
start < timecreated <= end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np
from django.db import connection

_EVENTNAME = re.compile(r"^[\\A-Za-z0-9_]+$")

#: Codes of crud letters in the arrays (the letters themselves stay in SQL).
CRUD_CODES = {"c": 1, "r": 2, "u": 3, "d": 4}

#: Legacy (module, action) -> the standard event name analysis looks for.
LEGACY_EVENTS: dict[tuple[str, str], str] = {
    ("course", "view"): "\\core\\event\\course_viewed",
    ("assign", "view feedback"): "\\mod_assign\\event\\feedback_viewed",
    ("assign", "submit"): "\\mod_assign\\event\\assessable_submitted",
    ("quiz", "view"): "\\mod_quiz\\event\\course_module_viewed",
    ("quiz", "close attempt"): "\\mod_quiz\\event\\attempt_submitted",
    ("lesson", "end"): "\\mod_lesson\\event\\lesson_ended",
    ("forum", "add post"): "\\mod_forum\\event\\assessable_uploaded",
    ("forum", "add discussion"): "\\mod_forum\\event\\assessable_uploaded",
    ("forum", "view discussion"): "\\mod_forum\\event\\discussion_viewed",
    ("forum", "view forum"): "\\mod_forum\\event\\course_module_viewed",
    ("chat", "talk"): "\\mod_chat\\event\\message_sent",
    ("chat", "view"): "\\mod_chat\\event\\course_module_viewed",
    ("workshop", "view"): "\\mod_workshop\\event\\course_module_viewed",
    ("workshop", "view submission"): "\\mod_workshop\\event\\submission_viewed",
    ("workshop", "add submission"): "\\mod_workshop\\event\\submission_created",
    ("workshop", "update submission"): "\\mod_workshop\\event\\submission_updated",
    ("workshop", "add assessment"): "\\mod_workshop\\event\\submission_assessed",
    ("workshop", "update assessment"): "\\mod_workshop\\event\\submission_reassessed",
    ("lti", "view"): "\\mod_lti\\event\\course_module_viewed",
    ("scorm", "view"): "\\mod_scorm\\event\\course_module_viewed",
}


@dataclass
class RangeCounts:
    """Event counts of a range set, one entry per group.

    `pos` is the position of the range in the range set given to the query; the
    other arrays are the group's user, context level, context instance, crud code
    (CRUD_CODES), education level, number of events and number of non-anonymous
    events.
    """

    pos: np.ndarray
    userid: np.ndarray
    contextlevel: np.ndarray
    contextinstanceid: np.ndarray
    crud: np.ndarray
    edulevel: np.ndarray
    n: np.ndarray
    n_named: np.ndarray

    def __len__(self) -> int:
        return len(self.pos)


@dataclass
class CourseUserSummary:
    """Per (course, user): first and last event in the course context, last event
    anywhere in the course, and non-anonymous events strictly inside the course's
    dates (Moodle's minimum-activity rule for dropout). Missing times are -1."""

    courseid: np.ndarray
    userid: np.ndarray
    first_course_ctx: np.ndarray
    last_course_ctx: np.ndarray
    last_any: np.ndarray
    n_named_inside: np.ndarray

    def __len__(self) -> int:
        return len(self.courseid)


@dataclass
class EventTimes:
    """Per (range position, user, course module, event name): count, first, last."""

    pos: np.ndarray
    userid: np.ndarray
    cmid: np.ndarray
    eventname: list[str]
    n: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.pos)


def _arrays(rows: Sequence[tuple], n_columns: int) -> list[np.ndarray]:
    if not rows:
        return [np.zeros(0, dtype=np.int64) for _ in range(n_columns)]
    matrix = np.array(rows, dtype=np.int64)
    return [matrix[:, i] for i in range(n_columns)]


def _values(rows: Iterable[Sequence[int]]) -> str:
    """A VALUES body of integer tuples, written inline.

    Integers only (every item goes through int()), so nothing from outside reaches
    the SQL text; inline rather than parameters because a range set can hold more
    values than SQLite accepts as parameters.
    """
    return ", ".join("(" + ", ".join(str(int(v)) for v in row) + ")" for row in rows)


class LogReader:
    """Aggregates of the activity log. Subclasses name the columns of their table."""

    key = ""
    table = ""
    col: dict[str, str] = {}

    def _fetch(self, sql: str) -> list[tuple]:
        # No parameters: the SQL holds only our own literals, and without parameters
        # no driver reads the '%' of LIKE patterns as a placeholder.
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    # -- range aggregates ---------------------------------------------------------

    def range_counts(
        self,
        *,
        course_ids: Sequence[int],
        starts: Sequence[int],
        ends: Sequence[int],
    ) -> RangeCounts:
        """Event counts for a range set: the i-th range is course_ids[i] between
        starts[i] (excluded) and ends[i] (included). One query for the whole set,
        grouped by range, user, context, crud and education level."""
        if len(course_ids) == 0:
            return RangeCounts(*_arrays([], len(fields(RangeCounts))))
        c = self.col
        ranges = _values(
            (i, cid, s, e)
            for i, (cid, s, e) in enumerate(zip(course_ids, starts, ends, strict=True))
        )
        courses = ", ".join(str(int(cid)) for cid in sorted(set(course_ids)))
        crud = (
            f"CASE {c['crud']} WHEN 'c' THEN 1 WHEN 'r' THEN 2 WHEN 'u' THEN 3 "
            "WHEN 'd' THEN 4 ELSE 0 END"
        )
        sql = f"""
            WITH r(pos, courseid, s, e) AS (VALUES {ranges})
            SELECT r.pos, l.{c["userid"]}, {c["contextlevel"]} AS ctxlevel,
                   {c["contextinstanceid"]} AS ctxinstance, {crud} AS crudcode,
                   {c["edulevel"]} AS edu, COUNT(*),
                   SUM(CASE WHEN {c["anonymous"]} THEN 0 ELSE 1 END)
            FROM {self.table} l
            JOIN r ON l.{c["courseid"]} = r.courseid
                  AND l.{c["timecreated"]} > r.s AND l.{c["timecreated"]} <= r.e
            WHERE l.{c["courseid"]} IN ({courses})
            GROUP BY r.pos, l.{c["userid"]}, ctxlevel, ctxinstance, crudcode, edu
        """  # noqa: S608 - table, column expressions and integers are ours
        return RangeCounts(*_arrays(self._fetch(sql), 8))

    # -- per course and user ------------------------------------------------------

    def course_user_summary(
        self,
        *,
        course_ids: Sequence[int],
        starts: Sequence[int],
        ends: Sequence[int],
    ) -> CourseUserSummary:
        """First/last access per user and course, whatever the time (see the class).
        `starts`/`ends` are the courses' dates (0 when unset)."""
        if len(course_ids) == 0:
            return CourseUserSummary(*_arrays([], 6))
        c = self.col
        courses = _values(
            zip(course_ids, starts, ends, strict=True),
        )
        in_course_ctx = (
            f"{c['contextlevel']} = 50 AND {c['contextinstanceid']} = r.courseid"
        )
        sql = f"""
            WITH r(courseid, s, e) AS (VALUES {courses})
            SELECT r.courseid, l.{c["userid"]},
                   MIN(CASE WHEN {in_course_ctx} THEN l.{c["timecreated"]} END),
                   MAX(CASE WHEN {in_course_ctx} THEN l.{c["timecreated"]} END),
                   MAX(l.{c["timecreated"]}),
                   SUM(CASE WHEN NOT ({c["anonymous"]})
                             AND l.{c["timecreated"]} > r.s
                             AND l.{c["timecreated"]} < r.e THEN 1 ELSE 0 END)
            FROM {self.table} l
            JOIN r ON l.{c["courseid"]} = r.courseid
            GROUP BY r.courseid, l.{c["userid"]}
        """  # noqa: S608 - table, column expressions and integers are ours
        rows = [tuple(-1 if v is None else v for v in row) for row in self._fetch(sql)]
        return CourseUserSummary(*_arrays(rows, 6))

    # -- named events in activities -----------------------------------------------

    def event_times(
        self,
        *,
        course_ids: Sequence[int],
        starts: Sequence[int],
        ends: Sequence[int],
        eventnames: Iterable[str],
    ) -> EventTimes:
        """Count, first and last time of the given events in course modules, per
        range of the range set, user, module and event name. One query."""
        names = sorted(set(eventnames))
        if len(course_ids) == 0 or not names:
            return EventTimes(*_arrays([], 3), [], *_arrays([], 3))
        c = self.col
        ranges = _values(
            (i, cid, s, e)
            for i, (cid, s, e) in enumerate(zip(course_ids, starts, ends, strict=True))
        )
        courses = ", ".join(str(int(cid)) for cid in sorted(set(course_ids)))
        for name in names:
            if not _EVENTNAME.match(name):
                raise ValueError(f"Not an event name: {name!r}")
        quoted = ", ".join(f"'{name}'" for name in names)
        sql = f"""
            WITH r(pos, courseid, s, e) AS (VALUES {ranges})
            SELECT r.pos, l.{c["userid"]}, {c["contextinstanceid"]} AS cmid,
                   {c["eventname"]} AS ename, COUNT(*),
                   MIN(l.{c["timecreated"]}), MAX(l.{c["timecreated"]})
            FROM {self.table} l
            JOIN r ON l.{c["courseid"]} = r.courseid
                  AND l.{c["timecreated"]} > r.s AND l.{c["timecreated"]} <= r.e
            WHERE l.{c["courseid"]} IN ({courses})
              AND {c["contextlevel"]} = 70
              AND {c["eventname"]} IN ({quoted})
            GROUP BY r.pos, l.{c["userid"]}, cmid, ename
        """  # noqa: S608 - table, column expressions and integers are ours
        rows = self._fetch(sql)
        pos, userid, cmid = _arrays([r[:3] for r in rows], 3)
        n, first, last = _arrays([r[4:] for r in rows], 3)
        return EventTimes(pos, userid, cmid, [r[3] for r in rows], n, first, last)

    def total_rows(self, *, course_ids: Sequence[int] | None = None) -> int:
        """How many log rows the store holds (for these courses)."""
        c = self.col
        where = ""
        if course_ids is not None:
            if not course_ids:
                return 0
            ids = ", ".join(str(int(cid)) for cid in course_ids)
            where = f" WHERE {c['courseid']} IN ({ids})"
        sql = f"SELECT COUNT(*) FROM {self.table}{where}"  # noqa: S608 - ours
        return int(self._fetch(sql)[0][0])


class StandardLogReader(LogReader):
    """Moodle's logstore_standard_log, read as is."""

    key = "standard"
    table = "logstore_standard_log"
    col = {
        "userid": "userid",
        "courseid": "courseid",
        "timecreated": "timecreated",
        "contextlevel": "l.contextlevel",
        "contextinstanceid": "l.contextinstanceid",
        "crud": "l.crud",
        "edulevel": "l.edulevel",
        "anonymous": "l.anonymous",
        "eventname": "l.eventname",
    }


def _legacy_eventname() -> str:
    whens = " ".join(
        f"WHEN l.module = '{module}' AND l.action = '{action}' THEN '{name}'"
        for (module, action), name in LEGACY_EVENTS.items()
    )
    # Backslashes are literal in standard SQL strings on both backends.
    fallback = "'\\mod_' || l.module || '\\event\\' || l.action"
    return f"(CASE {whens} ELSE {fallback} END)"


class LegacyLogReader(LogReader):
    """Moodle's old `log` table, mapped to the standard columns (see the module)."""

    key = "legacy"
    table = "logstore_legacy_log"
    col = {
        "userid": "userid",
        "courseid": "course",
        "timecreated": "time",
        "contextlevel": (
            "(CASE WHEN l.cmid > 0 THEN 70 WHEN l.course > 0 THEN 50 ELSE 10 END)"
        ),
        "contextinstanceid": (
            "(CASE WHEN l.cmid > 0 THEN l.cmid WHEN l.course > 0 THEN l.course "
            "ELSE 0 END)"
        ),
        "crud": (
            "(CASE WHEN l.action LIKE '%delete%' THEN 'd' "
            "WHEN l.action LIKE '%add%' THEN 'c' "
            "WHEN l.action LIKE '%update%' THEN 'u' ELSE 'r' END)"
        ),
        "edulevel": "2",
        "anonymous": "1 = 0",
        "eventname": _legacy_eventname(),
    }


READERS: dict[str, type[LogReader]] = {
    StandardLogReader.key: StandardLogReader,
    LegacyLogReader.key: LegacyLogReader,
}


def get_reader(store: str | None = None) -> LogReader:
    """The reader of `store`, or of the log store chosen in the analytics settings."""
    if store is None:
        from settings_app.selectors import analytics_settings

        store = analytics_settings().logstore
    try:
        return READERS[store]()
    except KeyError:
        raise ValueError(f"Unknown log store {store!r}.") from None
