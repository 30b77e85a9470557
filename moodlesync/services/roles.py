# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Contexts, roles, their capabilities for Foresight's capabilities, and role
assignments at every level, so that who receives insights is who Moodle says.

Moodle's capability names carry a "moodle/" prefix that Foresight's drop
("moodle/analytics:listinsights" is "analytics:listinsights"). The permissions of
those capabilities (system definitions and overrides in any context) replace
Foresight's for every role Moodle has; role assignments synced before are
replaced by Moodle's current ones, and assignments made in Foresight by hand
are left alone.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from access.models import (
    Capability,
    Context,
    ContextLevel,
    Role,
    RoleAssignment,
    RoleCapability,
    RoleContextLevel,
)
from access.services import context_system
from moodlesync.models import Kind
from moodlesync.services.common import (
    PartResult,
    SyncContext,
    ascii_int,
    chunks,
    idmap_load,
    idmap_replace,
)

BLOCK = 80  # Moodle's block contexts: mapped onto the context they sit in
_LEVEL_KIND = {
    ContextLevel.USER: Kind.USER,
    ContextLevel.CATEGORY: Kind.CATEGORY,
    ContextLevel.COURSE: Kind.COURSE,
    ContextLevel.MODULE: Kind.ACTIVITY,
}


def contexts_map(ctx: SyncContext) -> dict[int, int]:
    """Moodle context id -> Foresight context id (saved as the CONTEXT id map)."""
    rows = ctx.source.fetchall(
        f"SELECT id, contextlevel, instanceid, path FROM {ctx.t('context')}"
    )
    system = context_system()
    local: dict[tuple[int, int], int] = {}
    for level in _LEVEL_KIND:
        local.update(
            {
                (level, instance): pk
                for instance, pk in Context.objects.filter(
                    contextlevel=level
                ).values_list("instanceid", "pk")
            }
        )
    maps = {level: idmap_load(kind) for level, kind in _LEVEL_KIND.items()}
    mapping: dict[int, int] = {}
    blocks: list[tuple[int, str]] = []
    for mid, level, instance, path in rows:
        if level == ContextLevel.SYSTEM or (
            level == ContextLevel.COURSE and instance == ctx.siteid
        ):
            mapping[mid] = system.pk
        elif level in maps:
            local_instance = maps[level].get(instance)
            if local_instance is not None and (level, local_instance) in local:
                mapping[mid] = local[(level, local_instance)]
        elif level == BLOCK:
            blocks.append((mid, path or ""))
    for mid, path in blocks:
        parents = [
            n for n in map(ascii_int, path.strip("/").split("/")[:-1]) if n is not None
        ]
        for parent in reversed(parents):
            if parent in mapping:
                mapping[mid] = mapping[parent]
                break
    idmap_replace(Kind.CONTEXT, mapping)
    return mapping


def roles_sync(ctx: SyncContext) -> PartResult:
    result = PartResult("roles")
    contexts = contexts_map(ctx)
    role_rows = ctx.source.fetchall(
        "SELECT id, shortname, name, description, archetype, sortorder "
        f"FROM {ctx.t('role')} ORDER BY sortorder"
    )
    roles = {role.shortname: role for role in Role.objects.all()}
    archetypes = set(Role.Archetype.values)
    role_map: dict[int, int] = {}
    created_roles = []
    for mid, shortname, name, description, archetype, sortorder in role_rows:
        role = roles.get(shortname)
        if role is None:
            role = Role.objects.create(
                shortname=shortname[:100],
                name=(name or shortname)[:255],
                description=description or "",
                archetype=archetype if archetype in archetypes else "",
                sortorder=int(sortorder or 0),
            )
            created_roles.append(mid)
        elif name and role.name != name[:255]:
            role.name = name[:255]
            role.save(update_fields=["name"])
        role_map[mid] = role.pk
    idmap_replace(Kind.ROLE, role_map)
    if created_roles and ctx.source.has_table("role_context_levels"):
        marks = ", ".join(str(int(m)) for m in created_roles)
        RoleContextLevel.objects.bulk_create(
            [
                RoleContextLevel(role_id=role_map[rid], contextlevel=level)
                for rid, level in ctx.source.fetchall(
                    "SELECT roleid, contextlevel "
                    f"FROM {ctx.t('role_context_levels')} WHERE roleid IN ({marks})"
                )
                if level in ContextLevel.values
            ],
            ignore_conflicts=True,
        )
    capabilities = _capabilities_sync(ctx, contexts, role_map, result)
    assigned = _assignments_sync(ctx, contexts, role_map, result)
    result.counts = {
        "contexts": len(contexts),
        "roles": len(role_rows),
        "roles_created": len(created_roles),
        "capabilities": capabilities,
        "role_assignments": assigned,
    }
    return result


