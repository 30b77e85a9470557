"""The activity log of a SitePlan, produced block by block as columnar batches.

The total number of rows is `config.events`: the events that outcomes imply
(submissions, completions, gradings; see outcomes.py) plus everyday activity
(course and activity visits, forum reading, logins, teachers' work) spread over
(enrolment, week) cells in proportion to engagement. One multinomial draw fixes
the count of every cell up front; rows are then expanded a block of courses at a
time, each block with its own seeded generator, so memory stays bounded and the
same seed gives the same log.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from lms.generator import events as ev
from lms.generator.plan import WEEK, SitePlan
from lms.generator.writer import SiteIds
from logstore.services import NULL_ID, LogBatch

_BLOCK_ROWS = 400_000
_STUDENT_SHARE = 0.93


def _ips(n: int) -> list[str]:
    """One stable address per user, all of the same length."""
    i = np.arange(n)
    return [
        f"10.{100 + a}.{100 + b}.{100 + c}"
        for a, b, c in zip(i % 100, (i // 100) % 100, (i // 10_000) % 100, strict=True)
    ]


def _available(plan: SitePlan) -> np.ndarray:
    """Per (course, week): how many of the course's first activities are open."""
    weeks = plan.engagement.shape[1]
    table = np.zeros((plan.config.courses, weeks), dtype=np.int64)
    opens = np.clip(plan.act_section - 1, 0, weeks - 1)
    np.add.at(table, (plan.act_course, opens), 1)
    return np.cumsum(table, axis=1)


