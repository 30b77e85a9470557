"""The Moodle events the site generator writes, and how often each module type has them.

Names, components, CRUD and education levels are Moodle's own (each event class's
`init()`), so indicators and importers see the log a real site would write.
`EVENTS` is one list; every other table here refers to events by their index in it.
"""

from __future__ import annotations

import numpy as np

from logstore.models import Crud, EduLevel
from logstore.services import EventType

P = EduLevel.PARTICIPATING
T = EduLevel.TEACHING
O = EduLevel.OTHER  # noqa: E741

# How a row's objectid is derived (the writer knows the database ids).
OBJ_NONE, OBJ_INSTANCE, OBJ_CHILD = 0, 1, 2


def _e(name: str, crud: str, level: int, objecttable: str = "") -> EventType:
    component = name.strip("\\").split("\\", 1)[0]
    return EventType(
        eventname=name,
        component=component,
        crud=crud,
        edulevel=int(level),
        objecttable=objecttable,
    )


EVENTS: list[EventType] = [
    _e(r"\core\event\course_viewed", Crud.READ, P),
    _e(r"\core\event\user_loggedin", Crud.READ, O, "user"),
    _e(
        r"\core\event\course_module_completion_updated",
        Crud.UPDATE,
        P,
        "course_modules_completion",
    ),
    _e(r"\core\event\course_module_created", Crud.CREATE, T, "course_modules"),
    _e(r"\core\event\course_module_updated", Crud.UPDATE, T, "course_modules"),
    _e(r"\core\event\user_graded", Crud.UPDATE, T, "grade_grades"),
    _e(r"\gradereport_grader\event\grader_report_viewed", Crud.READ, T),
]
_MODULE_EVENTS = {
    "assign": [
        ("submission_status_viewed", Crud.READ, P, "", 0.30),
        ("submission_form_viewed", Crud.READ, P, "", 0.10),
        ("submission_created", Crud.CREATE, P, "assign_submission", 0.0),
        ("assessable_submitted", Crud.UPDATE, P, "assign_submission", 0.0),
        ("feedback_viewed", Crud.READ, P, "assign_grades", 0.0),
        ("submission_graded", Crud.UPDATE, T, "assign_grades", 0.0),
        ("grading_table_viewed", Crud.READ, T, "", 0.0),
    ],
    "quiz": [
        ("attempt_started", Crud.CREATE, P, "quiz_attempts", 0.10),
        ("attempt_viewed", Crud.READ, P, "quiz_attempts", 0.30),
        ("attempt_reviewed", Crud.READ, P, "quiz_attempts", 0.10),
        ("attempt_submitted", Crud.UPDATE, P, "quiz_attempts", 0.0),
    ],
    "forum": [
        ("discussion_viewed", Crud.READ, P, "forum_discussions", 0.35),
        ("post_created", Crud.CREATE, P, "forum_posts", 0.08),
        ("discussion_created", Crud.CREATE, P, "forum_discussions", 0.03),
        ("assessable_uploaded", Crud.CREATE, P, "forum_posts", 0.04),
    ],
    "lesson": [
        ("page_viewed", Crud.READ, P, "lesson_pages", 0.40),
        ("lesson_started", Crud.CREATE, P, "lesson", 0.05),
        ("lesson_ended", Crud.UPDATE, P, "lesson", 0.0),
    ],
    "workshop": [
        ("submission_viewed", Crud.READ, P, "workshop_submissions", 0.20),
        ("submission_created", Crud.CREATE, P, "workshop_submissions", 0.0),
        ("submission_updated", Crud.UPDATE, P, "workshop_submissions", 0.05),
    ],
    "book": [("chapter_viewed", Crud.READ, P, "book_chapters", 0.50)],
    "choice": [("answer_created", Crud.CREATE, P, "choice_answers", 0.25)],
    "feedback": [("response_submitted", Crud.CREATE, P, "feedback_completed", 0.25)],
    "glossary": [("entry_created", Crud.CREATE, P, "glossary_entries", 0.20)],
    "wiki": [
        ("page_viewed", Crud.READ, P, "wiki_pages", 0.35),
        ("page_updated", Crud.UPDATE, P, "wiki_pages", 0.15),
    ],
    "scorm": [
        ("sco_launched", Crud.READ, P, "scorm_scoes", 0.40),
        ("scoreraw_submitted", Crud.UPDATE, P, "scorm_scoes_track", 0.0),
    ],
    "data": [("record_created", Crud.CREATE, P, "data_records", 0.25)],
    "chat": [("message_sent", Crud.CREATE, P, "chat_messages", 0.40)],
    "survey": [("response_submitted", Crud.CREATE, P, "survey_answers", 0.30)],
}

MODULE_TYPES = [
    "assign", "book", "chat", "choice", "data", "feedback", "folder", "forum",
    "glossary", "imscp", "label", "lesson", "lti", "page", "quiz", "resource",
    "scorm", "survey", "url", "wiki", "workshop",
]  # fmt: skip

INDEX: dict[str, int] = {}
VIEWED: dict[str, int] = {}  # module type -> its course_module_viewed event
_background: dict[str, list[tuple[int, float]]] = {}


def _register(event: EventType) -> int:
    EVENTS.append(event)
    return len(EVENTS) - 1


for _i, _event in enumerate(EVENTS):
    INDEX[_event.eventname] = _i
for _modname in MODULE_TYPES:
    _view = _register(
        _e(rf"\mod_{_modname}\event\course_module_viewed", Crud.READ, P, _modname)
    )
    VIEWED[_modname] = _view
    _choices: list[tuple[int, float]] = []
    for _name, _crud, _level, _table, _share in _MODULE_EVENTS.get(_modname, []):
        _code = _register(_e(rf"\mod_{_modname}\event\{_name}", _crud, _level, _table))
        INDEX[EVENTS[_code].eventname] = _code
        if _share:
            _choices.append((_code, _share))
    INDEX[EVENTS[_view].eventname] = _view
    _choices.insert(0, (_view, 1.0 - sum(share for _c, share in _choices)))
    _background[_modname] = _choices


def event(name: str) -> int:
    """Index in EVENTS of a full event name (r"\\mod_quiz\\event\\attempt_submitted")."""
    return INDEX[name]


# What the course-page visits of students and teachers look like.
COURSE_VIEWED = event(r"\core\event\course_viewed")
USER_LOGGEDIN = event(r"\core\event\user_loggedin")

# objectid of each event: none, the activity instance, or a child row of it.
OBJECT_KIND = np.array(
    [
        OBJ_NONE
        if not e.objecttable or e.objecttable in {"user"}
        else OBJ_INSTANCE
        if e.objecttable in MODULE_TYPES or e.objecttable == "course_modules"
        else OBJ_CHILD
        for e in EVENTS
    ],
    dtype=np.int8,
)


def background_tables(modnames: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per module type (in `modnames` order): event codes and cumulative shares.

    Rows are padded to the same width, so the choice of an event for many rows of
    many types is one `searchsorted`-style comparison per type.
    """
    width = max(len(v) for v in _background.values())
    codes = np.zeros((len(modnames), width), dtype=np.int64)
    cumulative = np.ones((len(modnames), width), dtype=np.float64)
    for i, modname in enumerate(modnames):
        choices = _background[modname]
        codes[i, : len(choices)] = [c for c, _s in choices]
        codes[i, len(choices) :] = choices[0][0]
        cumulative[i, : len(choices)] = np.cumsum([s for _c, s in choices])
        cumulative[i, len(choices) - 1 :] = 1.0
    return codes, cumulative
