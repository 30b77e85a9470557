"""Writes in `access`: contexts kept in step with objects, role assignments, overrides.

`contexts` keeps the context tree in step with the site's objects; `roles` assigns
roles and overrides capabilities. Import from here: `from access.services import
role_assign`.
"""

from __future__ import annotations

from access.services.contexts import (
    context_delete,
    context_ensure,
    context_ensure_for,
    context_move,
    context_parent_of,
    context_system,
    contexts_bulk_ensure,
)
from access.services.roles import capability_override, role_assign, role_unassign

__all__ = [
    "capability_override",
    "context_delete",
    "context_ensure",
    "context_ensure_for",
    "context_move",
    "context_parent_of",
    "context_system",
    "contexts_bulk_ensure",
    "role_assign",
    "role_unassign",
]
