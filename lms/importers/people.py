"""Users and enrolments that importers find in their input.

Imported people get accounts without a usable password (they sign in, if ever,
through whatever the site sets up), a user context, and, in the course they were
found in, an enrolment and the student role unless they already hold a role there
(a teacher's account found in a log stays a teacher).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from access.models import Role, RoleAssignment
from access.selectors import context_of
from access.services import contexts_bulk_ensure, role_assign
from lms.models import Course, Enrolment, UserProfile

_CHUNK = 2000


class ImportSetupError(Exception):
    """The site lacks something every import needs (the student role)."""


def student_role() -> Role:
    role = (
        Role.objects.filter(shortname="student").first()
        or Role.objects.filter(archetype=Role.Archetype.STUDENT).first()
    )
    if role is None:
        raise ImportSetupError(
            _(
                "There is no student role; run `manage.py migrate` to install the default roles."
            )
        )
    return role


def users_create(*, rows: list[dict]) -> list:
    """Create users from dicts of username/first_name/last_name/email; one query."""
    user_model = get_user_model()
    unusable = make_password(None)
    users = [user_model(password=unusable, is_active=True, **row) for row in rows]
    user_model.objects.bulk_create(users, batch_size=_CHUNK)
    if users and users[0].pk is None:  # a backend without RETURNING
        by_name = dict(
            user_model.objects.filter(
                username__in=[u.username for u in users]
            ).values_list("username", "pk")
        )
        for user in users:
            user.pk = by_name[user.username]
    contexts_bulk_ensure(users=users)
    UserProfile.objects.bulk_create(
        [UserProfile(user=user) for user in users],
        batch_size=_CHUNK,
        ignore_conflicts=True,
    )
    return users


def users_by_username(*, usernames: Iterable[str]) -> dict[str, object]:
    user_model = get_user_model()
    names = list(set(usernames))
    found: dict[str, object] = {}
    for start in range(0, len(names), _CHUNK):
        for user in user_model.objects.filter(
            username__in=names[start : start + _CHUNK]
        ):
            found[user.username] = user
    return found


def users_ensure_by_id(
    *, ids: Iterable[str], prefix: str, first_name: str
) -> tuple[dict[str, object], int]:
    """Users for ids from another system, as username `<prefix><id>`; created if missing.

    Returns the users by id and how many were created.
    """
    wanted = {f"{prefix}{value}": value for value in ids}
    found = users_by_username(usernames=wanted)
    missing = [
        {
            "username": username,
            "first_name": first_name,
            "last_name": str(wanted[username]),
        }
        for username in wanted
        if username not in found
    ]
    for user in users_create(rows=missing):
        found[user.username] = user
    return {wanted[username]: user for username, user in found.items()}, len(missing)


def users_ensure_by_name(*, names: Iterable[str]) -> tuple[dict[str, object], int]:
    """Users for full names ("Jane Doe"), matched case-insensitively; created if missing.

    Moodle shows "first name + last name"; the split is unknown, so an existing user
    matches if any split of the name fits. New users get the first word as first
    name and a username made from the whole name.
    """
    user_model = get_user_model()
    result: dict[str, object] = {}
    to_create: list[dict] = []
    wanted_names: list[str] = []
    taken: set[str] = set()
    for name in sorted(set(names)):
        words = name.split()
        query = Q()
        for cut in range(1, max(len(words), 2)):
            query |= Q(
                first_name__iexact=" ".join(words[:cut]),
                last_name__iexact=" ".join(words[cut:]),
            )
        existing = user_model.objects.filter(query).order_by("pk").first()
        if existing is not None:
            result[name] = existing
            continue
        base = slugify(name)[:140] or "user"
        username, suffix = base, 1
        while (
            username in taken or user_model.objects.filter(username=username).exists()
        ):
            suffix += 1
            username = f"{base}-{suffix}"
        taken.add(username)
        wanted_names.append(name)
        to_create.append(
            {
                "username": username,
                "first_name": words[0][:150] if words else "",
                "last_name": " ".join(words[1:])[:150],
            }
        )
    created = users_create(rows=to_create)
    result.update(zip(wanted_names, created, strict=True))
    return result, len(created)


def students_enrol(
    *,
    course: Course,
    users: Iterable,
    timestart: dt.datetime | None = None,
    timestarts: dict[int, dt.datetime | None] | None = None,
    timeends: dict[int, dt.datetime | None] | None = None,
) -> int:
    """Enrol `users` in `course` as students; return how many enrolments are new.

    Existing enrolments are left as they are. The student role is given in the
    course context to each user who holds no role there yet.
    """
    users = list({user.pk: user for user in users}.values())
    if not users:
        return 0
    timestarts = timestarts or {}
    timeends = timeends or {}
    enrolled = set(
        Enrolment.objects.filter(course=course, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    now = timezone.now()
    new = [
        Enrolment(
            user=user,
            course=course,
            status=Enrolment.Status.ACTIVE,
            timestart=timestarts.get(user.pk, timestart),
            timeend=timeends.get(user.pk),
            timecreated=now,
        )
        for user in users
        if user.pk not in enrolled
    ]
    Enrolment.objects.bulk_create(new, batch_size=_CHUNK)
    context = context_of(course)
    with_role = set(
        RoleAssignment.objects.filter(context=context, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    role = student_role()
    pending = [user for user in users if user.pk not in with_role]
    if pending:
        # The first goes through role_assign, which checks that the role may be
        # given at course level; the rest are the same check, so bulk insert them.
        role_assign(user=pending[0], role=role, context=context)
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=user, role=role, context=context)
                for user in pending[1:]
            ],
            batch_size=_CHUNK,
            ignore_conflicts=True,
        )
    return len(new)
