"""Who a launch is: the Foresight user and course a checked launch maps to.

Order of lookup, for the user (`sub`) and the course (the context claim's id):

1. on the Moodle site Foresight syncs (`Platform.moodle_sync`), the sync's id map:
   Moodle's `sub` is its user id and the context id its course id. The one
   function that reads the sync is `moodle_local_id`. It wins over a row created
   by an earlier launch, so a person launched before the sync knew them moves to
   the synced row once it does;
2. an earlier launch of the same platform (`LaunchUser`, `LaunchCourse`);
3. otherwise, when the registration allows it, a user (no usable password) and a
   course shell created from the launch's names, email and context.

Roles: users and courses placed by the sync keep the sync's role assignments; a
launch grants nothing there. Where the user or the course came from launches, the
LTI roles claim is mapped to Foresight roles (`lti.roles.ROLE_MAP`) in the course
context, with an active enrolment, and the mapped roles the claim no longer names
are taken back.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from access.models import Role
from access.selectors import context_of
from access.services import role_assign, role_unassign
from lms.models import Category, Course, Enrolment
from lti import clock
from lti.launch import CONTEXT, ROLES
from lti.models import LaunchCourse, LaunchUser, Platform
from lti.refusals import LaunchRefused
from lti.roles import MAPPED_ROLES, foresight_roles_for

LIS_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/lis"
COURSE_TYPES = ("CourseOffering", "CourseSection", "CourseTemplate")


@dataclass(frozen=True)
class Placement:
    """Where a launch lands: user, course, and what was created to get there."""

    user: Any
    course: Course
    user_created: bool
    course_created: bool
    from_sync: bool


def moodle_local_id(*, kind: str, moodle_id: str) -> int | None:
    """The Foresight id the Moodle sync gave Moodle's `kind` ("user" or "course")
    row `moodle_id`, or None when the sync does not know it.

    The only place the LTI app reads the sync (moodlesync.models.ExternalId): adapt
    this function if the sync's model changes.
    """
    if not apps.is_installed("moodlesync") or not str(moodle_id).isdigit():
        return None
    from moodlesync.models import ExternalId, Kind

    kinds = {"user": Kind.USER, "course": Kind.COURSE}
    return (
        ExternalId.objects.filter(kind=kinds[kind], moodle_id=int(moodle_id))
        .values_list("local_id", flat=True)
        .first()
    )


def _cannot_place(why: str, detail: str = "") -> LaunchRefused:
    return LaunchRefused(
        "place",
        _("Foresight cannot place this launch: %(why)s") % {"why": why},
        detail or why,
    )


def _username_for(platform: Platform, sub: str) -> str:
    clean = re.sub(r"[^\w.@+-]", "-", sub)
    if len(clean) > 100:
        clean = hashlib.sha256(sub.encode()).hexdigest()[:40]
    return f"lti{platform.pk}-{clean}"


def _names_from(claims: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    given, family = claims.get("given_name"), claims.get("family_name")
    if isinstance(given, str) and given:
        names["first_name"] = given[:150]
    if isinstance(family, str) and family:
        names["last_name"] = family[:150]
    if not names and isinstance(claims.get("name"), str) and claims["name"]:
        first, _space, last = claims["name"].partition(" ")
        names = {"first_name": first[:150], "last_name": last[:150]}
    email = claims.get("email")
    if isinstance(email, str) and email:
        try:
            validate_email(email)
            names["email"] = email[:254]
        except ValidationError:
            pass
    return names


def _user_for(
    platform: Platform, sub: str, claims: dict[str, Any]
) -> tuple[Any, bool, bool]:
    """(user, created now, placed by the sync)."""
    user_model = get_user_model()
    link = (
        LaunchUser.objects.select_related("user")
        .filter(platform=platform, sub=sub)
        .first()
    )
    created = False
    if (link is None or link.created_from_launch) and platform.moodle_sync:
        # The sync may have brought a user created from an earlier launch: its row wins.
        local_id = moodle_local_id(kind="user", moodle_id=sub)
        user = user_model.objects.filter(pk=local_id).first() if local_id else None
        if user is not None:
            link, _new = LaunchUser.objects.update_or_create(
                platform=platform,
                sub=sub,
                defaults={"user": user, "created_from_launch": False},
            )
    if link is None:
        if not platform.create_unknown:
            raise _cannot_place(
                _(
                    "you are not known to Foresight yet (user %(sub)s of "
                    "%(platform)s). Wait for the next sync, or ask your Foresight "
                    "administrator."
                )
                % {"sub": sub, "platform": platform.name},
                f"unknown user sub={sub!r}",
            )
        user = user_model(username=_username_for(platform, sub), **_names_from(claims))
        user.set_unusable_password()
        user.full_clean()
        user.save()
        link = LaunchUser.objects.create(
            platform=platform, sub=sub, user=user, created_from_launch=True
        )
        created = True
    elif link.created_from_launch:
        names = _names_from(claims)
        changed = [k for k, v in names.items() if getattr(link.user, k) != v]
        for key in changed:
            setattr(link.user, key, names[key])
        if changed:
            link.user.save(update_fields=changed)
    link.last_launch = clock.now()
    link.save(update_fields=["last_launch"])
    return link.user, created, not link.created_from_launch


def _shortname_for(platform: Platform, context: dict[str, Any], context_id: str) -> str:
    label = str(context.get("label") or "").strip()[:200]
    if label and not Course.objects.filter(shortname=label).exists():
        return label
    return f"{label or 'lti'}-{platform.pk}-{context_id}"[:255]


def _course_for(
    platform: Platform, context: dict[str, Any], claims: dict[str, Any]
) -> tuple[Course, bool, bool]:
    """(course, created now, placed by the sync)."""
    context_id = str(context["id"])
    link = (
        LaunchCourse.objects.select_related("course")
        .filter(platform=platform, context_id=context_id)
        .first()
    )
    if (link is None or link.created_from_launch) and platform.moodle_sync:
        local_id = moodle_local_id(kind="course", moodle_id=context_id)
        course = Course.objects.filter(pk=local_id).first() if local_id else None
        if course is not None:
            link, _new = LaunchCourse.objects.update_or_create(
                platform=platform,
                context_id=context_id,
                defaults={"course": course, "created_from_launch": False},
            )
    if link is None:
        if not platform.create_unknown:
            raise _cannot_place(
                _(
                    "the course %(course)s of %(platform)s is not known to Foresight "
                    "yet. Wait for the next sync, or ask your Foresight administrator."
                )
                % {
                    "course": context.get("title") or context_id,
                    "platform": platform.name,
                },
                f"unknown context id={context_id!r}",
            )
        category, _created = Category.objects.get_or_create(
            idnumber=f"lti:{platform.pk}"[:100], defaults={"name": platform.name[:255]}
        )
        lis = claims.get(LIS_CLAIM) if isinstance(claims.get(LIS_CLAIM), dict) else {}
        course = Course(
            category=category,
            shortname=_shortname_for(platform, context, context_id),
            fullname=str(context.get("title") or context.get("label") or context_id)[
                :1333
            ],
            idnumber=str(lis.get("course_section_sourcedid") or "")[:100],
        )
        course.full_clean()
        course.save()
        link = LaunchCourse.objects.create(
            platform=platform,
            context_id=context_id,
            course=course,
            created_from_launch=True,
        )
        return course, True, False
    return link.course, False, not link.created_from_launch


def _roles_apply(user: Any, course: Course, lti_roles: list[str]) -> None:
    wanted = foresight_roles_for(lti_roles)
    context = context_of(course)
    roles = {
        role.shortname: role for role in Role.objects.filter(shortname__in=MAPPED_ROLES)
    }
    for shortname, role in roles.items():
        if shortname in wanted:
            role_assign(user=user, role=role, context=context)
        else:
            role_unassign(user=user, role=role, context=context)
    if wanted:
        enrolment, _created = Enrolment.objects.get_or_create(
            user=user, course=course, defaults={"timecreated": clock.now()}
        )
        if enrolment.status != Enrolment.Status.ACTIVE:
            # The platform just said this person is in the course.
            enrolment.status = Enrolment.Status.ACTIVE
            enrolment.save(update_fields=["status"])


def _context_claim(claims: dict[str, Any]) -> dict[str, Any]:
    context = claims.get(CONTEXT)
    if not isinstance(context, dict) or not str(context.get("id") or ""):
        raise _cannot_place(
            _("it was not made from a course (the launch names no context)."),
            "no context claim",
        )
    types = context.get("type") or []
    if isinstance(types, str):
        types = [types]
    if types and not any(str(t).rpartition("#")[2] in COURSE_TYPES for t in types):
        raise _cannot_place(
            _("it was made from a %(type)s, not from a course.")
            % {"type": ", ".join(map(str, types))},
            f"context type {types!r}",
        )
    return context


@transaction.atomic
def launch_place(*, platform: Platform, claims: dict[str, Any]) -> Placement:
    """The user and course of a checked launch (created if needed), or LaunchRefused."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise _cannot_place(
            _("the platform did not say who you are (an anonymous launch)."),
            "no sub claim",
        )
    context = _context_claim(claims)
    user, user_created, user_from_sync = _user_for(platform, sub, claims)
    if not user.is_active:
        raise _cannot_place(
            _("your Foresight account is disabled."), f"user {user.pk} inactive"
        )
    course, course_created, course_from_sync = _course_for(platform, context, claims)
    roles = claims.get(ROLES) if isinstance(claims.get(ROLES), list) else []
    from_sync = user_from_sync and course_from_sync
    if not from_sync:
        _roles_apply(user, course, roles)
    return Placement(
        user=user,
        course=course,
        user_created=user_created,
        course_created=course_created,
        from_sync=from_sync,
    )
