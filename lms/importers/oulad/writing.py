"""Writing OULAD presentations as courses (the mapping is in the package docstring)."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from access.models import Context, ContextLevel
from access.services import contexts_bulk_ensure
from lms.importers.errors import file_error
from lms.importers.oulad.reading import (
    Presentation,
    presentation_details_read,
    presentations_read,
)
from lms.importers.people import students_enrol, users_ensure_by_id
from lms.models import (
    Activity,
    ActivityGrade,
    Category,
    Course,
    CourseCompletion,
    CourseGrade,
)
from logstore.models import Crud, EduLevel, StandardLogEntry
from logstore.services import NULL_ID, EventType, LogBatch, standard_log_write
from logstore.services.rollup import bulk_write_finished

CATEGORY_NAME = "Open University (OULAD)"
USERNAME_PREFIX = "oulad"
DAY = 86400
PASS_MARK = 40
DISTINCTION_MARK = 70
# OU VLE activity types → Moodle module types.
VLE_TYPES = {
    "resource": "resource",
    "oucontent": "page",
    "url": "url",
    "forumng": "forum",
    "quiz": "quiz",
    "externalquiz": "quiz",
    "subpage": "page",
    "sharedsubpage": "page",
    "page": "page",
    "htmlactivity": "page",
    "dualpane": "page",
    "repeatactivity": "page",
    "glossary": "glossary",
    "dataplus": "data",
    "oucollaborate": "lti",
    "ouelluminate": "lti",
    "ouwiki": "wiki",
    "questionnaire": "feedback",
    "folder": "folder",
}
ASSESSMENT_TYPES = {"TMA": "assign", "CMA": "quiz", "Exam": "quiz"}
FALLBACK_TYPE = "resource"
# The module's home page is the course page, not an activity: its clicks are
# course views in the course context, which Moodle's course-level indicators read.
COURSE_PAGE_TYPES = {"homepage"}


@dataclass
class PresentationResult:
    key: str
    skipped: bool = False
    students: int = 0
    withdrawn: int = 0
    activities: int = 0
    events: int = 0
    grades: int = 0
    completions: int = 0
    course_grades: int = 0
    seconds: float = 0.0
    # studentVle has no row for the presentation (a cut or wrong file, usually).
    no_clicks_in_file: bool = False


@dataclass
class OuladImportResult:
    presentations: list[PresentationResult] = field(default_factory=list)
    seconds: float = 0.0


def presentation_start_default(presentation: str) -> dt.datetime:
    """1 October (J) or 1 February (B) of the presentation's year, midnight UTC."""
    year, letter = int(presentation[:4]), presentation[4:].upper()
    month = 2 if letter == "B" else 10
    return dt.datetime(year, month, 1, tzinfo=dt.UTC)


def oulad_import(
    *,
    directory: Path,
    presentations: list[str] | None = None,
    start_date: dt.date | None = None,
    if_empty: bool = False,
) -> OuladImportResult:
    """Import the presentations (all in courses.csv by default) in one transaction.

    A presentation whose course exists is skipped when `if_empty`, else refused.
    """
    started = time.monotonic()
    directory = Path(directory)
    if not directory.is_dir():
        raise file_error(directory, _("not a directory holding the OULAD CSV files."))
    result = OuladImportResult()
    found = presentations_read(directory, presentations)
    existing = set(
        Course.objects.filter(
            shortname__in=[p.key for p in found.values()]
        ).values_list("shortname", flat=True)
    )
    if existing and not if_empty:
        raise file_error(
            directory,
            _(
                "the course %(courses)s exists already; delete it first, or pass --if-empty to skip it."
            )
            % {"courses": ", ".join(sorted(existing))},
        )
    # Only what will be imported is read: a demo restart skips in a blink.
    presentation_details_read(
        directory, {k: p for k, p in found.items() if p.key not in existing}
    )
    with transaction.atomic():
        for p in found.values():
            if p.key in existing:
                result.presentations.append(PresentationResult(key=p.key, skipped=True))
                continue
            start = (
                dt.datetime.combine(start_date, dt.time(), tzinfo=dt.UTC)
                if start_date
                else presentation_start_default(p.code)
            )
            result.presentations.append(_presentation_write(p, start))
        bulk_write_finished(models_=[StandardLogEntry])
    result.seconds = time.monotonic() - started
    return result


