"""Who holds a capability where, by Moodle's resolution rules.

Moodle's resolution rules, shared by `CapabilityBackend.has_perm`,
`users_with_capability` and `contexts_with_capability` through one function,
`roles_decide`, so the three never disagree:

1. A user's roles in a context are the roles assigned in it or in any of its parents,
   plus the authenticated-user role ("user") for every active user.
2. For each role, the deepest defined permission along the path (the context, then
   its parents up to the system definition) is the role's permission.
3. PROHIBIT for any of the user's roles anywhere on the path denies.
4. Otherwise the user has the capability iff at least one role resolves to ALLOW.

Inactive and anonymous users hold nothing. A Django superuser passes `has_perm`
(Django answers before asking the backends) and `contexts_with_capability`, but
`users_with_capability` returns one only when an assigned role grants the capability:
notifications go to people with a job in the context, not to every admin account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from access.models import (
    Context,
    ContextLevel,
    Permission,
    Role,
    RoleAssignment,
    RoleCapability,
)
from access.selectors.contexts import context_of

#: Short name of the role every active user holds everywhere (Moodle's
#: $CFG->defaultuserroleid); FORESIGHT_DEFAULT_USER_ROLE in settings overrides it.
DEFAULT_USER_ROLE = "user"


def default_user_role_id() -> int | None:
    shortname = getattr(settings, "FORESIGHT_DEFAULT_USER_ROLE", DEFAULT_USER_ROLE)
    return Role.objects.filter(shortname=shortname).values_list("pk", flat=True).first()


def roles_decide(
    *,
    path_ids: list[int],
    definitions: dict[tuple[int, int], int],
    role_ids: Iterable[int],
) -> tuple[set[int], set[int]]:
    """Split `role_ids` into (allowing, prohibiting) roles at the context of `path_ids`.

    `path_ids` lists the context and its parents, deepest first; `definitions` maps
    (context id, role id) to the permission set there. This is the single place
    where Moodle's rules are written down.
    """
    allowing: set[int] = set()
    prohibiting: set[int] = set()
    for role_id in role_ids:
        resolved: int = Permission.INHERIT
        for context_id in path_ids:
            permission = definitions.get((context_id, role_id), Permission.INHERIT)
            if permission == Permission.PROHIBIT:
                prohibiting.add(role_id)
                break
            if resolved == Permission.INHERIT:
                resolved = permission
        else:
            if resolved == Permission.ALLOW:
                allowing.add(role_id)
    return allowing, prohibiting


def user_decide(
    *, user_role_ids: set[int], allowing: set[int], prohibiting: set[int]
) -> bool:
    """Rules 3 and 4: any prohibiting role denies, else any allowing role grants."""
    return not (user_role_ids & prohibiting) and bool(user_role_ids & allowing)


@dataclass(frozen=True)
class CapabilityAtContext:
    """Which roles grant and which prohibit a capability at one context."""

    path_ids: list[int]
    allowing: set[int]
    prohibiting: set[int]
    default_role_id: int | None


def capability_at_context(*, capability: str, context: Context) -> CapabilityAtContext:
    """Resolve every role's permission for `capability` at `context` (two queries)."""
    path_ids = context.path_ids() or [context.pk]
    definitions = {
        (context_id, role_id): permission
        for context_id, role_id, permission in RoleCapability.objects.filter(
            capability__name=capability, context_id__in=path_ids
        ).values_list("context_id", "role_id", "permission")
    }
    default_role_id = default_user_role_id()
    role_ids = {role_id for _c, role_id in definitions}
    allowing, prohibiting = roles_decide(
        path_ids=path_ids, definitions=definitions, role_ids=role_ids
    )
    return CapabilityAtContext(path_ids, allowing, prohibiting, default_role_id)


def user_role_ids_at(
    *,
    assignments: dict[int, set[int]],
    path_ids: Iterable[int],
    default_role_id: int | None,
) -> set[int]:
    """Rule 1: roles assigned along the path plus the authenticated-user role."""
    role_ids = set().union(*(assignments.get(cid, set()) for cid in path_ids))
    if default_role_id is not None:
        role_ids.add(default_role_id)
    return role_ids


def user_role_assignments(*, user: Any) -> dict[int, set[int]]:
    """The user's role ids by context id (one query)."""
    assignments: dict[int, set[int]] = defaultdict(set)
    for context_id, role_id in RoleAssignment.objects.filter(user=user).values_list(
        "context_id", "role_id"
    ):
        assignments[context_id].add(role_id)
    return dict(assignments)


