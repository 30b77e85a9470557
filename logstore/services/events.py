"""What a log batch is made of: event types, Moodle's legacy mapping, columnar rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Marks NULL in the integer columns of a LogBatch (ids are never negative).
NULL_ID = -1

# Moodle's legacy log data (`get_legacy_logdata()`) for the events the generator
# and importers produce: eventname -> (module, action, url, info). Templates use
# {courseid}, {cmid}, {objectid}, {userid}. Actions are Moodle's own, so the legacy
# reader (logstore.readers.LEGACY_EVENTS) maps them back to the same event names.
# Events Moodle never wrote to the legacy table get "<kind> <target>" (see
# EventType.legacy), whose first word keeps the CRUD kind.
# fmt: off
LEGACY_EVENTS: dict[str, tuple[str, str, str, str]] = {
    r"\core\event\course_viewed": ("course", "view", "view.php?id={courseid}", "{courseid}"),
    r"\core\event\user_loggedin": ("user", "login", "view.php?id={userid}&course=1", "{userid}"),
    r"\core\event\course_module_created": ("course", "add mod", "../mod/view.php?id={cmid}", "{objectid}"),
    r"\core\event\course_module_updated": ("course", "update mod", "../mod/view.php?id={cmid}", "{objectid}"),
    r"\mod_forum\event\course_module_viewed": ("forum", "view forum", "view.php?id={cmid}", "{objectid}"),
    r"\mod_forum\event\discussion_viewed": ("forum", "view discussion", "discuss.php?d={objectid}", "{objectid}"),
    r"\mod_forum\event\discussion_created": ("forum", "add discussion", "discuss.php?d={objectid}", "{objectid}"),
    r"\mod_forum\event\post_created": ("forum", "add post", "discuss.php?d={objectid}", "{objectid}"),
    r"\mod_assign\event\submission_status_viewed": ("assign", "view", "view.php?id={cmid}", "View own submission status"),
    r"\mod_assign\event\submission_form_viewed": ("assign", "view submit assignment form", "view.php?id={cmid}", ""),
    r"\mod_assign\event\assessable_submitted": ("assign", "submit", "view.php?id={cmid}", ""),
    r"\mod_assign\event\feedback_viewed": ("assign", "view feedback", "view.php?id={cmid}", ""),
    r"\mod_assign\event\submission_graded": ("assign", "grade submission", "view.php?id={cmid}", ""),
    r"\mod_assign\event\grading_table_viewed": ("assign", "view submission grading table", "view.php?id={cmid}", ""),
    r"\mod_quiz\event\attempt_started": ("quiz", "attempt", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_quiz\event\attempt_viewed": ("quiz", "continue attempt", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_quiz\event\attempt_reviewed": ("quiz", "review", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_quiz\event\attempt_submitted": ("quiz", "close attempt", "review.php?attempt={objectid}", "{objectid}"),
    r"\mod_lesson\event\lesson_started": ("lesson", "start", "view.php?id={cmid}", "{objectid}"),
    r"\mod_lesson\event\lesson_ended": ("lesson", "end", "view.php?id={cmid}", "{objectid}"),
    r"\mod_choice\event\answer_created": ("choice", "choose", "view.php?id={cmid}", "{objectid}"),
    r"\mod_feedback\event\response_submitted": ("feedback", "submit", "view.php?id={cmid}", "{objectid}"),
    r"\mod_glossary\event\entry_created": ("glossary", "add entry", "view.php?id={cmid}", "{objectid}"),
    r"\mod_wiki\event\page_viewed": ("wiki", "view", "view.php?id={cmid}", "{objectid}"),
    r"\mod_wiki\event\page_updated": ("wiki", "edit", "view.php?id={cmid}", "{objectid}"),
    r"\mod_workshop\event\submission_viewed": ("workshop", "view submission", "submission.php?cmid={cmid}", "{objectid}"),
    r"\mod_workshop\event\submission_created": ("workshop", "add submission", "submission.php?cmid={cmid}", "{objectid}"),
    r"\mod_workshop\event\submission_updated": ("workshop", "update submission", "submission.php?cmid={cmid}", "{objectid}"),
    r"\mod_scorm\event\sco_launched": ("scorm", "launch", "player.php?cm={cmid}", "{objectid}"),
    r"\mod_data\event\record_created": ("data", "add", "view.php?id={cmid}", "{objectid}"),
    r"\mod_book\event\chapter_viewed": ("book", "view chapter", "view.php?id={cmid}", "{objectid}"),
    r"\mod_chat\event\message_sent": ("chat", "talk", "view.php?id={cmid}", "{objectid}"),
    r"\mod_survey\event\response_submitted": ("survey", "submit", "view.php?id={cmid}", "{objectid}"),
}
# fmt: on

_CRUD_VERBS = {"c": "add", "r": "view", "u": "update", "d": "delete"}


@dataclass(frozen=True)
class EventType:
    """One kind of standard event: what a log row says besides who, where and when."""

    eventname: str
    component: str
    crud: str
    edulevel: int
    objecttable: str = ""

    @property
    def action(self) -> str:
        """Moodle names events <target>_<action>: "course_module_viewed"."""
        return self.eventname.rsplit("\\", 1)[-1].rsplit("_", 1)[-1]

    @property
    def target(self) -> str:
        return self.eventname.rsplit("\\", 1)[-1].rsplit("_", 1)[0]

    def legacy(self) -> tuple[str, str, str, str]:
        """(module, action, url template, info template) for the legacy store."""
        if self.eventname in LEGACY_EVENTS:
            return LEGACY_EVENTS[self.eventname]
        module = self.component.removeprefix("mod_")
        if module.startswith("core"):
            module = "course"
        if self.eventname.endswith(r"\course_module_viewed"):
            return module, "view", "view.php?id={cmid}", "{objectid}"
        verb = _CRUD_VERBS[self.crud]
        action = f"{verb} {self.target}"
        return module[:20], action.replace("_", " ")[:40], "view.php?id={cmid}", ""


@dataclass
class LogBatch:
    """Columnar events: one array entry per row, all arrays of the same length.

    `event` holds indexes into `events`; `ip` indexes into `ips`. Integer columns use
    NULL_ID for NULL. Columns left as None take their default (NULL, or 0 for
    `relateduserid`-style columns; see `standard_log_write`).
    """

    events: Sequence[EventType]
    event: np.ndarray
    userid: np.ndarray
    courseid: np.ndarray
    contextid: np.ndarray
    contextlevel: np.ndarray
    contextinstanceid: np.ndarray
    timecreated: np.ndarray
    objectid: np.ndarray | None = None
    relateduserid: np.ndarray | None = None
    ip: np.ndarray | None = None
    ips: Sequence[str] = field(default_factory=lambda: [""])
    origin: str = "web"

    def __len__(self) -> int:
        return len(self.event)
