# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Users: account, names, email, language, time zone, suspended and deleted.

A Moodle user becomes a Django user with an unusable password (people sign in
to Foresight the way the deployment says, not with Moodle's password) and a
UserProfile. Deleted and suspended Moodle users become inactive users: their
enrolments and roles go in the parts that sync those, so they drop out of the
analysis, while their old log rows keep a user to point at.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from access.services import contexts_bulk_ensure
from lms.models import UserProfile
from moodlesync.models import Kind
from moodlesync.services.common import (
    PartResult,
    SyncContext,
    idmap_load,
    idmap_replace,
    when,
    zone_known,
)

USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active"]
PROFILE_FIELDS = [
    "description",
    "picture",
    "city",
    "country",
    "lang",
    "timezone",
    "firstaccess",
    "lastaccess",
]


def users_sync(ctx: SyncContext) -> PartResult:
    result = PartResult("users")
    user_model = get_user_model()
    rows = ctx.source.fetchall(
        "SELECT id, username, firstname, lastname, email, suspended, deleted, lang, "
        "timezone, description, picture, city, country, firstaccess, lastaccess "
        f"FROM {ctx.t('user')} ORDER BY id"
    )
    mapping = idmap_load(Kind.USER)
    existing = user_model.objects.in_bulk(list(mapping.values()))
    profiles = {
        p.user_id: p
        for p in UserProfile.objects.filter(user_id__in=list(mapping.values()))
    }
    taken = set(
        user_model.objects.exclude(pk__in=list(mapping.values())).values_list(
            "username", flat=True
        )
    )
    unusable = make_password(None)
    new_users: list[tuple[int, Any, dict]] = []
    changed_users, changed_profiles, new_profiles = [], [], []
    for row in rows:
        mid, username, first, last, email, suspended, deleted = row[:7]
        lang, zone, description, picture, city, country, first_at, last_at = row[7:]
        username = str(username or f"user{mid}")
        if username in taken:
            renamed = f"moodle{mid}.{username}"[:150]
            result.problem(
                "user",
                mid,
                _(
                    "the user name %(username)s belongs to a Foresight account not "
                    "synced from Moodle; this user is synced as %(renamed)s."
                )
                % {"username": username, "renamed": renamed},
                prefix=ctx.prefix,
            )
            username = renamed
        zone = str(zone or "99")
        if zone == "99":
            zone = ctx.site_timezone
        elif not zone_known(zone):
            result.problem(
                "user",
                mid,
                _(
                    "time zone %(zone)s is not one Foresight knows; the site's "
                    "(%(site)s) is used."
                )
                % {"zone": zone, "site": ctx.site_timezone},
                prefix=ctx.prefix,
            )
            zone = ctx.site_timezone
        account = {
            "username": username[:150],
            "first_name": (first or "")[:150],
            "last_name": (last or "")[:150],
            "email": (email or "")[:254],
            "is_active": not deleted and not suspended,
        }
        profile = {
            "description": description or "",
            "picture": bool(picture),
            "city": (city or "")[:120],
            "country": (country or "")[:2],
            "lang": (lang or "en")[:10],
            "timezone": zone[:100],
            "firstaccess": when(first_at),
            "lastaccess": when(last_at),
        }
        user = existing.get(mapping.get(mid, -1))
        if user is None:
            new_users.append((mid, user_model(password=unusable, **account), profile))
            continue
        if any(getattr(user, key) != value for key, value in account.items()):
            for key, value in account.items():
                setattr(user, key, value)
            changed_users.append(user)
        current = profiles.get(user.pk)
        if current is None:
            new_profiles.append(UserProfile(user_id=user.pk, **profile))
        elif any(getattr(current, key) != value for key, value in profile.items()):
            for key, value in profile.items():
                setattr(current, key, value)
            changed_profiles.append(current)
    user_model.objects.bulk_update(changed_users, USER_FIELDS, batch_size=1000)
    UserProfile.objects.bulk_update(changed_profiles, PROFILE_FIELDS, batch_size=1000)
    user_model.objects.bulk_create([u for _m, u, _p in new_users], batch_size=1000)
    new_profiles += [UserProfile(user_id=u.pk, **p) for _m, u, p in new_users]
    UserProfile.objects.bulk_create(new_profiles, batch_size=1000)
    contexts_bulk_ensure(users=[u for _m, u, _p in new_users])
    mapping.update({mid: user.pk for mid, user, _p in new_users})
    seen = {row[0] for row in rows}
    gone = [mapping[mid] for mid in mapping if mid not in seen]
    if gone:  # removed from Moodle's table outright: keep the account, inactive
        user_model.objects.filter(pk__in=gone).update(is_active=False)
    idmap_replace(Kind.USER, mapping)
    result.counts = {
        "rows": len(rows),
        "created": len(new_users),
        "updated": len(changed_users) + len(changed_profiles),
        "deleted": sum(1 for row in rows if row[6]),
    }
    return result
