"""Outcomes that follow engagement: submissions, grades, completion, and their events.

Works on every (enrolment, activity) pair of a course at once. A pair's engagement
is the student's engagement in the activity's week; it sets the chance to submit,
the grade, the chance to complete, and whether feedback is read. The events those
outcomes imply (submission, attempt, completion, grading) are "injected" into the
log at the outcome's time, so the log and the grade book always agree.
"""

from __future__ import annotations

import numpy as np

from lms.generator import events as ev
from lms.generator.plan import (
    _TEACHER_GRADED,
    DAY,
    FINISHED,
    WEEK,
    SitePlan,
    _active_at,
)

COMPLETE, COMPLETE_PASS, COMPLETE_FAIL = 1, 2, 3


class _Events:
    """Collects injected events as arrays: user, course, activity (-1: course)."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, *, user, course, act, event, time, related=None, child=None) -> None:
        n = len(time)
        if n == 0:
            return
        self.parts.append(
            {
                "user": np.asarray(user, dtype=np.int64),
                "course": np.asarray(course, dtype=np.int64),
                "act": np.broadcast_to(np.asarray(act, dtype=np.int64), (n,)).copy(),
                "event": np.full(n, event, dtype=np.int64),
                "time": np.asarray(time, dtype=np.int64),
                "related": (
                    np.full(n, -1, dtype=np.int64)
                    if related is None
                    else np.asarray(related, dtype=np.int64)
                ),
                "child": (
                    np.zeros(n, dtype=np.int64)
                    if child is None
                    else np.asarray(child, dtype=np.int64)
                ),
            }
        )

    def arrays(self) -> dict[str, np.ndarray]:
        keys = ["user", "course", "act", "event", "time", "related", "child"]
        if not self.parts:
            return {k: np.zeros(0, dtype=np.int64) for k in keys}
        merged = {k: np.concatenate([p[k] for p in self.parts]) for k in keys}
        order = np.lexsort((merged["time"], merged["course"]))
        return {k: v[order] for k, v in merged.items()}


def _pairs(plan: SitePlan) -> tuple[np.ndarray, np.ndarray]:
    """Every (enrolment, activity of its course) pair, outside section 0."""
    n_acts = np.bincount(plan.act_course, minlength=plan.config.courses)
    per_enrol = n_acts[plan.enrol_course]
    enrol = np.repeat(np.arange(len(plan.enrol_course)), per_enrol)
    offsets = np.arange(len(enrol)) - np.repeat(
        np.cumsum(per_enrol) - per_enrol, per_enrol
    )
    act = plan.course_act_start[plan.enrol_course[enrol]] + offsets
    keep = plan.act_section[act] > 0
    return enrol[keep], act[keep]


def outcomes_build(plan: SitePlan, rng: np.random.Generator) -> None:
    enrol, act = _pairs(plan)
    course = plan.enrol_course[enrol]
    user = plan.enrol_user[enrol]
    start = plan.course_start[course]
    week = plan.act_section[act] - 1
    level = np.minimum(plan.engagement[enrol, week], 2.0) / 2.0
    engaged = level > 0
    modnames = np.array(ev.MODULE_TYPES)[plan.act_type[act]]
    graded = ~np.isnan(plan.act_grade_max[act])
    due = plan.act_due[act]
    events = _Events()
    teacher = plan.course_teacher[course]
    absent = plan.course_teacher_absent[course]

    # Submissions of graded work, a few hours to four days before the due date.
    p_submit = 0.1 + 0.87 * np.minimum(1.0, 1.5 * level)
    submit_time = due - rng.integers(3600, 4 * DAY, len(act))
    submit_time = np.maximum(
        submit_time, np.maximum(start, plan.enrol_start[enrol]) + 600
    )
    submitted = (
        graded
        & engaged
        & (rng.random(len(act)) < p_submit)
        & (due < plan.now)
        & _active_at(plan, enrol, submit_time)
    )
    ability = plan.user_ability[user]
    fraction = np.clip(rng.normal(0.3 + 0.6 * level + 0.08 * ability, 0.12), 0, 1)
    by_teacher = np.isin(modnames, list(_TEACHER_GRADED))
    graded_time = np.where(
        by_teacher, submit_time + rng.integers(DAY, 8 * DAY, len(act)), submit_time + 5
    )
    is_graded = submitted & (graded_time < plan.now) & ~(by_teacher & absent)
    grade_value = np.where(
        is_graded, np.round(fraction * plan.act_grade_max[act], 2), np.nan
    )
    plan.grade_enrol, plan.grade_act = enrol[submitted], act[submitted]
    plan.grade_value = grade_value[submitted]
    plan.grade_time = submit_time[submitted]
    _submission_events(
        plan,
        rng,
        events,
        enrol,
        act,
        user,
        course,
        modnames,
        submitted,
        submit_time,
        is_graded,
        graded_time,
        teacher,
        level,
    )

    # Completion: graded work completes on submission (passed or failed once
    # graded); everything else on a visit during the activity's week.
    tracked = plan.act_completion[act] > 0
    week_start = start + week * WEEK
    visit = week_start + rng.integers(0, WEEK, len(act))
    visit = np.maximum(visit, plan.enrol_start[enrol] + 60)
    visit = np.where((due >= 0) & (visit > due), due - 60, visit)
    p_visit = np.minimum(0.97, 0.15 + 0.85 * np.minimum(1.0, 1.4 * level))
    visited = (
        ~graded & engaged & (rng.random(len(act)) < p_visit)
        & _active_at(plan, enrol, visit) & (visit < plan.course_end[course])
    )  # fmt: skip
    passed = grade_value >= plan.act_grade_max[act] / 2
    state = np.where(
        submitted,
        np.where(is_graded, np.where(passed, COMPLETE_PASS, COMPLETE_FAIL), COMPLETE),
        COMPLETE,
    )
    completed = tracked & (submitted | visited)
    when = np.where(submitted, np.where(is_graded, graded_time, submit_time), visit)
    plan.completion_enrol, plan.completion_act = enrol[completed], act[completed]
    plan.completion_state = state[completed]
    plan.completion_time = when[completed]
    viewed = np.array([ev.VIEWED[m] for m in ev.MODULE_TYPES])[plan.act_type[act]]
    for code in np.unique(viewed[visited]):
        sel = visited & (viewed == code)
        events.add(
            user=user[sel],
            course=course[sel],
            act=act[sel],
            event=code,
            time=visit[sel] - 1,
        )
    sel = completed
    events.add(
        user=user[sel],
        course=course[sel],
        act=act[sel],
        event=ev.event(r"\core\event\course_module_completion_updated"),
        time=when[sel],
        related=user[sel],
    )

    _course_outcomes(
        plan, rng, events, enrol, act, graded, submitted, grade_value, completed, when
    )
    _teaching_events(plan, rng, events)
    plan.injected = events.arrays()
    _background_cells(plan)


def _submission_events(
    plan,
    rng,
    events,
    enrol,
    act,
    user,
    course,
    modnames,
    submitted,
    submit_time,
    is_graded,
    graded_time,
    teacher,
    level,
):
    n = len(act)
    before = submit_time - rng.integers(300, 3 * 3600, n)
    child = rng.integers(0, 50, n)
    steps = {
        "assign": [
            ("submission_created", before),
            ("assessable_submitted", submit_time),
        ],
        "quiz": [("attempt_started", before), ("attempt_submitted", submit_time)],
        "lesson": [("lesson_started", before), ("lesson_ended", submit_time)],
        "workshop": [("submission_created", submit_time)],
        "scorm": [("sco_launched", before), ("scoreraw_submitted", submit_time)],
    }
    for modname, sequence in steps.items():
        sel = submitted & (modnames == modname)
        for name, times in sequence:
            events.add(
                user=user[sel],
                course=course[sel],
                act=act[sel],
                event=ev.event(rf"\mod_{modname}\event\{name}"),
                time=times[sel],
                child=child[sel],
            )
    # Teachers grade assignments and workshops; students read the feedback.
    for modname, code in (
        ("assign", ev.event(r"\mod_assign\event\submission_graded")),
        ("workshop", ev.event(r"\core\event\user_graded")),
    ):
        sel = is_graded & (modnames == modname)
        events.add(
            user=teacher[sel],
            course=course[sel],
            act=act[sel],
            event=code,
            time=graded_time[sel],
            related=user[sel],
            child=child[sel],
        )
    read_at = graded_time + rng.integers(3600, 3 * DAY, n)
    sel = (is_graded & (modnames == "assign") & (rng.random(n) < level)
           & _active_at(plan, enrol, read_at))  # fmt: skip
    events.add(
        user=user[sel],
        course=course[sel],
        act=act[sel],
        event=ev.event(r"\mod_assign\event\feedback_viewed"),
        time=read_at[sel],
        child=child[sel],
    )


def _course_outcomes(
    plan, rng, events, enrol, act, graded, submitted, grade_value, completed, when
) -> None:
    n_enrol = len(plan.enrol_user)
    course = plan.enrol_course
    counted = graded & (plan.act_due[act] < plan.now)
    items = np.bincount(enrol, weights=counted, minlength=n_enrol)
    got = np.nan_to_num(grade_value / plan.act_grade_max[act])
    total = np.bincount(enrol, weights=np.where(counted, got, 0), minlength=n_enrol)
    any_grade = np.bincount(enrol, weights=counted & submitted, minlength=n_enrol) > 0
    grade = np.where(items > 0, 100.0 * total / np.maximum(items, 1), np.nan)
    plan.course_grade = np.where(any_grade, np.round(grade, 2), np.nan)

    # First access: a course visit at the start of the first engaged week.
    engaged = plan.engagement > 0
    first_week = np.where(engaged.any(axis=1), engaged.argmax(axis=1), -1)
    first = (plan.course_start[course] + np.maximum(first_week, 0) * WEEK
             + rng.integers(3600, 2 * DAY, n_enrol))  # fmt: skip
    first = np.maximum(first, plan.enrol_start + 60)
    started = (first_week >= 0) & (first < plan.now)
    plan.course_started = np.where(started, first, -1)
    events.add(
        user=plan.enrol_user[started],
        course=course[started],
        act=-1,
        event=ev.COURSE_VIEWED,
        time=first[started],
    )

    # Course completion (finished courses): a passing grade and most tracked
    # activities completed; the time is the last of those completions.
    tracked = np.bincount(
        enrol, weights=plan.act_completion[act] > 0, minlength=n_enrol
    )
    done = np.bincount(enrol, weights=completed, minlength=n_enrol)
    last = np.zeros(n_enrol, dtype=np.int64)
    np.maximum.at(last, enrol[completed], when[completed])
    passes = (
        np.nan_to_num(plan.course_grade, nan=-1) >= plan.course_grade_to_pass[course]
    )
    finished = plan.course_status[course] == FINISHED
    complete = (
        finished & plan.course_completion[course] & passes
        & (done >= 0.6 * np.maximum(tracked, 1))
    )  # fmt: skip
    plan.course_completed = np.where(
        complete, np.minimum(last, plan.course_end[course]), -1
    )


def _teaching_events(plan, rng, events) -> None:
    """Teachers create every activity before the course starts."""
    acts = np.arange(len(plan.act_course))
    course = plan.act_course
    events.add(
        user=plan.course_teacher[course],
        course=course,
        act=acts,
        event=ev.event(r"\core\event\course_module_created"),
        time=plan.act_added,
    )


def _background_cells(plan: SitePlan) -> None:
    """Expected share of everyday activity per (enrolment, week) and (course, week).

    A cell's weight is the engagement times the part of the week that is inside
    the course, before the reference time and inside the enrolment.
    """
    w_max = plan.engagement.shape[1]
    week = np.arange(w_max)[None, :]
    start = plan.course_start[plan.enrol_course][:, None] + week * WEEK
    end = start + WEEK
    hi = np.minimum(end, plan.now)
    hi = np.minimum(hi, plan.course_end[plan.enrol_course][:, None])
    enrol_end = np.where(plan.enrol_end < 0, np.iinfo(np.int64).max, plan.enrol_end)
    hi = np.minimum(hi, enrol_end[:, None])
    lo = np.maximum(start, plan.enrol_start[:, None])
    seconds = np.clip(hi - lo, 0, None)
    plan.student_cells = plan.engagement * seconds / WEEK
    c_start = plan.course_start[:, None] + week * WEEK
    c_hi = np.minimum(np.minimum(c_start + WEEK, plan.now), plan.course_end[:, None])
    c_seconds = np.clip(c_hi - c_start, 0, None).astype(np.float64)
    c_seconds[plan.course_teacher_absent] = 0
    plan.teacher_cells = c_seconds / WEEK