def _presentation_write(p: Presentation, start: dt.datetime) -> PresentationResult:
    began = time.monotonic()
    result = PresentationResult(key=p.key)
    category = Category.objects.filter(
        name=CATEGORY_NAME
    ).first() or Category.objects.create(name=CATEGORY_NAME, idnumber="oulad")
    end = start + dt.timedelta(days=p.length)
    course = Course.objects.create(
        category=category,
        shortname=p.key,
        fullname=f"OULAD {p.module} {p.code}",
        idnumber=p.key,
        summary=_(
            "Module %(module)s, presentation %(code)s of the Open University Learning Analytics Dataset."
        )
        % {"module": p.module, "code": p.code},
        startdate=start,
        enddate=end,
        enablecompletion=True,
        grade_max=100,
        grade_to_pass=PASS_MARK,
    )
    contexts_bulk_ensure(categories=[category], courses=[course])

    def day(offset: int | None, default: dt.datetime) -> dt.datetime:
        return default if offset is None else start + dt.timedelta(days=offset)

    # Activities: VLE sites, then assessments.
    click_weeks = site_click_weeks(p)
    sites = [
        Activity(
            course=course,
            modname=VLE_TYPES.get(kind, FALLBACK_TYPE),
            name=f"{kind} {site}",
            idnumber=f"vle:{site}",
            section=_site_section(week, click_weeks.get(site)),
            added=start,
        )
        for site, kind, week in p.sites
        if kind not in COURSE_PAGE_TYPES
    ]
    course_pages = {site for site, kind, _week in p.sites if kind in COURSE_PAGE_TYPES}
    assessments = [
        Activity(
            course=course,
            modname=ASSESSMENT_TYPES.get(kind, "assign"),
            name=f"{kind} {ident}",
            idnumber=f"assessment:{ident}",
            section=max(due // 7 + 1, 1) if due is not None else max(p.length // 7, 1),
            duedate=day(due, end),
            grade_max=100,
            added=start,
        )
        for ident, kind, due, _weight in p.assessments
    ]
    Activity.objects.bulk_create(sites + assessments, batch_size=2000)
    if (sites + assessments) and (sites + assessments)[0].pk is None:
        by_idnumber = dict(
            Activity.objects.filter(course=course).values_list("idnumber", "pk")
        )
        for activity in sites + assessments:
            activity.pk = by_idnumber[activity.idnumber]
    contexts_bulk_ensure(activities=sites + assessments)
    result.activities = len(sites) + len(assessments)

    # People and enrolments.
    users, _created = users_ensure_by_id(
        ids=sorted(p.students), prefix=USERNAME_PREFIX, first_name="Student"
    )
    timestarts, timeends = {}, {}
    for student, facts in p.students.items():
        user = users[student]
        begins = day(facts.get("registered"), start)
        timestarts[user.pk] = begins
        if facts.get("unregistered") is not None:
            timeends[user.pk] = max(day(facts["unregistered"], end), begins)
    students_enrol(
        course=course, users=users.values(), timestarts=timestarts, timeends=timeends
    )
    result.students = len(p.students)
    result.withdrawn = len(timeends)

    result.events = _clicks_write(p, course, start, users, sites, course_pages)
    result.no_clicks_in_file = not p.clicks[0]

    # Grades, completions and final grades.
    assessment_by_id = {int(a.idnumber.split(":")[1]): a for a in assessments}
    weights = {ident: weight for ident, _kind, _due, weight in p.assessments}
    scored: dict[int, list[tuple[float, float]]] = defaultdict(list)
    grades = []
    for ident, student, submitted, score in p.submissions:
        grades.append(
            ActivityGrade(
                user=users[student],
                activity=assessment_by_id[ident],
                grade=None if score is None else Decimal(str(score)),
                timesubmitted=day(submitted, start) if submitted is not None else None,
            )
        )
        if score is not None:
            scored[student].append((weights.get(ident, 0.0), score))
    ActivityGrade.objects.bulk_create(grades, batch_size=2000, ignore_conflicts=True)
    result.grades = len(grades)
    completions, finals = [], []
    for student, facts in p.students.items():
        user = users[student]
        outcome = facts["result"]
        completions.append(
            CourseCompletion(
                user=user,
                course=course,
                timeenrolled=timestarts[user.pk],
                timestarted=timestarts[user.pk],
                timecompleted=end if outcome in ("Pass", "Distinction") else None,
            )
        )
        grade = final_grade(outcome, scored.get(student, []))
        if grade is not None:
            finals.append(
                CourseGrade(
                    user=user, course=course, finalgrade=grade, timemodified=end
                )
            )
    CourseCompletion.objects.bulk_create(completions, batch_size=2000)
    CourseGrade.objects.bulk_create(finals, batch_size=2000)
    result.completions = sum(1 for c in completions if c.timecompleted)
    result.course_grades = len(finals)
    result.seconds = time.monotonic() - began
    return result


def final_grade(outcome: str, scores: list[tuple[float, float]]) -> Decimal | None:
    """The course grade that agrees with `outcome` (see the module docstring)."""
    bands = {
        "Distinction": (DISTINCTION_MARK, 100),
        "Pass": (PASS_MARK, 100),
        "Fail": (0, PASS_MARK - 0.01),
    }
    if outcome not in bands:
        return None
    low, high = bands[outcome]
    total_weight = sum(weight for weight, _score in scores)
    if total_weight > 0:
        mean = sum(weight * score for weight, score in scores) / total_weight
    elif scores:
        mean = sum(score for _weight, score in scores) / len(scores)
    else:
        mean = low
    return Decimal(str(round(min(max(mean, low), high), 2)))


def site_click_weeks(p: Presentation) -> dict[int, int]:
    """Per VLE site, the course week (1 = days 0-6) of its click-weighted median
    day: when students used it, which is where a course would have put it. Days
    before the start count in week 1."""
    _student, site, date, clicks = (
        np.asarray(column, dtype=np.int64) for column in p.clicks
    )
    keep = clicks > 0
    site, date, clicks = site[keep], date[keep], clicks[keep]
    if not len(site):
        return {}
    order = np.lexsort((date, site))
    site, date, clicks = site[order], date[order], clicks[order]
    starts = np.flatnonzero(np.r_[True, site[1:] != site[:-1]])
    ends = np.r_[starts[1:], len(site)]
    running = np.cumsum(clicks)
    before = np.r_[0, running[:-1]][starts]
    weeks = {}
    for first, last, offset in zip(starts, ends, before, strict=True):
        half = (running[last - 1] - offset) / 2
        median = first + int(np.searchsorted(running[first:last] - offset, half))
        weeks[int(site[first])] = max(int(date[min(median, last - 1)]) // 7 + 1, 1)
    return weeks


def _site_section(week_from: int | None, click_week: int | None) -> int:
    """The section of a VLE site: the week of its `week_from` when the release gives
    one (most sites have none), else the week of its median click, else week 1 (a site nobody
    clicked), never section 0, so that every activity keeps its timing (Moodle's
    own OULAD loader placed sites the same way)."""
    if week_from is not None:
        return max(week_from, 0) + 1  # week_from counts from 0, sections from 1
    return click_week if click_week is not None else 1


def _clicks_write(
    p: Presentation,
    course: Course,
    start: dt.datetime,
    users: dict,
    sites: list[Activity],
    course_pages: set[int],
) -> int:
    """One view event per click, written columnar (see the package docstring)."""
    student, site, date, clicks = (
        np.asarray(column, dtype=np.int64) for column in p.clicks
    )
    if not len(student):
        return 0
    # Rows repeat (student, site, day) in the release: add them up first.
    keys = np.stack([student, site, date], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    totals = np.bincount(
        inverse.reshape(-1), weights=clicks, minlength=len(unique)
    ).astype(np.int64)
    keep = totals > 0
    unique, totals = unique[keep], totals[keep]
    site_by_id = {int(a.idnumber.split(":")[1]): a for a in sites}
    known_sites = np.array(
        [s in site_by_id or s in course_pages for s in unique[:, 1].tolist()],
        dtype=bool,
    )
    known_users = np.array([s in users for s in unique[:, 0].tolist()], dtype=bool)
    keep = known_sites & known_users
    unique, totals = unique[keep], totals[keep]
    if not len(unique):
        return 0

    activity_ids = sorted(a.pk for a in sites)
    contexts = dict(
        Context.objects.filter(
            contextlevel=ContextLevel.MODULE, instanceid__in=activity_ids
        ).values_list("instanceid", "pk")
    )
    course_context = Context.objects.get(
        contextlevel=ContextLevel.COURSE, instanceid=course.pk
    ).pk
    modnames = sorted({a.modname for a in sites})
    events = [
        EventType(
            eventname=f"\\mod_{modname}\\event\\course_module_viewed",
            component=f"mod_{modname}",
            crud=Crud.READ,
            edulevel=int(EduLevel.PARTICIPATING),
            objecttable=modname,
        )
        for modname in modnames
    ]
    events.append(
        EventType(
            eventname="\\core\\event\\course_viewed",
            component="core",
            crud=Crud.READ,
            edulevel=int(EduLevel.PARTICIPATING),
        )
    )
    # Per site: (activity or course id, context, context level, event, object id).
    site_ids, site_index = np.unique(unique[:, 1], return_inverse=True)
    per_site = []
    for site_id in site_ids.tolist():
        activity = site_by_id.get(site_id)
        if activity is None:
            per_site.append(
                (
                    course.pk,
                    course_context,
                    ContextLevel.COURSE,
                    len(events) - 1,
                    NULL_ID,
                )
            )
        else:
            per_site.append(
                (
                    activity.pk,
                    contexts[activity.pk],
                    ContextLevel.MODULE,
                    modnames.index(activity.modname),
                    activity.pk,
                )
            )
    site_instance, site_context, site_level, site_event, site_object = (
        np.array(column, dtype=np.int64) for column in zip(*per_site, strict=True)
    )
    student_ids, student_index = np.unique(unique[:, 0], return_inverse=True)
    student_user = np.array([users[int(s)].pk for s in student_ids], dtype=np.int64)

    n = int(totals.sum())
    group = np.repeat(np.arange(len(unique)), totals)
    offsets = np.cumsum(totals) - totals
    k = np.arange(n, dtype=np.int64) - offsets[group]
    day_start = int(start.timestamp()) + unique[:, 2] * DAY
    timecreated = day_start[group] + ((2 * k + 1) * DAY) // (2 * totals[group])
    userid = student_user[student_index.reshape(-1)[group]]
    # Written in time order: the log's indexes all start with or end in the time,
    # so their B-trees grow at one end instead of being split all over.
    order = np.lexsort((userid, timecreated))
    site_rows = site_index.reshape(-1)[group][order]
    batch = LogBatch(
        events=events,
        event=site_event[site_rows],
        userid=userid[order],
        courseid=np.full(n, course.pk, dtype=np.int64),
        contextid=site_context[site_rows],
        contextlevel=site_level[site_rows],
        contextinstanceid=site_instance[site_rows],
        timecreated=timecreated[order],
        objectid=site_object[site_rows],
        relateduserid=np.full(n, NULL_ID, dtype=np.int64),
    )
    return standard_log_write(batch=batch)
