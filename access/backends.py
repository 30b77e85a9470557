"""Authentication backend answering Moodle-style capability checks (filled in by access work)."""

from __future__ import annotations


class CapabilityBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False