def user_has_capability(
    *,
    user: Any,
    capability: str,
    context: Context,
    assignments: dict[int, set[int]] | None = None,
) -> bool:
    """Moodle's has_capability, without Django's superuser shortcut (see module doc).

    `assignments` (from `user_role_assignments`) saves a query when checking many
    contexts for one user.
    """
    if user is None or not user.is_active or user.is_anonymous:
        return False
    resolved = capability_at_context(capability=capability, context=context)
    if assignments is None:
        assignments = user_role_assignments(user=user)
    role_ids = user_role_ids_at(
        assignments=assignments,
        path_ids=resolved.path_ids,
        default_role_id=resolved.default_role_id,
    )
    return user_decide(
        user_role_ids=role_ids,
        allowing=resolved.allowing,
        prohibiting=resolved.prohibiting,
    )


def users_with_capability(capability: str, context: Context | Any) -> QuerySet:
    """Active users who hold `capability` in `context`, by the rules in the module doc.

    `context` may be anything `context_of` accepts (finding it may cost a query).
    Then three queries (two to resolve the roles, one when the QuerySet is
    evaluated), however many users match.
    Superusers are returned only when an assigned role grants the capability.
    """
    user_model = get_user_model()
    context = context_of(context)
    if context is None:
        return user_model.objects.none()
    resolved = capability_at_context(capability=capability, context=context)
    on_path = RoleAssignment.objects.filter(context_id__in=resolved.path_ids)
    assigned_allowing = on_path.filter(role_id__in=resolved.allowing).values("user_id")
    users = user_model.objects.filter(is_active=True)
    default_role_id = resolved.default_role_id
    if default_role_id is not None and default_role_id in resolved.prohibiting:
        return users.none()
    if default_role_id is not None and default_role_id in resolved.allowing:
        users = users.filter(Q(is_superuser=False) | Q(pk__in=assigned_allowing))
    elif resolved.allowing:
        users = users.filter(pk__in=assigned_allowing)
    else:
        return users.none()
    if resolved.prohibiting:
        users = users.exclude(
            pk__in=on_path.filter(role_id__in=resolved.prohibiting).values("user_id")
        )
    return users


def contexts_with_capability(
    *, user: Any, capability: str, level: int = ContextLevel.COURSE
) -> QuerySet:
    """Contexts of `level` where `user.has_perm(capability, context)` is True.

    For pages that list "the courses where you may see insights". Costs four queries
    whatever the number of contexts: the user's assignments, every definition of the
    capability, the candidate contexts, and the returned QuerySet. Agrees with
    `has_perm`, so an active superuser gets every context of the level.
    """
    contexts = Context.objects.filter(contextlevel=level)
    if user is None or not user.is_active or user.is_anonymous:
        return contexts.none()
    if user.is_superuser:
        return contexts
    assignments = RoleAssignment.objects.filter(user=user).values_list(
        "context_id", "context__path", "role_id"
    )
    by_context: dict[int, set[int]] = defaultdict(set)
    paths: dict[int, str] = {}
    for context_id, path, role_id in assignments:
        by_context[context_id].add(role_id)
        paths[context_id] = path
    definitions = {
        (context_id, role_id): permission
        for context_id, role_id, permission in RoleCapability.objects.filter(
            capability__name=capability
        ).values_list("context_id", "role_id", "permission")
    }
    default_role_id = default_user_role_id()
    granting = {
        role_id
        for (_c, role_id), permission in definitions.items()
        if permission == Permission.ALLOW
    }
    # Only contexts under an assignment of a role that allows somewhere can pass.
    if default_role_id in granting:
        candidates = contexts
    else:
        roots = [cid for cid, roles in by_context.items() if roles & granting]
        if not roots:
            return contexts.none()
        candidates = contexts.filter(
            reduce(
                or_,
                (Q(pk=cid) | Q(path__startswith=f"{paths[cid]}/") for cid in roots),
            )
        )
    # Contexts whose paths cross the same assignments and definitions share one
    # answer: a manager's 50,000 user contexts cost one resolution, not 50,000.
    relevant = set(by_context) | {context_id for context_id, _r in definitions}
    decided: dict[tuple[int, ...], bool] = {}
    matching: list[int] = []
    failing: list[int] = []
    relevant_parts = {str(context_id) for context_id in relevant}
    for context_id, path in candidates.values_list("pk", "path").iterator(5000):
        # Deepest first, as Context.path_ids(), keeping only the relevant ids.
        key = tuple(
            int(part)
            for part in reversed(path.strip("/").split("/"))
            if part in relevant_parts
        )
        if key not in decided:
            role_ids = user_role_ids_at(
                assignments=by_context, path_ids=key, default_role_id=default_role_id
            )
            allowing, prohibiting = roles_decide(
                path_ids=list(key), definitions=definitions, role_ids=role_ids
            )
            decided[key] = user_decide(
                user_role_ids=role_ids, allowing=allowing, prohibiting=prohibiting
            )
        (matching if decided[key] else failing).append(context_id)
    # Name the shorter list: SQLite refuses statements with over 32,766 parameters.
    if not matching:
        return contexts.none()
    if len(failing) < len(matching):
        return candidates.exclude(pk__in=failing) if failing else candidates
    return Context.objects.filter(pk__in=matching)
