"""Writes a SitePlan's site (everything but the log) in bulk, and undoes it on failure.

Rows go in with `bulk_create` (no signals), so contexts are created afterwards with
`access.services.contexts_bulk_ensure`, and role assignments are bulk-created after a
single check that each role may be assigned at the level used (Moodle's
role_context_levels), which is the check `RoleAssignment.clean()` makes per row.
Large child tables go through COPY on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from access.models import Context, ContextLevel, Role, RoleAssignment, RoleContextLevel
from access.services import context_system, contexts_bulk_ensure
from lms.generator import events as ev
from lms.generator.plan import _CITIES, SitePlan
from lms.models import (
    Activity,
    ActivityCompletion,
    ActivityGrade,
    Category,
    Course,
    CourseCompletion,
    CourseGrade,
    Enrolment,
    UserProfile,
)
from logstore.models import LegacyLogEntry, StandardLogEntry
from logstore.services import log_delete_for, log_rows_write
from logstore.services.rollup import bulk_write_finished

_BATCH = 2000

#: The site tables a generation writes in bulk (ANALYZEd afterwards).
SITE_MODELS = (
    Category,
    Course,
    Activity,
    UserProfile,
    Enrolment,
    ActivityGrade,
    ActivityCompletion,
    CourseGrade,
    CourseCompletion,
)


@dataclass
class SiteIds:
    """Database ids of the plan's rows, indexed by the plan's local indexes."""

    category: np.ndarray
    course: np.ndarray
    activity: np.ndarray
    user: np.ndarray
    course_context: np.ndarray
    activity_context: np.ndarray
    category_context: np.ndarray
    system_context: int


def _when(seconds: Any) -> dt.datetime | None:
    if seconds is None or seconds < 0:
        return None
    return dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)


def _decimal(value: float) -> Decimal | None:
    return None if np.isnan(value) else Decimal(f"{value:.5f}")


def _rows_write(
    model: type[models.Model], fields: Sequence[str], rows: list[tuple]
) -> None:
    """Insert many rows: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        # COPY skips Django's defaults: add them for the columns not given.
        given = set(fields)
        extra = [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and f.attname not in given and f.name not in given
        ]
        defaults = tuple(f.get_default() for f in extra)
        log_rows_write(
            model=model,
            fields=[*fields, *(f.attname for f in extra)],
            rows=[(*row, *defaults) for row in rows],
        )
        return
    model.objects.bulk_create(
        (model(**dict(zip(fields, row, strict=True))) for row in rows),
        batch_size=_BATCH,
    )


def _roles() -> dict[str, Role]:
    wanted = {
        "manager": (ContextLevel.SYSTEM, ContextLevel.CATEGORY),
        "editingteacher": (ContextLevel.COURSE,),
        "teacher": (ContextLevel.COURSE,),
        "student": (ContextLevel.COURSE,),
    }
    roles = {}
    for shortname, levels in wanted.items():
        role = (
            Role.objects.filter(shortname=shortname).first()
            or Role.objects.filter(archetype=shortname).order_by("id").first()
        )
        if role is None:
            raise ValidationError(
                _("The default role %(role)s is missing; run `manage.py migrate`.")
                % {"role": shortname}
            )
        allowed = set(
            RoleContextLevel.objects.filter(role=role).values_list(
                "contextlevel", flat=True
            )
        )
        for level in levels:
            if level not in allowed:
                raise ValidationError(
                    _("The role %(role)s cannot be assigned in a %(level)s context.")
                    % {"role": role, "level": ContextLevel(level).label}
                )
        roles[shortname] = role
    return roles


def _context_ids(level: int, instance_ids: np.ndarray) -> np.ndarray:
    found: dict[int, int] = {}
    ids = instance_ids.tolist()
    for start in range(0, len(ids), 5000):
        found.update(
            Context.objects.filter(
                contextlevel=level, instanceid__in=ids[start : start + 5000]
            ).values_list("instanceid", "id")
        )
    return np.array([found[i] for i in ids], dtype=np.int64)


def site_conflicts(plan: SitePlan) -> list[str]:
    """Short names and usernames of the plan that already exist in the database."""
    conflicts = []
    names = plan.course_shortname
    for start in range(0, len(names), 5000):
        conflicts += list(
            Course.objects.filter(
                shortname__in=names[start : start + 5000]
            ).values_list("shortname", flat=True)
        )
    users = plan.user_username
    for start in range(0, len(users), 5000):
        conflicts += list(
            get_user_model()
            .objects.filter(username__in=users[start : start + 5000])
            .values_list("username", flat=True)
        )
    return conflicts


