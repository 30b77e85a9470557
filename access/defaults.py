"""The roles and capabilities Moodle ships, installed by a data migration.

Role short names, names, sort order and assignable context levels follow Moodle's
`get_default_contextlevels()` and install defaults; capabilities follow
`lib/db/access.php` (shared/reference/moodle-analytics.md §7). Names drop Moodle's
"moodle/" prefix: "analytics:listinsights". `course:view` is Moodle's: it lets
managers into a course without an enrolment, so teachers need an active enrolment
to open a course's pages (`insights.selectors.course_viewable`).

`defaults_install` is idempotent and works with the migration's historical models:
capability definitions are refreshed; roles, their context levels and their system
permissions are only created when missing, so an admin's edits survive.
"""

from __future__ import annotations

from typing import Any

SYSTEM, USER, CATEGORY, COURSE, MODULE = 10, 30, 40, 50, 70
ALLOW = 1

# shortname: (name, description, archetype, sortorder, assignable context levels)
ROLES: dict[str, tuple[str, str, str, int, tuple[int, ...]]] = {
    "manager": (
        "Manager",
        "Managers can access courses and modify them; they usually do not "
        "participate in courses.",
        "manager",
        1,
        (SYSTEM, CATEGORY, COURSE),
    ),
    "coursecreator": (
        "Course creator",
        "Course creators can create new courses.",
        "coursecreator",
        2,
        (SYSTEM, CATEGORY),
    ),
    "editingteacher": (
        "Teacher",
        "Teachers can do anything within a course, including changing the "
        "activities and grading students.",
        "editingteacher",
        3,
        (COURSE, MODULE),
    ),
    "teacher": (
        "Non-editing teacher",
        "Non-editing teachers can teach in courses and grade students, but may not "
        "alter activities.",
        "teacher",
        4,
        (COURSE, MODULE),
    ),
    "student": (
        "Student",
        "Students generally have fewer privileges within a course.",
        "student",
        5,
        (COURSE, MODULE),
    ),
    "guest": (
        "Guest",
        "Guests have minimal privileges and usually can not enter text anywhere.",
        "guest",
        6,
        (),
    ),
    "user": (
        "Authenticated user",
        "All logged in users.",
        "user",
        7,
        (),
    ),
    "frontpage": (
        "Authenticated user on site home",
        "All logged in users in the site home course.",
        "frontpage",
        8,
        (),
    ),
}

# RISK_* bits from Moodle's lib/accesslib.php.
RISK_CONFIG = 0x0002
RISK_PERSONAL = 0x0020

# name: (captype, contextlevel, riskbitmask, roles allowed at system level)
CAPABILITIES: dict[str, tuple[str, int, int, tuple[str, ...]]] = {
    "analytics:listinsights": (
        "read",
        COURSE,
        RISK_PERSONAL,
        ("manager", "editingteacher", "teacher"),
    ),
    "analytics:managemodels": ("write", SYSTEM, RISK_CONFIG, ("manager",)),
    "analytics:listowninsights": ("read", SYSTEM, 0, ("user",)),
    "course:view": ("read", COURSE, 0, ("manager",)),
    "course:viewparticipants": (
        "read",
        COURSE,
        0,
        ("manager", "editingteacher", "teacher", "student"),
    ),
}


def defaults_install(apps: Any) -> None:
    """Create the system context, default roles and capabilities if missing."""
    context_model = apps.get_model("access", "Context")
    role_model = apps.get_model("access", "Role")
    level_model = apps.get_model("access", "RoleContextLevel")
    capability_model = apps.get_model("access", "Capability")
    permission_model = apps.get_model("access", "RoleCapability")

    system, created = context_model.objects.get_or_create(
        contextlevel=SYSTEM,
        instanceid=0,
        defaults={"depth": 1, "path": "", "parent": None},
    )
    if created or system.path != f"/{system.pk}":
        system.path = f"/{system.pk}"
        system.depth = 1
        system.save(update_fields=["path", "depth"])

    roles = {}
    for shortname, (name, description, archetype, order, levels) in ROLES.items():
        role, created = role_model.objects.get_or_create(
            shortname=shortname,
            defaults={
                "name": name,
                "description": description,
                "archetype": archetype,
                "sortorder": order,
            },
        )
        roles[shortname] = role
        if created:
            for level in levels:
                level_model.objects.get_or_create(role=role, contextlevel=level)

    for name, (captype, level, risks, allowed) in CAPABILITIES.items():
        capability, created = capability_model.objects.update_or_create(
            name=name,
            defaults={"captype": captype, "contextlevel": level, "riskbitmask": risks},
        )
        if not created:
            continue
        for shortname in allowed:
            permission_model.objects.get_or_create(
                context=system,
                role=roles[shortname],
                capability=capability,
                defaults={"permission": ALLOW},
            )


#: Roles that earlier Foresight versions allowed `course:view` at system level.
COURSE_VIEW_FORMERLY_ALLOWED = ("editingteacher", "teacher")


def _course_view(apps: Any, *, create: bool) -> tuple[Any, Any]:
    """The system context and the `course:view` capability (None when missing)."""
    system = (
        apps.get_model("access", "Context")
        .objects.filter(contextlevel=SYSTEM, instanceid=0)
        .first()
    )
    capability_model = apps.get_model("access", "Capability")
    capability = capability_model.objects.filter(name="course:view").first()
    if capability is None and create and system is not None:
        captype, level, risks, _allowed = CAPABILITIES["course:view"]
        capability = capability_model.objects.create(
            name="course:view", captype=captype, contextlevel=level, riskbitmask=risks
        )
    return system, capability


def course_view_managers_only(apps: Any) -> None:
    """Give `course:view` to managers only at system level, as Moodle does.

    Earlier versions also allowed it to both teacher roles, which would let a
    teacher with a suspended or ended enrolment into the course. Only those
    system-level ALLOW rows go; overrides in categories and courses stay, so an
    admin who wants a role in without enrolment can still say so there. The
    manager's ALLOW is created when the manager has no system-level row at all.
    The capability is created if missing; roles an admin deleted are not brought
    back.
    """
    system, capability = _course_view(apps, create=True)
    if system is None or capability is None:
        return
    permission_model = apps.get_model("access", "RoleCapability")
    rows = permission_model.objects.filter(
        context=system, capability__name="course:view"
    )
    rows.filter(
        role__shortname__in=COURSE_VIEW_FORMERLY_ALLOWED, permission=ALLOW
    ).delete()
    manager = apps.get_model("access", "Role").objects.filter(shortname="manager")
    if manager.exists() and not rows.filter(role__shortname="manager").exists():
        permission_model.objects.create(
            context=system, role=manager.get(), capability=capability, permission=ALLOW
        )


def course_view_teachers_again(apps: Any) -> None:
    """Undo `course_view_managers_only`: the teacher roles' earlier ALLOW rows."""
    system, capability = _course_view(apps, create=False)
    if system is None or capability is None:
        return
    permission_model = apps.get_model("access", "RoleCapability")
    for role in apps.get_model("access", "Role").objects.filter(
        shortname__in=COURSE_VIEW_FORMERLY_ALLOWED
    ):
        permission_model.objects.get_or_create(
            context=system,
            role=role,
            capability=capability,
            defaults={"permission": ALLOW},
        )
