"""Cognitive depth and social breadth per activity type (Moodle's community of inquiry).

Moodle's `community_of_inquiry_activity`, computed for all rows of a chunk at once.

Potential levels per activity type are in MODULES. An activity counts for a range
by Moodle's rule (activity_completed_by), in activity_due: its module's own due
date, else the weeks-format week of its section, else its share of the course
split over the course's sections; synced courses bring their format, sections and
due fields, others fall back to what Foresight keeps.

A student's value: NaN without counted activities; otherwise -1 plus, for each of
the N counted activities of potential level P, (2 / N) / P times the highest level
the student reached there (cognitive: 1 any event, 2 any create/update, 3 feedback
viewed, 4 feedback replied, 5 resubmitted after feedback; social: 1 any event, 2
feedback viewed), clamped to [-1, 1].

Feedback events count when they happen after the user's first grade in the activity
(or, where Moodle skips the grade check, any time in the range; for forum and chat,
after another user's first post in the range). Decision: Moodle's any_feedback()
loops over every user's events (a quirk: one student's feedback counted for all);
Foresight checks the student's own events, which is what the level means.
Decisions where Foresight lacks Moodle's activity settings: a choice has potential
cognitive level 3 (Moodle's default "show results after answering") and its
"feedback viewed" is any create/update by the student; a feedback activity has level
2 (statistics not published). Lesson "resubmitted": the lesson ended at least twice
(the student repeated it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from models_app.analysis.data import lookup, lookup_sorted, pair_keys, take
from models_app.plugins.indicators.activity_due import due_in_range
from models_app.plugins.indicators.kinds import LinearIndicator, php_round

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


@dataclass(frozen=True)
class Module:
    cognitive: int
    social: int
    has_due: bool = False
    #: "graded": feedback after the first grade (none without a grade); "any": any
    #: time in the range; "others_post": after another user's first post.
    after: str = "graded"
    viewed: frozenset[str] = field(default_factory=frozenset)
    replied: frozenset[str] = field(default_factory=frozenset)
    submitted: frozenset[str] = field(default_factory=frozenset)
    posts: frozenset[str] = field(default_factory=frozenset)
    viewed_is_write: bool = False
    submitted_is_repeat: bool = False


def _ev(mod: str, *names: str) -> frozenset[str]:
    return frozenset(f"\\mod_{mod}\\event\\{n}" for n in names)


MODULES: dict[str, Module] = {
    "assign": Module(
        5,
        2,
        has_due=True,
        viewed=_ev("assign", "feedback_viewed"),
        submitted=_ev("assign", "assessable_submitted"),
    ),
    "book": Module(1, 1),
    "chat": Module(
        4,
        2,
        after="others_post",
        viewed=_ev("chat", "message_sent", "course_module_viewed"),
        replied=_ev("chat", "message_sent"),
        posts=_ev("chat", "message_sent"),
    ),
    "choice": Module(3, 2, has_due=True, after="any", viewed_is_write=True),
    "data": Module(2, 1, has_due=True),
    "feedback": Module(2, 2, has_due=True),
    "folder": Module(1, 1),
    "forum": Module(
        4,
        2,
        after="others_post",
        viewed=_ev(
            "forum", "assessable_uploaded", "course_module_viewed", "discussion_viewed"
        ),
        replied=_ev("forum", "assessable_uploaded"),
        posts=_ev("forum", "assessable_uploaded"),
    ),
    "glossary": Module(2, 1),
    "imscp": Module(1, 1),
    "label": Module(1, 1),
    "lesson": Module(
        5,
        2,
        has_due=True,
        after="any",
        viewed=_ev("lesson", "lesson_ended"),
        submitted=_ev("lesson", "lesson_ended"),
        submitted_is_repeat=True,
    ),
    "lti": Module(3, 2, viewed=_ev("lti", "course_module_viewed")),
    "page": Module(1, 1),
    "quiz": Module(
        5,
        2,
        has_due=True,
        viewed=_ev("quiz", "course_module_viewed"),
        submitted=_ev("quiz", "attempt_submitted"),
    ),
    "resource": Module(1, 1),
    "scorm": Module(3, 2, has_due=True, viewed=_ev("scorm", "course_module_viewed")),
    "survey": Module(2, 1),
    "url": Module(1, 1),
    "wiki": Module(2, 1),
    "workshop": Module(
        5,
        2,
        has_due=True,
        viewed=_ev("workshop", "course_module_viewed", "submission_viewed"),
        replied=_ev("workshop", "submission_assessed", "submission_reassessed"),
        submitted=_ev(
            "workshop",
            "submission_updated",
            "submission_created",
            "submission_reassessed",
        ),
    ),
}

#: Every event name a feedback rule looks for: one query fetches them all.
FEEDBACK_EVENTS: frozenset[str] = frozenset().union(
    *(m.viewed | m.replied | m.submitted | m.posts for m in MODULES.values())
)
FEEDBACK_ORDER: tuple[str, ...] = tuple(sorted(FEEDBACK_EVENTS))


def _codes(names: frozenset[str]) -> list[int]:
    return [FEEDBACK_ORDER.index(n) for n in sorted(names)]


def counted_pairs(data: AnalysisData) -> dict[str, np.ndarray]:
    """(range position, activity) pairs where the activity counts for the range.

    Shared by all community-of-inquiry indicators of a chunk (computed once).
    """

    def load() -> dict[str, np.ndarray]:
        acts = data.activities()
        rs = data.range_set
        keep = acts["visible"]
        act_idx = np.flatnonzero(keep)
        order = act_idx[np.argsort(acts["course"][act_idx], kind="stable")]
        sorted_course = acts["course"][order]
        lo = np.searchsorted(sorted_course, rs.course, side="left")
        hi = np.searchsorted(sorted_course, rs.course, side="right")
        counts = hi - lo
        pos = np.repeat(np.arange(len(rs)), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        act = order[np.repeat(lo, counts) + within]
        if len(act) == 0:
            return {"pos": pos, "act": act}
        has_due = np.isin(
            acts["modname"][act], [k for k, m in MODULES.items() if m.has_due]
        )
        counted = due_in_range(data, act, rs.start[pos], rs.end[pos], has_due)
        return {"pos": pos[counted], "act": act[counted]}

    return data.memo(("rows", "coi_pairs"), load, "facts")


def user_activity_counts(data: AnalysisData) -> dict[str, np.ndarray]:
    """Per (row, activity id) key: the student's events and create/update events."""
    if not data.activity_detail:
        # The aggregate put every activity's ordinary events in one group.
        raise RuntimeError(
            "Per-activity counts need the aggregate's activity detail: the "
            "indicator must set needs_activity_counts."
        )

    def load() -> dict[str, np.ndarray]:
        counts = data.range_counts()
        row = data._range_count_rows()
        keep = (row >= 0) & (counts.contextlevel == 70)
        keys = pair_keys(row[keep], counts.contextinstanceid[keep])
        uniq, inverse = np.unique(keys, return_inverse=True)
        write = counts.n_c[keep] + counts.n_u[keep]
        return {
            "key": uniq,
            "any": np.bincount(inverse, weights=counts.n[keep], minlength=len(uniq)),
            "write": np.bincount(inverse, weights=write, minlength=len(uniq)),
        }

    return data.memo(("rows", "coi_user_counts"), load, "facts")


