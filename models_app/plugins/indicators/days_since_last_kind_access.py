"""How recently the student worked with each kind of activity (Foresight's own).

Three kinds of activity, by module type:

- reading: book, folder, imscp, label, page, resource, scorm, url;
- assessment: assign, lesson, quiz, workshop;
- communication: chat, data, forum, glossary, lti, wiki (OULAD's collaborative
  rooms are imported as lti, its forums, wikis and databases as forum, wiki, data).

choice, feedback and survey (questionnaires) belong to none. Each indicator is
`days_since_last_access` read over one kind only: active in that kind on the
range's last day is 1, each day of silence lowers the value evenly down to -1 at
four weeks (HORIZON_DAYS), no such event in the range -1. An assessment is also
"accessed" when the student handed it in (its grade's submission time), which is
how OULAD records its assignments and exams. No value when the course has no
visible activity of the kind: silence there says nothing.

Their labels say "Recent ...": the insight pages word a linear value they have no
specific text for by its level ("very low" to "very high"), and a high value here
is a recent access.

They read the log per activity, so they set `needs_activity_counts`: the chunk's
aggregate then keeps every activity's groups (issue 18). Measured on 2026-12-01 on
a generated PostgreSQL site of 200 courses and 2M log rows (`generate_site
--courses 200 --students-per-course 50 --events 2000000 --now 2026-01-15`, the
default dropout model's training dataset with deciles from the raw log, four
interleaved rounds, load average 2.8-3.3 from other jobs): 469,492 aggregate
groups instead of 131,302, 3.2-3.5 s instead of 1.8-2.7 s, this process's CPU
0.49-0.70 s against 0.23-0.39 s.

Not in the default dropout model: they add nothing the overall recency and the
assessment indicators do not already say. In the backtest (`bench/quality.py`,
dropout, quarters, logistic regression, ROC AUC at 25% / 50% of the course,
2026-12-01) the three added to the default 15 gave 0.825 / 0.894 from AAA to BBB
(0.827 / 0.906 without), 0.781 / 0.844 from BBB to AAA (0.775 / 0.837), and on
the generated site 0.885 / 0.956 and 0.877 / 0.943 (0.887 / 0.957 and 0.878 /
0.941); their classmates variants, both together, and each kind alone helped in
one direction at most.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.analysis.data import expand_ranges, lookup, pair_keys
from models_app.plugins.indicators.classmates import ComparedWithClassmates
from models_app.plugins.indicators.days_since_last_access import recency
from models_app.plugins.indicators.kinds import LinearIndicator

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

#: Kind -> the module types that belong to it.
ACTIVITY_KINDS: dict[str, frozenset[str]] = {
    "reading": frozenset(
        {"book", "folder", "imscp", "label", "page", "resource", "scorm", "url"}
    ),
    "assessment": frozenset({"assign", "lesson", "quiz", "workshop"}),
    "communication": frozenset({"chat", "data", "forum", "glossary", "lti", "wiki"}),
}
#: Kinds whose handed-in work (a grade's submission time) counts as an access.
SUBMISSION_KINDS = frozenset({"assessment"})
_ORDER = tuple(ACTIVITY_KINDS)


def _activity_kind(data: AnalysisData) -> np.ndarray:
    """Per activity of data.activities(), the index of its kind in _ORDER (-1: none)."""

    def load() -> np.ndarray:
        modname = data.activities()["modname"]
        out = np.full(len(modname), -1, dtype=np.int64)
        for i, kind in enumerate(_ORDER):
            out[np.isin(modname, list(ACTIVITY_KINDS[kind]))] = i
        return out

    return data.memo(("activity_kind",), load, "facts")


def _rows_for_pairs(
    data: AnalysisData, course: np.ndarray, user: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every (entry, row) pair where row's course and user are the entry's."""
    row_keys = pair_keys(data.row_course, data.row_user)
    order = np.argsort(row_keys, kind="stable")
    sorted_keys = row_keys[order]
    wanted = pair_keys(course, user)
    lo = np.searchsorted(sorted_keys, wanted, side="left")
    hi = np.searchsorted(sorted_keys, wanted, side="right")
    entry, at = expand_ranges(lo, hi)
    return entry, order[at]