@transaction.atomic
def site_write(plan: SitePlan, *, progress: Callable[[str], None]) -> SiteIds:
    """Write categories, courses, people, enrolments, roles, grades and completion."""
    roles = _roles()
    timestamp = _when(plan.now)
    cats: list[Category] = []
    for i, name in enumerate(plan.category_name):
        cats.append(Category(name=name, sortorder=i, parent_id=None))
    tops = [
        c for c, parent in zip(cats, plan.category_parent, strict=True) if parent < 0
    ]
    Category.objects.bulk_create(tops)
    for cat, parent in zip(cats, plan.category_parent, strict=True):
        if parent >= 0:
            cat.parent_id = cats[parent].pk
    Category.objects.bulk_create([c for c in cats if c.pk is None])
    category_ids = np.array([c.pk for c in cats], dtype=np.int64)

    courses = [
        Course(
            category_id=int(category_ids[plan.course_category[i]]),
            shortname=plan.course_shortname[i],
            fullname=plan.course_fullname[i],
            startdate=_when(plan.course_start[i]),
            enddate=_when(plan.course_end[i]),
            visible=bool(plan.course_visible[i]),
            enablecompletion=bool(plan.course_completion[i]),
            grade_to_pass=Decimal(str(plan.course_grade_to_pass[i])),
            summary=_("A generated course (%(weeks)d weeks).")
            % {"weeks": plan.course_weeks[i]},
        )
        for i in range(plan.config.courses)
    ]
    Course.objects.bulk_create(courses, batch_size=_BATCH)
    course_ids = np.array([c.pk for c in courses], dtype=np.int64)

    activities = [
        Activity(
            course_id=int(course_ids[plan.act_course[i]]),
            modname=ev.MODULE_TYPES[plan.act_type[i]],
            name=plan.act_name[i],
            section=int(plan.act_section[i]),
            duedate=_when(plan.act_due[i]),
            completion=int(plan.act_completion[i]),
            grade_max=_decimal(plan.act_grade_max[i]),
            added=_when(plan.act_added[i]),
        )
        for i in range(len(plan.act_course))
    ]
    Activity.objects.bulk_create(activities, batch_size=_BATCH)
    activity_ids = np.array([a.pk for a in activities], dtype=np.int64)
    progress(f"  {len(courses):,} courses, {len(activities):,} activities")

    # One hash for every generated user: hashing is deliberately slow.
    password = make_password(None)
    user_model = get_user_model()
    users = [
        user_model(
            username=name,
            first_name=plan.user_first[i],
            last_name=plan.user_last[i],
            email=f"{name}@example.org",
            password=password,
            is_active=True,
            date_joined=timestamp,
        )
        for i, name in enumerate(plan.user_username)
    ]
    user_model.objects.bulk_create(users, batch_size=_BATCH)
    user_ids = np.array([u.pk for u in users], dtype=np.int64)
    profiles = [
        (
            int(user_ids[i]),
            "Hello! I study here." if plan.user_description[i] else "",
            bool(plan.user_picture[i]),
            _CITIES[plan.user_city[i]][0],
            _CITIES[plan.user_city[i]][1],
        )
        for i in range(len(users))
    ]
    _rows_write(
        UserProfile, ["user_id", "description", "picture", "city", "country"], profiles
    )
    progress(f"  {len(users):,} users")

    contexts_bulk_ensure(
        categories=cats, courses=courses, activities=activities, users=users
    )
    ids = SiteIds(
        category=category_ids,
        course=course_ids,
        activity=activity_ids,
        user=user_ids,
        course_context=_context_ids(ContextLevel.COURSE, course_ids),
        activity_context=_context_ids(ContextLevel.MODULE, activity_ids),
        category_context=_context_ids(ContextLevel.CATEGORY, category_ids),
        system_context=context_system().pk,
    )
    _people_write(plan, ids, roles, timestamp)
    progress(f"  {len(plan.enrol_user):,} student enrolments")
    _outcomes_write(plan, ids)
    progress(
        f"  {len(plan.grade_enrol):,} activity grades, "
        f"{len(plan.completion_enrol):,} activity completions"
    )
    return ids