def _capabilities_sync(
    ctx: SyncContext,
    contexts: dict[int, int],
    roles: dict[int, int],
    result: PartResult,
) -> int:
    ours = dict(Capability.objects.values_list("name", "pk"))
    names = [f"moodle/{name}" for name in ours]
    marks = ", ".join(["%s"] * len(names))
    rows = ctx.source.fetchall(
        "SELECT id, contextid, roleid, capability, permission "
        f"FROM {ctx.t('role_capabilities')} WHERE capability IN ({marks})",
        names,
    )
    found = {row[3] for row in rows}
    replaced = [ours[name.removeprefix("moodle/")] for name in found]
    RoleCapability.objects.filter(
        capability_id__in=replaced, role_id__in=list(roles.values())
    ).delete()
    wanted = {}
    for mid, contextid, roleid, capability, permission in rows:
        if contextid not in contexts or roleid not in roles:
            result.problem(
                "role_capabilities",
                mid,
                _("its context %(context)s or role %(role)s is gone; skipped.")
                % {"context": contextid, "role": roleid},
                prefix=ctx.prefix,
            )
            continue
        key = (contexts[contextid], roles[roleid], ours[capability[len("moodle/") :]])
        wanted[key] = int(permission)
    RoleCapability.objects.bulk_create(
        [
            RoleCapability(
                context_id=c, role_id=r, capability_id=cap, permission=permission
            )
            for (c, r, cap), permission in wanted.items()
        ],
        batch_size=1000,
    )
    return len(wanted)


def _assignments_sync(
    ctx: SyncContext,
    contexts: dict[int, int],
    roles: dict[int, int],
    result: PartResult,
) -> int:
    rows = ctx.source.fetchall(
        "SELECT id, roleid, contextid, userid "
        f"FROM {ctx.t('role_assignments')} ORDER BY id"
    )
    users = idmap_load(Kind.USER)
    previous = list(idmap_load(Kind.ROLE_ASSIGNMENT).values())
    for chunk in chunks(previous):
        RoleAssignment.objects.filter(pk__in=chunk).delete()
    local = {
        (a.role_id, a.context_id, a.user_id): a.pk for a in RoleAssignment.objects.all()
    }
    wanted: dict[tuple[int, int, int], list[int]] = {}
    for mid, roleid, contextid, userid in rows:
        if userid not in users or contextid not in contexts or roleid not in roles:
            result.problem(
                "role_assignments",
                mid,
                _(
                    "its user %(user)s, context %(context)s or role %(role)s does "
                    "not exist; skipped."
                )
                % {"user": userid, "context": contextid, "role": roleid},
                prefix=ctx.prefix,
            )
            continue
        key = (roles[roleid], contexts[contextid], users[userid])
        wanted.setdefault(key, []).append(mid)
    new = [
        RoleAssignment(role_id=r, context_id=c, user_id=u)
        for (r, c, u) in wanted
        if (r, c, u) not in local
    ]
    RoleAssignment.objects.bulk_create(new, batch_size=1000)
    for assignment in new:
        local[(assignment.role_id, assignment.context_id, assignment.user_id)] = (
            assignment.pk
        )
    idmap_replace(
        Kind.ROLE_ASSIGNMENT,
        {mid: local[key] for key, mids in wanted.items() for mid in mids},
    )
    return sum(len(mids) for mids in wanted.values())