def last_access_per_kind(data: AnalysisData) -> dict[str, np.ndarray]:
    """Per kind, per row: the time of the sample user's last event in an activity
    of that kind in the range (or handed-in work, see SUBMISSION_KINDS), -1 when
    none; NaN-free. Also "present": per kind, whether the row's course has a
    visible activity of the kind."""
    if not data.activity_detail:
        # Without it, an activity's ordinary events share one group with no module.
        raise RuntimeError(
            "Days since the last access per kind of activity need the aggregate's "
            "activity detail: the indicator must set needs_activity_counts."
        )

    def load() -> dict[str, np.ndarray]:
        n_rows = len(data.rows)
        acts = data.activities()
        act_kind = _activity_kind(data)
        counts = data.range_counts()
        row = data._range_count_rows()
        keep = np.flatnonzero((row >= 0) & (counts.contextlevel == 70))
        at = lookup(acts["id"], counts.contextinstanceid[keep])
        event_kind = np.where(at >= 0, act_kind[np.maximum(at, 0)], -1)

        grades = data.activity_grades()
        g_at = lookup(acts["id"], grades["activity"])
        g_kind = np.where(g_at >= 0, act_kind[np.maximum(g_at, 0)], -1)
        handed = np.flatnonzero((grades["submitted"] >= 0) & (g_kind >= 0))
        entry, g_row = _rows_for_pairs(
            data, acts["course"][g_at[handed]], grades["user"][handed]
        )
        g_time = grades["submitted"][handed][entry]
        in_range = (g_time > data.row_start[g_row]) & (g_time <= data.row_end[g_row])
        g_kind_rows = g_kind[handed][entry]

        row_course = data.row_course
        out: dict[str, np.ndarray] = {}
        for i, kind in enumerate(_ORDER):
            last = np.full(n_rows, -1, dtype=np.int64)
            mine = keep[event_kind == i]
            np.maximum.at(last, row[mine], counts.last[mine].astype(np.int64))
            if kind in SUBMISSION_KINDS:
                sel = in_range & (g_kind_rows == i)
                np.maximum.at(last, g_row[sel], g_time[sel])
            courses = np.unique(acts["course"][(act_kind == i) & acts["visible"]])
            out[kind] = last
            out[f"{kind}/present"] = np.isin(row_course, courses)
        return out

    return data.memo(("rows", "last_access_per_kind"), load, "facts")


class DaysSinceLastKindAccess(LinearIndicator):
    """Days between the student's last access to an activity of `activity_kind`
    in the range and the range's end (see the module)."""

    activity_kind: ClassVar[str]
    needs_activity_counts = True

    def calculate(self, data: AnalysisData) -> np.ndarray:
        facts = last_access_per_kind(data)
        value = recency(facts[self.activity_kind], data.row_end)
        return np.where(facts[f"{self.activity_kind}/present"], value, np.nan)


class DaysSinceLastReading(DaysSinceLastKindAccess):
    __doc__ = DaysSinceLastKindAccess.__doc__
    key = "days_since_last_reading"
    label = _("Recent reading (resources, pages, books)")
    moodle_id = "\\foresight\\analytics\\indicator\\days_since_last_reading"
    activity_kind = "reading"


class DaysSinceLastAssessment(DaysSinceLastKindAccess):
    __doc__ = DaysSinceLastKindAccess.__doc__
    key = "days_since_last_assessment"
    label = _("Recent work on assessments (assignments, quizzes)")
    moodle_id = "\\foresight\\analytics\\indicator\\days_since_last_assessment"
    activity_kind = "assessment"


class DaysSinceLastCommunication(DaysSinceLastKindAccess):
    __doc__ = DaysSinceLastKindAccess.__doc__
    key = "days_since_last_communication"
    label = _("Recent communication (forums, chats, wikis)")
    moodle_id = "\\foresight\\analytics\\indicator\\days_since_last_communication"
    activity_kind = "communication"


class DaysSinceLastReadingComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "days_since_last_reading_classmates"
    label = _("Recent reading compared with classmates")
    moodle_id = "\\foresight\\analytics\\indicator\\days_since_last_reading_classmates"
    base = DaysSinceLastReading


class DaysSinceLastAssessmentComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "days_since_last_assessment_classmates"
    label = _("Recent work on assessments compared with classmates")
    moodle_id = (
        "\\foresight\\analytics\\indicator\\days_since_last_assessment_classmates"
    )
    base = DaysSinceLastAssessment


class DaysSinceLastCommunicationComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "days_since_last_communication_classmates"
    label = _("Recent communication compared with classmates")
    moodle_id = (
        "\\foresight\\analytics\\indicator\\days_since_last_communication_classmates"
    )
    base = DaysSinceLastCommunication
