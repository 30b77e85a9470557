"""The samples of a chunk of analysables, loaded in a few queries for the whole chunk.

- "enrolment" (Moodle's student_enrolments analyser): the enrolments, suspended
  ones included, of users holding a student-archetype role in the course context or
  a parent context. The sample context is the course context.
- "course" (site_courses): every course; the sample context is the system context,
  where the site-level insight goes.
- "user" (users): the analysable user is the sample; its context is the user's.
"""

from __future__ import annotations

import numpy as np

from access.models import Context, ContextLevel
from lms.models import Course, Enrolment
from models_app.analysis.data import AnalysisData, Samples, UnixTime

NAN = float("nan")


def _enrolment_samples(data: AnalysisData) -> Samples:
    course_ids = [a.id for a in data.analysables.values()]
    students = data.role_holders(("student",))
    contexts = dict(
        Context.objects.filter(
            contextlevel=ContextLevel.COURSE, instanceid__in=course_ids
        ).values_list("instanceid", "id")
    )
    rows = [
        r
        for r in Enrolment.objects.filter(course_id__in=course_ids)
        .order_by("course_id", "id")
        .annotate(
            start=UnixTime("timestart"),
            end=UnixTime("timeend"),
            created=UnixTime("timecreated"),
        )
        .values_list("id", "user_id", "course_id", "start", "end", "created")
        if r[1] in students.get(r[2], ())
    ]
    if not rows:
        return Samples.empty("user_enrolments")
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    courses = np.array([r[2] for r in rows], dtype=np.int64)
    starts = [r[3] or r[5] for r in rows]
    return Samples(
        origin="user_enrolments",
        ids=ids,
        analysable=courses,
        user=np.array([r[1] for r in rows], dtype=np.int64),
        course=courses,
        context=np.array(
            [contexts.get(c, 0) for c in courses.tolist()], dtype=np.int64
        ),
        enrol_start=np.array([NAN if s is None else s for s in starts], dtype=float),
        enrol_end=np.array([NAN if r[4] is None else r[4] for r in rows], dtype=float),
    )


def _course_samples(data: AnalysisData) -> Samples:
    system = Context.objects.filter(contextlevel=ContextLevel.SYSTEM).first()
    site_ids = list(data.analysables)
    ids = np.array(sorted(Course.objects.values_list("id", flat=True)), dtype=np.int64)
    n = len(ids)
    return Samples(
        origin="course",
        ids=ids,
        analysable=np.full(n, site_ids[0] if site_ids else 0, dtype=np.int64),
        user=np.zeros(n, dtype=np.int64),
        course=ids,
        context=np.full(n, system.id if system else 0, dtype=np.int64),
        enrol_start=np.full(n, NAN),
        enrol_end=np.full(n, NAN),
    )


def _user_samples(data: AnalysisData) -> Samples:
    analysables = sorted(data.analysables.values(), key=lambda a: a.id)
    ids = np.array([a.id for a in analysables], dtype=np.int64)
    n = len(ids)
    return Samples(
        origin="user",
        ids=ids,
        analysable=ids,
        user=ids,
        course=np.zeros(n, dtype=np.int64),
        context=np.array([a.context_id or 0 for a in analysables], dtype=np.int64),
        enrol_start=np.full(n, NAN),
        enrol_end=np.full(n, NAN),
    )


LOADERS = {
    "enrolment": _enrolment_samples,
    "course": _course_samples,
    "user": _user_samples,
}


def samples_load(*, kind: str, data: AnalysisData) -> Samples:
    """All samples of the chunk's analysables (validity is the target's business)."""
    return LOADERS[kind](data)