class LogPlan:
    """How many rows go where; `batches()` yields them block by block."""

    def __init__(self, plan: SitePlan) -> None:
        self.plan = plan
        cfg = plan.config
        rng = np.random.default_rng([cfg.seed, 2])
        injected = (
            plan.injected
            if cfg.events > 0
            else {k: v[:0] for k, v in plan.injected.items()}
        )
        self.injected = injected
        background = max(cfg.events - len(injected["time"]), 0)
        students = round(background * _STUDENT_SHARE)
        self.student_counts = self._spread(rng, students, plan.student_cells)
        self.teacher_counts = self._spread(
            rng, background - students, plan.teacher_cells
        )
        self.total = int(
            len(injected["time"])
            + self.student_counts.sum()
            + self.teacher_counts.sum()
        )
        per_course = (
            np.bincount(plan.enrol_course, weights=self.student_counts.sum(axis=1),
                        minlength=cfg.courses)
            + self.teacher_counts.sum(axis=1)
            + np.bincount(injected["course"], minlength=cfg.courses)
        )  # fmt: skip
        cumulative = np.cumsum(per_course)
        cuts = np.searchsorted(cumulative, np.arange(1, int(cumulative[-1] // _BLOCK_ROWS) + 1)
                               * _BLOCK_ROWS)  # fmt: skip
        bounds = np.unique(np.r_[0, np.minimum(cuts + 1, cfg.courses), cfg.courses])
        self.blocks = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
        self.available = _available(plan)
        self.codes, self.cumulative = ev.background_tables(ev.MODULE_TYPES)

    @staticmethod
    def _spread(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
        total = weights.sum()
        if n <= 0 or total <= 0:
            return np.zeros(weights.shape, dtype=np.int64)
        p = (weights / total).ravel()
        return rng.multinomial(n, p).reshape(weights.shape)

    def batches(self, ids: SiteIds) -> Iterator[LogBatch]:
        ips = _ips(len(ids.user))
        for number, (c0, c1) in enumerate(self.blocks):
            rng = np.random.default_rng([self.plan.config.seed, 3, number])
            parts = [self._students(rng, c0, c1), self._teachers(rng, c0, c1),
                     self._injected(c0, c1)]  # fmt: skip
            rows = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
            if len(rows["time"]):
                yield self._batch(rows, ids, ips)

    def _pick_activity(self, rng, course, week) -> tuple[np.ndarray, np.ndarray]:
        open_count = self.available[course, week]
        local = np.floor(rng.random(len(course)) * open_count).astype(np.int64)
        act = self.plan.course_act_start[course] + local
        kind = self.plan.act_type[act]
        draw = rng.random(len(act))
        choice = (self.cumulative[kind] <= draw[:, None]).sum(axis=1)
        choice = np.minimum(choice, self.codes.shape[1] - 1)
        return act, self.codes[kind, choice]

    def _students(self, rng, c0: int, c1: int) -> dict[str, np.ndarray]:
        plan = self.plan
        e0, e1 = np.searchsorted(plan.enrol_course, [c0, c1])
        counts = self.student_counts[e0:e1]
        weeks = counts.shape[1]
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        enrol = e0 + cell // weeks
        week = cell % weeks
        course = plan.enrol_course[enrol]
        week_start = plan.course_start[course] + week * WEEK
        lo = np.maximum(week_start, plan.enrol_start[enrol])
        hi = np.minimum(
            np.minimum(week_start + WEEK, plan.now), plan.course_end[course]
        )
        ends = plan.enrol_end[enrol]
        hi = np.where(ends >= 0, np.minimum(hi, ends), hi)
        time = lo + np.floor(rng.random(len(cell)) * np.maximum(hi - lo, 1)).astype(
            np.int64
        )
        n = len(cell)
        act, event = self._pick_activity(rng, course, week)
        kind = rng.random(n)
        login, visit = kind < 0.04, (kind >= 0.04) & (kind < 0.28)
        act = np.where(login, -2, np.where(visit, -1, act))
        event = np.where(
            login, ev.USER_LOGGEDIN, np.where(visit, ev.COURSE_VIEWED, event)
        )
        return {
            "user": plan.enrol_user[enrol], "course": course, "act": act, "event": event,
            "time": time, "related": np.full(n, -1), "child": rng.integers(0, 50, n),
        }  # fmt: skip

    def _teachers(self, rng, c0: int, c1: int) -> dict[str, np.ndarray]:
        plan = self.plan
        counts = self.teacher_counts[c0:c1]
        weeks = counts.shape[1]
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        course = c0 + cell // weeks
        week = cell % weeks
        n = len(cell)
        week_start = plan.course_start[course] + week * WEEK
        hi = np.minimum(
            np.minimum(week_start + WEEK, plan.now), plan.course_end[course]
        )
        time = week_start + np.floor(
            rng.random(n) * np.maximum(hi - week_start, 1)
        ).astype(np.int64)
        assistant = plan.course_assistant[course]
        user = np.where((assistant >= 0) & (rng.random(n) < 0.3), assistant,
                        plan.course_teacher[course])  # fmt: skip
        act, _event = self._pick_activity(rng, course, week)
        viewed = np.array([ev.VIEWED[m] for m in ev.MODULE_TYPES])[plan.act_type[act]]
        kind = rng.random(n)
        event = np.select(
            [kind < 0.4, kind < 0.6, kind < 0.7, kind < 0.95],
            [ev.COURSE_VIEWED, ev.event(r"\gradereport_grader\event\grader_report_viewed"),
             ev.event(r"\core\event\course_module_updated"), viewed],
            ev.event(r"\mod_forum\event\discussion_created"),
        )  # fmt: skip
        announcements = plan.course_act_start[course]
        act = np.where(kind < 0.6, -1, np.where(kind < 0.95, act, announcements))
        return {
            "user": user, "course": course, "act": act, "event": event, "time": time,
            "related": np.full(n, -1), "child": rng.integers(0, 50, n),
        }  # fmt: skip

    def _injected(self, c0: int, c1: int) -> dict[str, np.ndarray]:
        start, end = np.searchsorted(self.injected["course"], [c0, c1])
        return {k: v[start:end] for k, v in self.injected.items()}

    @staticmethod
    def _batch(rows: dict[str, np.ndarray], ids: SiteIds, ips: list[str]) -> LogBatch:
        act, course, user = rows["act"], rows["course"], rows["user"]
        in_activity = act >= 0
        safe_act = np.where(in_activity, act, 0)
        activity_id = ids.activity[safe_act]
        course_id = ids.course[course]
        system = act == -2
        kind = ev.OBJECT_KIND[rows["event"]]
        objectid = np.where(
            in_activity & (kind == ev.OBJ_INSTANCE),
            activity_id,
            np.where(in_activity & (kind == ev.OBJ_CHILD), activity_id * 100 + rows["child"],
                     NULL_ID),
        )  # fmt: skip
        userid = ids.user[user]
        objectid = np.where(rows["event"] == ev.USER_LOGGEDIN, userid, objectid)
        related = rows["related"]
        return LogBatch(
            events=ev.EVENTS,
            event=rows["event"],
            userid=userid,
            courseid=np.where(system, 0, course_id),
            contextid=np.where(in_activity, ids.activity_context[safe_act],
                               np.where(system, ids.system_context,
                                        ids.course_context[course])),
            contextlevel=np.where(in_activity, 70, np.where(system, 10, 50)),
            contextinstanceid=np.where(in_activity, activity_id,
                                       np.where(system, 0, course_id)),
            timecreated=rows["time"],
            objectid=objectid,
            relateduserid=np.where(related >= 0, ids.user[np.maximum(related, 0)], NULL_ID),
            ip=user,
            ips=ips,
        )  # fmt: skip
