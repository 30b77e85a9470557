"""Reads in `access`: the context of an object, and who holds a capability where.

`contexts` maps objects to contexts and back; `capabilities` holds Moodle's
resolution rules, shared by `has_perm` and the selectors. Import from here:
`from access.selectors import users_with_capability`.
"""

from __future__ import annotations

from access.selectors.capabilities import (
    DEFAULT_USER_ROLE,
    CapabilityAtContext,
    capability_at_context,
    contexts_with_capability,
    default_user_role_id,
    roles_decide,
    user_decide,
    user_has_capability,
    user_role_assignments,
    user_role_ids_at,
    users_with_capability,
)
from access.selectors.contexts import context_instance, context_of

__all__ = [
    "DEFAULT_USER_ROLE",
    "CapabilityAtContext",
    "capability_at_context",
    "context_instance",
    "context_of",
    "contexts_with_capability",
    "default_user_role_id",
    "roles_decide",
    "user_decide",
    "user_has_capability",
    "user_role_assignments",
    "user_role_ids_at",
    "users_with_capability",
]
