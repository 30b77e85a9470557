"""The simulated site, computed in memory with numpy before anything is written.

Everything here is a pure function of the SiteConfig: the same seed and reference
time give the same site. Rows refer to each other by position ("local indexes");
the writer maps positions to database ids.

Students have a latent engagement per week (`engagement[e, w]` for enrolment e in
week w of its course) that drifts as a random walk whose trend depends on the
student's archetype: some never start, some fade and drop out (engagement zero from
their dropout week on, always before the last quarter of the course), most are
steady, some finish strong. Submissions, grades, activity and course completion
and the amount of logged activity all follow that engagement, which is what the
analytics models are meant to learn back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lms.generator import events as ev
from lms.generator.config import SiteConfig

DAY = 86_400
WEEK = 7 * DAY

NEVER_START, DROPOUT, STEADY, STRONG = 0, 1, 2, 3
ARCHETYPE_NAMES = ("never_start", "dropout", "steady", "strong")
FINISHED, RUNNING, NOT_STARTED = 0, 1, 2

_FACULTIES = [
    "Science", "Humanities", "Engineering", "Business", "Health Sciences",
    "Arts", "Education", "Law",
]  # fmt: skip
_LEVELS = ["Undergraduate", "Postgraduate", "Continuing education"]
_SUBJECTS = [
    ("BIO", "Biology"), ("CHEM", "Chemistry"), ("PHYS", "Physics"),
    ("MATH", "Mathematics"), ("HIST", "History"), ("PHIL", "Philosophy"),
    ("ENG", "English Literature"), ("CS", "Computer Science"), ("ECON", "Economics"),
    ("PSY", "Psychology"), ("STAT", "Statistics"), ("ART", "Art History"),
    ("LAW", "Contract Law"), ("MED", "Anatomy"), ("EDU", "Pedagogy"),
    ("MGT", "Management"), ("SOC", "Sociology"), ("GEO", "Geography"),
]  # fmt: skip
_COURSE_LEVELS = ["Introduction to", "Foundations of", "Topics in", "Advanced"]
_FIRST = [
    "Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines",
    "Jamal", "Kira", "Luis", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa",
    "Sami", "Tara", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe",
]  # fmt: skip
_LAST = [
    "Adams", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad",
    "Ito", "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov",
    "Rossi", "Silva", "Tanaka", "Urban", "Varga", "Weber", "Yilmaz", "Zhang",
]  # fmt: skip
_CITIES = [
    ("Barcelona", "ES"), ("Lyon", "FR"), ("Perth", "AU"), ("Toronto", "CA"),
    ("Muscat", "OM"), ("Leeds", "GB"), ("Porto", "PT"), ("Austin", "US"),
]  # fmt: skip

# Module types a course gets, with their weights.
_TYPE_WEIGHTS = {
    "resource": 0.18, "page": 0.09, "url": 0.07, "forum": 0.07, "assign": 0.15,
    "quiz": 0.14, "folder": 0.03, "book": 0.03, "lesson": 0.03, "choice": 0.03,
    "feedback": 0.03, "glossary": 0.02, "wiki": 0.02, "workshop": 0.02,
    "scorm": 0.02, "data": 0.01, "lti": 0.02,
}  # fmt: skip
GRADE_MAX = {
    "assign": 100.0,
    "quiz": 10.0,
    "lesson": 100.0,
    "workshop": 80.0,
    "scorm": 100.0,
}
# Graded by a teacher (events by the teacher) rather than automatically.
_TEACHER_GRADED = {"assign", "workshop"}
DUE_TYPES = {
    "assign",
    "quiz",
    "lesson",
    "workshop",
    "choice",
    "feedback",
    "data",
    "scorm",
}


@dataclass
class SitePlan:
    """Arrays describing the whole site; see the module docstring."""

    config: SiteConfig
    now: int
    # categories
    category_name: list[str] = field(default_factory=list)
    category_parent: list[int] = field(default_factory=list)
    # courses
    course_category: np.ndarray = None
    course_shortname: list[str] = field(default_factory=list)
    course_fullname: list[str] = field(default_factory=list)
    course_start: np.ndarray = None
    course_end: np.ndarray = None
    course_weeks: np.ndarray = None
    course_status: np.ndarray = None
    course_visible: np.ndarray = None
    course_completion: np.ndarray = None
    course_grade_to_pass: np.ndarray = None
    course_teacher_absent: np.ndarray = None
    # activities, sorted by course then section
    act_course: np.ndarray = None
    act_type: np.ndarray = None  # index into ev.MODULE_TYPES
    act_name: list[str] = field(default_factory=list)
    act_section: np.ndarray = None
    act_due: np.ndarray = None  # -1: none
    act_completion: np.ndarray = None
    act_grade_max: np.ndarray = None  # NaN: not graded
    act_added: np.ndarray = None
    course_act_start: np.ndarray = None  # first activity of each course
    # users: managers, then teachers, then students
    user_username: list[str] = field(default_factory=list)
    user_first: list[str] = field(default_factory=list)
    user_last: list[str] = field(default_factory=list)
    user_description: np.ndarray = None
    user_picture: np.ndarray = None
    user_city: np.ndarray = None
    user_ability: np.ndarray = None
    n_teachers: int = 0
    first_student: int = 0
    # teaching: one editing teacher per course, sometimes a non-editing one
    course_teacher: np.ndarray = None
    course_assistant: np.ndarray = None  # -1: none
    # student enrolments, sorted by course
    enrol_user: np.ndarray = None
    enrol_course: np.ndarray = None
    enrol_start: np.ndarray = None
    enrol_end: np.ndarray = None  # -1: open
    enrol_suspended: np.ndarray = None
    enrol_archetype: np.ndarray = None
    enrol_dropout_week: np.ndarray = None  # -1: does not drop out
    engagement: np.ndarray = None  # enrolments x weeks
    # per (enrolment, activity) outcomes
    grade_enrol: np.ndarray = None
    grade_act: np.ndarray = None
    grade_value: np.ndarray = None  # NaN: submitted, not graded yet
    grade_time: np.ndarray = None
    completion_enrol: np.ndarray = None
    completion_act: np.ndarray = None
    completion_state: np.ndarray = None
    completion_time: np.ndarray = None
    course_grade: np.ndarray = None  # per enrolment; NaN: no grade
    course_started: np.ndarray = None  # per enrolment; -1: never accessed
    course_completed: np.ndarray = None  # per enrolment; -1: not completed
    # events that outcomes imply (submissions, completions, gradings, ...)
    injected: dict[str, np.ndarray] = field(default_factory=dict)
    # background activity: expected share per (enrolment, week) and (course, week)
    student_cells: np.ndarray = None
    teacher_cells: np.ndarray = None


def _pick_names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    first = rng.integers(0, len(_FIRST), n)
    last = rng.integers(0, len(_LAST), n)
    return [_FIRST[i] for i in first], [_LAST[i] for i in last]


def _categories(plan: SitePlan, rng: np.random.Generator) -> np.ndarray:
    """Faculties with level subcategories; returns the leaf categories."""
    n_top = int(np.clip(round(np.sqrt(plan.config.courses) / 2), 1, len(_FACULTIES)))
    leaves = []
    for top in range(n_top):
        plan.category_name.append(_FACULTIES[top])
        plan.category_parent.append(-1)
        parent = len(plan.category_name) - 1
        for level in _LEVELS[: 2 + int(rng.integers(0, 2))]:
            plan.category_name.append(level)
            plan.category_parent.append(parent)
            leaves.append(len(plan.category_name) - 1)
    return np.array(leaves)


def _courses(plan: SitePlan, rng: np.random.Generator, leaves: np.ndarray) -> None:
    n = plan.config.courses
    plan.course_category = leaves[rng.integers(0, len(leaves), n)]
    status = rng.choice(3, size=n, p=[0.55, 0.35, 0.10])
    # Small sites still get one course of each kind.
    for kind in range(min(n, 3)):
        if not (status == kind).any():
            common = np.flatnonzero(status == np.bincount(status).argmax())
            status[rng.choice(common)] = kind
    weeks = rng.integers(8, 17, n)
    duration = weeks * WEEK
    midnight = plan.now - plan.now % DAY
    start = np.empty(n, dtype=np.int64)
    finished = status == FINISHED
    ended_days_ago = rng.integers(7, 400, n)
    start[finished] = (midnight - ended_days_ago * DAY - duration)[finished]
    running = status == RUNNING
    elapsed = (rng.uniform(0.15, 0.9, n) * weeks).astype(np.int64) * WEEK
    start[running] = (midnight - elapsed)[running]
    future = status == NOT_STARTED
    start[future] = (midnight + rng.integers(3, 60, n) * DAY)[future]
    plan.course_start = start
    plan.course_end = start + duration
    plan.course_weeks = weeks
    plan.course_status = status
    hidden = rng.random(n) < 0.04
    if n >= 5 and not hidden.any():
        hidden[rng.integers(0, n)] = True
    plan.course_visible = ~hidden
    plan.course_completion = rng.random(n) < 0.85
    plan.course_grade_to_pass = rng.choice([40.0, 50.0, 50.0, 60.0], size=n)
    plan.course_teacher_absent = running & (rng.random(n) < 0.06)
    width = len(str(n))
    for i in range(n):
        code, subject = _SUBJECTS[i % len(_SUBJECTS)]
        level = _COURSE_LEVELS[(i // len(_SUBJECTS)) % len(_COURSE_LEVELS)]
        plan.course_shortname.append(f"{code}{i + 1:0{width}d}")
        plan.course_fullname.append(f"{level} {subject} ({i + 1})")


def _activities(plan: SitePlan, rng: np.random.Generator) -> None:
    n = plan.config.courses
    types = list(_TYPE_WEIGHTS)
    weights = np.array([_TYPE_WEIGHTS[t] for t in types])
    weights /= weights.sum()
    type_code = np.array([ev.MODULE_TYPES.index(t) for t in types])
    forum, resource = ev.MODULE_TYPES.index("forum"), ev.MODULE_TYPES.index("resource")
    counts = rng.integers(6, 17, n)  # besides the announcements forum and the guide
    course, kind, section = [], [], []
    for c in range(n):
        k = int(counts[c])
        course += [c] * (k + 2)
        kind += [forum, resource] + list(
            type_code[rng.choice(len(types), k, p=weights)]
        )
        section += [0, 0] + sorted(
            rng.integers(1, plan.course_weeks[c] + 1, k).tolist()
        )
    plan.act_course = np.array(course)
    plan.act_type = np.array(kind)
    plan.act_section = np.array(section)
    starts = np.r_[0, np.cumsum(counts + 2)[:-1]]
    plan.course_act_start = starts
    names = []
    numbers: dict[tuple[int, int], int] = {}
    for i, (c, t, s) in enumerate(zip(course, kind, section, strict=True)):
        modname = ev.MODULE_TYPES[t]
        if i == starts[c]:
            names.append("Announcements")
        elif i == starts[c] + 1:
            names.append("Course guide")
        else:
            numbers[(c, t)] = numbers.get((c, t), 0) + 1
            names.append(f"{modname.capitalize()} {numbers[(c, t)]} (week {s})")
    plan.act_name = names
    modnames = np.array(ev.MODULE_TYPES)[plan.act_type]
    has_due = np.isin(modnames, list(DUE_TYPES)) & (plan.act_section > 0)
    # Due at the end of the activity's week, an hour before midnight.
    due = plan.course_start[plan.act_course] + plan.act_section * WEEK - 3600
    plan.act_due = np.where(has_due, due, -1)
    plan.act_grade_max = np.array([GRADE_MAX.get(m, np.nan) for m in modnames])
    tracked = plan.course_completion[plan.act_course] & (plan.act_section > 0)
    plan.act_completion = np.where(tracked, 2, 0)  # automatic when tracked
    plan.act_added = (
        plan.course_start[plan.act_course] - rng.integers(1, 21, len(course)) * DAY
    )


def _users(plan: SitePlan, rng: np.random.Generator) -> None:
    cfg = plan.config
    n_teachers = max(2, int(np.ceil(cfg.courses / 3)))
    total_enrolments = cfg.courses * cfg.students_per_course
    n_students = max(cfg.students_per_course, int(np.ceil(total_enrolments / 1.6)))
    plan.n_teachers = n_teachers
    plan.first_student = 2 + n_teachers
    usernames = ["manager", "categorymanager"]
    usernames += [f"teacher{i + 1:0{len(str(n_teachers))}d}" for i in range(n_teachers)]
    usernames += [f"student{i + 1:0{len(str(n_students))}d}" for i in range(n_students)]
    plan.user_username = usernames
    plan.user_first, plan.user_last = _pick_names(rng, len(usernames))
    n = len(usernames)
    plan.user_description = rng.random(n) < 0.55
    plan.user_picture = rng.random(n) < 0.45
    plan.user_city = rng.integers(0, len(_CITIES), n)
    plan.user_ability = rng.normal(0, 1, n)
    teachers = 2 + np.arange(n_teachers)
    plan.course_teacher = teachers[np.arange(cfg.courses) % n_teachers]
    assistant = teachers[rng.integers(0, n_teachers, cfg.courses)]
    has_assistant = (rng.random(cfg.courses) < 0.5) & (assistant != plan.course_teacher)
    plan.course_assistant = np.where(has_assistant, assistant, -1)


def _enrolments(plan: SitePlan, rng: np.random.Generator) -> None:
    cfg = plan.config
    n_students = len(plan.user_username) - plan.first_student
    total = cfg.courses * cfg.students_per_course
    share = rng.uniform(0.6, 1.4, cfg.courses)
    sizes = np.floor(total * share / share.sum()).astype(np.int64)
    sizes[: total - sizes.sum()] += 1
    sizes = np.clip(sizes, 1, n_students)
    users, courses = [], []
    for c in range(cfg.courses):
        users.append(
            plan.first_student + rng.choice(n_students, int(sizes[c]), replace=False)
        )
        courses.append(np.full(int(sizes[c]), c))
    plan.enrol_user = np.concatenate(users)
    plan.enrol_course = np.concatenate(courses)
    e = len(plan.enrol_user)
    start = plan.course_start[plan.enrol_course]
    late = rng.random(e) < 0.1
    plan.enrol_start = np.where(
        late, start + rng.integers(1, 12, e) * DAY, start - rng.integers(1, 15, e) * DAY
    )
    # Archetypes lean on the student's ability, which is shared across courses.
    ability = plan.user_ability[plan.enrol_user]
    base = np.array([0.06, 0.18, 0.51, 0.25])
    tilt = np.array([-0.8, -0.8, 0.0, 0.8])
    weights = base[None, :] * np.exp(tilt[None, :] * ability[:, None])
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    plan.enrol_archetype = (rng.random(e)[:, None] > cumulative).sum(axis=1)


def _engagement(plan: SitePlan, rng: np.random.Generator) -> None:
    weeks = plan.course_weeks[plan.enrol_course]
    e, w_max = len(weeks), int(plan.course_weeks.max())
    arch = plan.enrol_archetype
    level0 = np.array([0.0, -0.1, 0.0, 0.35])[arch] + rng.normal(0, 0.3, e)
    trend = np.array([0.0, -0.12, 0.0, 0.06])[arch]
    steps = rng.normal(0, 0.18, (e, w_max)) + trend[:, None]
    steps[:, 0] = 0
    walk = level0[:, None] + np.cumsum(steps, axis=1)
    engagement = np.exp(walk)
    week = np.arange(w_max)[None, :]
    engagement[week >= weeks[:, None]] = 0
    engagement[arch == NEVER_START] = 0
    dropout = arch == DROPOUT
    # Dropouts stop between 15% and 70% of the course: the last quarter is silent.
    plan.enrol_dropout_week = np.where(
        dropout, np.floor(rng.uniform(0.15, 0.7, e) * weeks).astype(np.int64), -1
    )
    engagement[dropout[:, None] & (week >= plan.enrol_dropout_week[:, None])] = 0
    # Late enrolments are silent before they arrive.
    first_week = (plan.enrol_start - plan.course_start[plan.enrol_course]) // WEEK
    engagement[week < first_week[:, None]] = 0
    plan.engagement = engagement
    # Half of the dropouts have their enrolment ended a few weeks later; some of
    # those are suspended.
    stop = plan.course_start[plan.enrol_course] + (plan.enrol_dropout_week + 2) * WEEK
    ends = dropout & (rng.random(e) < 0.5)
    plan.enrol_end = np.where(ends, stop, -1)
    plan.enrol_suspended = ends & (rng.random(e) < 0.3)


def _active_at(plan: SitePlan, enrol: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Whether each enrolment is engaged in the week that contains each time."""
    week = (times - plan.course_start[plan.enrol_course[enrol]]) // WEEK
    week = np.clip(week, 0, plan.engagement.shape[1] - 1)
    return (plan.engagement[enrol, week] > 0) & (times < plan.now)


def plan_build(config: SiteConfig, now: int) -> SitePlan:
    """The whole simulated site for `config`, with `now` as the reference time."""
    rng = np.random.default_rng([config.seed, 1])
    plan = SitePlan(config=config, now=now)
    leaves = _categories(plan, rng)
    _courses(plan, rng, leaves)
    _activities(plan, rng)
    _users(plan, rng)
    _enrolments(plan, rng)
    _engagement(plan, rng)
    from lms.generator.outcomes import outcomes_build

    outcomes_build(plan, rng)
    return plan
