"""LTI roles -> Foresight roles, for platforms whose role assignments are not synced.

LTI roles never grant anything by themselves: on a synced Moodle site the sync's
role assignments decide, and a launch only signs the user in. On other platforms a
launch assigns the Foresight role below in the course, as an admin would, and the
capabilities of that role decide. Moodle sends Instructor for editing and
non-editing teachers and for category managers alike, so only a sync can tell them
apart; TeachingAssistant comes from other platforms (Canvas, Brightspace).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

# (LTI context role, Foresight role shortname): shown in the admin as is.
ROLE_MAP: tuple[tuple[str, str], ...] = (
    ("Instructor", "editingteacher"),
    ("TeachingAssistant", "teacher"),
    ("Learner", "student"),
)

ROLE_MAP_LABELS = {
    "Instructor": _("Instructor"),
    "TeachingAssistant": _("Teaching assistant"),
    "Learner": _("Learner"),
}

# Every Foresight role a launch may assign: a later launch takes back the others.
MAPPED_ROLES = frozenset(role for _lti, role in ROLE_MAP)


def _context_role(uri: str) -> str | None:
    """The context role name of an LTI role URI or short form, or None.

    Accepts the v2 membership URIs (`.../membership#Instructor`), sub-roles
    (`.../membership/Instructor#TeachingAssistant`) and bare names (`Learner`).
    Institution and system roles (`.../institution/person#Administrator`) are not
    course roles and are ignored.
    """
    if uri.startswith(LIS):
        rest = uri[len(LIS) :]
        if not rest.startswith("membership"):
            return None
        name = rest.rpartition("#")[2]
    elif "/" in uri or ":" in uri:
        return None
    else:
        name = uri
    return name or None


def foresight_roles_for(lti_roles: Iterable[str]) -> set[str]:
    """Shortnames of the Foresight roles the LTI roles map to (see ROLE_MAP)."""
    mapping = dict(ROLE_MAP)
    found = {_context_role(str(uri)) for uri in lti_roles}
    return {mapping[name] for name in found if name in mapping}
