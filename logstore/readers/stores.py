"""The two log stores: Moodle's standard log as is, and its old `log` table mapped
to the standard columns by SQL expressions, so both give the same aggregates for
the same events:

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
"""

from __future__ import annotations

from logstore.readers.reader import LogReader

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


def get_reader(store: str | None = None, *, rollup: bool = True) -> LogReader:
    """The reader of `store`, or of the log store chosen in the analytics settings
    (`rollup=False`: always from the raw log)."""
    if store is None:
        from settings_app.selectors import analytics_settings

        store = analytics_settings().logstore
    try:
        return READERS[store](rollup=rollup)
    except KeyError:
        raise ValueError(f"Unknown log store {store!r}.") from None