def feedback_events(data: AnalysisData) -> dict[str, Any]:
    """The feedback events of the chunk, keyed by (row, activity id)."""

    def load() -> dict[str, Any]:
        ev = data.event_times(FEEDBACK_EVENTS)
        user_pos = lookup(
            pair_keys(data.rows.pos, data.row_user), pair_keys(ev.pos, ev.userid)
        )
        code = {name: i for i, name in enumerate(FEEDBACK_ORDER)}
        codes = np.array([code[n] for n in ev.eventname], dtype=np.int64)
        return {"ev": ev, "row": user_pos, "code": codes}

    return data.memo(("rows", "coi_feedback"), load, "facts")


def graded_arrays(data: AnalysisData) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (user, activity) keys of first grades, and the grade times."""

    def load() -> tuple[np.ndarray, np.ndarray]:
        graded = data.first_graded()
        if not graded:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        pairs = np.array(list(graded), dtype=np.int64)
        keys = pair_keys(pairs[:, 0], pairs[:, 1])
        order = np.argsort(keys)
        return keys[order], np.array(list(graded.values()), dtype=float)[order]

    return data.memo("coi_graded", load, "facts")


class CommunityOfInquiryIndicator(LinearIndicator):
    """Base of the per activity type cognitive depth and social breadth indicators."""

    modname: ClassVar[str] = ""
    dimension: ClassVar[str] = "cognitive"  # or "social"
    #: Event names the chunk's aggregate query tells apart for these indicators.
    eventnames: ClassVar[frozenset[str]] = FEEDBACK_EVENTS
    #: user_activity_counts: each activity's own events.
    needs_activity_counts: ClassVar[bool] = True

    def potential(self) -> int:
        module = MODULES[self.modname]
        return module.cognitive if self.dimension == "cognitive" else module.social

    def _feedback(
        self, data: AnalysisData, rows: np.ndarray, act_ids: np.ndarray, kind: str
    ) -> np.ndarray:
        """Whether each (row, activity) pair has feedback of `kind` (viewed, ...)."""
        module = MODULES[self.modname]
        names = getattr(module, kind)
        if kind == "viewed" and module.viewed_is_write:
            counts = user_activity_counts(data)
            at = lookup_sorted(counts["key"], pair_keys(rows, act_ids))
            return take(counts["write"], at, 0) > 0
        if not names:
            return np.zeros(len(rows), dtype=bool)
        fb = feedback_events(data)
        ev, ev_row = fb["ev"], fb["row"]
        names_mask = np.isin(fb["code"], _codes(names))
        sel = names_mask & (ev_row >= 0)
        if kind == "submitted" and module.submitted_is_repeat:
            keys = pair_keys(ev_row[sel], ev.cmid[sel])
            uniq, inv = np.unique(keys, return_inverse=True)
            total = np.bincount(inv, weights=ev.n[sel], minlength=len(uniq))
            at = lookup(uniq, pair_keys(rows, act_ids))
            return take(total, at, 0) >= 2
        if not sel.any():
            return np.zeros(len(rows), dtype=bool)
        keys = pair_keys(ev_row[sel], ev.cmid[sel])
        uniq, inv = np.unique(keys, return_inverse=True)
        last = np.full(len(uniq), -1, dtype=np.int64)
        np.maximum.at(last, inv, ev.last[sel])
        at = lookup(uniq, pair_keys(rows, act_ids))
        last_here = take(last, at, -1)
        after = self._after(data, rows, act_ids)
        return (at >= 0) & ~np.isnan(after) & (last_here > after)

    def _after(
        self, data: AnalysisData, rows: np.ndarray, act_ids: np.ndarray
    ) -> np.ndarray:
        """From when feedback counts, per (row, activity); NaN: no feedback possible."""
        module = MODULES[self.modname]
        if module.after == "any":
            return np.full(len(rows), -1.0)
        users = data.row_user[rows]
        if module.after == "graded":
            keys, times = graded_arrays(data)
            if len(keys) == 0:
                return np.full(len(rows), np.nan)
            at = lookup_sorted(keys, pair_keys(users, act_ids))
            return take(times.astype(float), at, np.nan)
        # others_post: the first post of another user in the activity in the range.
        ev = data.event_times(FEEDBACK_EVENTS)
        is_post = np.isin(feedback_events(data)["code"], _codes(module.posts))
        pos, user, cm, first = (
            ev.pos[is_post],
            ev.userid[is_post],
            ev.cmid[is_post],
            ev.first[is_post],
        )
        out = np.full(len(rows), np.nan)
        if len(pos) == 0:
            return out
        # Per (range, activity): the earliest poster, and the earliest other poster.
        order = np.lexsort((first, cm, pos))
        pos, user, cm, first = pos[order], user[order], cm[order], first[order]
        group = pair_keys(pos, cm)
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        ends = np.r_[starts[1:], len(group)]
        earliest_user = user[starts]
        earliest = first[starts].astype(float)
        second = np.where(
            ends - starts > 1, first[np.minimum(starts + 1, len(first) - 1)], np.nan
        )
        at = lookup(group[starts], pair_keys(data.rows.pos[rows], act_ids))
        found = at >= 0
        safe = np.maximum(at, 0)
        value = np.where(users == earliest_user[safe], second[safe], earliest[safe])
        return np.where(found, value, np.nan)

    def calculate(self, data: AnalysisData) -> np.ndarray:
        pairs = counted_pairs(data)
        acts = data.activities()
        mine = acts["modname"][pairs["act"]] == self.modname
        pair_pos, pair_act = pairs["pos"][mine], pairs["act"][mine]
        n_rows = len(data.rows)
        if len(pair_pos) == 0:
            return np.full(n_rows, np.nan)
        order = np.argsort(pair_pos, kind="stable")
        pair_pos, pair_act = pair_pos[order], pair_act[order]
        n_per_pos = np.bincount(pair_pos, minlength=len(data.range_set))
        first_of_pos = np.cumsum(n_per_pos) - n_per_pos
        # Expand: one entry per (row, counted activity).
        row_n = n_per_pos[data.rows.pos]
        rows = np.repeat(np.arange(n_rows), row_n)
        within = np.arange(row_n.sum()) - np.repeat(np.cumsum(row_n) - row_n, row_n)
        act = pair_act[np.repeat(first_of_pos[data.rows.pos], row_n) + within]
        act_ids = acts["id"][act]
        potential = self.potential()
        counts = user_activity_counts(data)
        at = lookup_sorted(counts["key"], pair_keys(rows, act_ids))
        any_event = take(counts["any"], at, 0) > 0
        level = np.where(any_event, 1, 0)
        if self.dimension == "cognitive":
            if potential >= 2:
                write = take(counts["write"], at, 0) > 0
                level = np.where(write, 2, level)
            for needed, kind in ((3, "viewed"), (4, "replied"), (5, "submitted")):
                if potential >= needed:
                    level = np.where(
                        self._feedback(data, rows, act_ids, kind), needed, level
                    )
        elif potential >= 2:
            level = np.where(self._feedback(data, rows, act_ids, "viewed"), 2, level)
        n_counted = row_n.astype(float)
        per_level = np.where(row_n[rows] > 0, 2.0 / n_counted[rows], 0) / potential
        score = -1 + np.bincount(rows, weights=per_level * level, minlength=n_rows)
        score = np.clip(score, -1, 1)
        return np.where(row_n > 0, php_round(score, 2), np.nan)


class CognitiveDepth(CommunityOfInquiryIndicator):
    dimension: ClassVar[str] = "cognitive"


class SocialBreadth(CommunityOfInquiryIndicator):
    dimension: ClassVar[str] = "social"