def _people_write(
    plan: SitePlan, ids: SiteIds, roles: dict[str, Role], timestamp
) -> None:
    enrolments = [
        (
            int(ids.user[plan.enrol_user[e]]),
            int(ids.course[plan.enrol_course[e]]),
            int(plan.enrol_suspended[e]),
            _when(plan.enrol_start[e]),
            _when(plan.enrol_end[e]),
            _when(plan.enrol_start[e]),
        )
        for e in range(len(plan.enrol_user))
    ]
    assignments = [
        (roles["student"].pk, int(ids.course_context[plan.enrol_course[e]]),
         int(ids.user[plan.enrol_user[e]]), timestamp)
        for e in range(len(plan.enrol_user))
    ]  # fmt: skip
    for c in range(plan.config.courses):
        staff = [(plan.course_teacher[c], "editingteacher")]
        if plan.course_assistant[c] >= 0:
            staff.append((plan.course_assistant[c], "teacher"))
        start = _when(plan.course_start[c] - 30 * 86400)
        for user, role in staff:
            user_id = int(ids.user[user])
            enrolments.append((user_id, int(ids.course[c]), 0, start, None, start))
            assignments.append(
                (roles[role].pk, int(ids.course_context[c]), user_id, timestamp)
            )
    # A site manager, and a manager of the first faculty.
    assignments.append(
        (roles["manager"].pk, ids.system_context, int(ids.user[0]), timestamp)
    )
    assignments.append(
        (roles["manager"].pk, int(ids.category_context[0]), int(ids.user[1]), timestamp)
    )
    _rows_write(
        Enrolment,
        ["user_id", "course_id", "status", "timestart", "timeend", "timecreated"],
        enrolments,
    )
    _rows_write(
        RoleAssignment,
        ["role_id", "context_id", "user_id", "timemodified"],
        assignments,
    )


def _outcomes_write(plan: SitePlan, ids: SiteIds) -> None:
    user_of = ids.user[plan.enrol_user]
    _rows_write(
        ActivityGrade,
        ["user_id", "activity_id", "grade", "timesubmitted"],
        [
            (int(u), int(a), _decimal(g), _when(t))
            for u, a, g, t in zip(
                user_of[plan.grade_enrol].tolist(),
                ids.activity[plan.grade_act].tolist(),
                plan.grade_value.tolist(),
                plan.grade_time.tolist(),
                strict=True,
            )
        ],
    )
    _rows_write(
        ActivityCompletion,
        ["user_id", "activity_id", "state", "timemodified"],
        [
            (int(u), int(a), int(s), _when(t))
            for u, a, s, t in zip(
                user_of[plan.completion_enrol].tolist(),
                ids.activity[plan.completion_act].tolist(),
                plan.completion_state.tolist(),
                plan.completion_time.tolist(),
                strict=True,
            )
        ],
    )
    course_of = ids.course[plan.enrol_course]
    has_grade = ~np.isnan(plan.course_grade)
    _rows_write(
        CourseGrade,
        ["user_id", "course_id", "finalgrade", "timemodified"],
        [
            (
                int(user_of[e]),
                int(course_of[e]),
                _decimal(plan.course_grade[e]),
                _when(plan.now),
            )
            for e in np.flatnonzero(has_grade)
        ],
    )
    tracked = plan.course_completion[plan.enrol_course]
    _rows_write(
        CourseCompletion,
        ["user_id", "course_id", "timeenrolled", "timestarted", "timecompleted"],
        [
            (
                int(user_of[e]),
                int(course_of[e]),
                _when(plan.enrol_start[e]),
                _when(plan.course_started[e]),
                _when(plan.course_completed[e]),
            )
            for e in np.flatnonzero(tracked)
        ],
    )


def site_delete(*, course_ids: Sequence[int], user_ids: Sequence[int],
                category_ids: Sequence[int]) -> None:  # fmt: skip
    """Remove what a failed generation wrote: log rows, site rows and their contexts."""
    log_delete_for(course_ids=list(course_ids), user_ids=list(user_ids))
    bulk_write_finished(
        models_=[StandardLogEntry, LegacyLogEntry], course_ids=list(course_ids)
    )
    with transaction.atomic():
        for start in range(0, len(course_ids), 500):
            chunk = list(course_ids[start : start + 500])
            activity_ids = list(
                Activity.objects.filter(course_id__in=chunk).values_list(
                    "id", flat=True
                )
            )
            Context.objects.filter(
                contextlevel=ContextLevel.MODULE, instanceid__in=activity_ids
            ).delete()
            Context.objects.filter(
                contextlevel=ContextLevel.COURSE, instanceid__in=chunk
            ).delete()
            Course.objects.filter(pk__in=chunk).delete()
        Context.objects.filter(
            contextlevel=ContextLevel.CATEGORY, instanceid__in=list(category_ids)
        ).delete()
        for category_id in sorted(category_ids, reverse=True):
            Category.objects.filter(pk=category_id).delete()
        for start in range(0, len(user_ids), 500):
            chunk = list(user_ids[start : start + 500])
            Context.objects.filter(
                contextlevel=ContextLevel.USER, instanceid__in=chunk
            ).delete()
            get_user_model().objects.filter(pk__in=chunk).delete()
