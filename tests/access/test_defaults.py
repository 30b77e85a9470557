"""The data migration installs Moodle's default roles and capabilities, idempotently."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command

from access.defaults import CAPABILITIES, ROLES, defaults_install
from access.models import (
    Capability,
    Context,
    ContextLevel,
    Permission,
    Role,
    RoleCapability,
    RoleContextLevel,
)
from access.services import context_system


def _snapshot() -> tuple:
    return (
        sorted(Role.objects.values_list("shortname", "sortorder")),
        sorted(RoleContextLevel.objects.values_list("role__shortname", "contextlevel")),
        sorted(Capability.objects.values_list("name", "contextlevel")),
        sorted(
            RoleCapability.objects.values_list(
                "role__shortname", "capability__name", "context_id", "permission"
            )
        ),
        Context.objects.filter(contextlevel=ContextLevel.SYSTEM).count(),
    )


@pytest.mark.parametrize(
    ("shortname", "levels"),
    [
        ("manager", {10, 40, 50}),
        ("coursecreator", {10, 40}),
        ("editingteacher", {50, 70}),
        ("teacher", {50, 70}),
        ("student", {50, 70}),
        ("guest", set()),
        ("user", set()),
        ("frontpage", set()),
    ],
)
def test_roles_are_assignable_where_moodle_assigns_them(db, shortname, levels):
    role = Role.objects.get(shortname=shortname)
    assert set(role.context_levels.values_list("contextlevel", flat=True)) == levels


@pytest.mark.parametrize(
    ("capability", "level", "roles"),
    [
        ("analytics:listinsights", 50, {"manager", "editingteacher", "teacher"}),
        ("analytics:managemodels", 10, {"manager"}),
        ("analytics:listowninsights", 10, {"user"}),
        ("course:view", 50, {"manager"}),
    ],
)
def test_capabilities_are_allowed_at_system_level_as_in_moodle(
    db, capability, level, roles
):
    assert Capability.objects.get(name=capability).contextlevel == level
    allowed = set(
        RoleCapability.objects.filter(
            capability__name=capability,
            context=context_system(),
            permission=Permission.ALLOW,
        ).values_list("role__shortname", flat=True)
    )
    assert allowed == roles


def test_install_again_changes_nothing_and_keeps_admin_edits(db):
    row = RoleCapability.objects.get(
        role__shortname="teacher", capability__name="analytics:listinsights"
    )
    row.permission = Permission.PREVENT
    row.save()
    Role.objects.filter(shortname="student").update(name="Learner")
    before = _snapshot()
    defaults_install(apps)
    defaults_install(apps)
    assert _snapshot() == before
    assert Role.objects.get(shortname="student").name == "Learner"
    assert len(before[0]) == len(ROLES)
    assert len(before[2]) == len(CAPABILITIES)


def test_defaults_come_back_after_a_flush(db):
    """Transactional tests flush every table; the next test still needs the roles.

    The flush runs inside this test's transaction, so the rollback afterwards
    restores the database for the tests that follow.
    """
    call_command("flush", interactive=False, verbosity=0)
    assert Role.objects.filter(shortname="editingteacher").exists()
    assert (
        RoleCapability.objects.filter(capability__name="analytics:listinsights").count()
        == 3
    )
    system = context_system()
    assert system.path == f"/{system.pk}"


def test_role_assignment_factory_reinstalls_roles_an_emptied_database_lacks(db):
    from tests.factories import RoleAssignmentFactory

    Role.objects.all().delete()
    Capability.objects.all().delete()
    assignment = RoleAssignmentFactory(role="editingteacher")
    assert assignment.role.shortname == "editingteacher"
    assert Role.objects.count() == len(ROLES)
    assert assignment.user.has_perm("analytics:listinsights", assignment.context)


def _course_view_allowed() -> set[str]:
    return set(
        RoleCapability.objects.filter(
            capability__name="course:view",
            context=context_system(),
            permission=Permission.ALLOW,
        ).values_list("role__shortname", flat=True)
    )


def test_course_view_goes_to_managers_only_on_an_upgraded_site(db, course):
    """Sites installed before kept the teachers' system-level ALLOW: it goes,
    an admin's override in a course stays, and running it again changes nothing."""
    from access.defaults import course_view_managers_only, course_view_teachers_again
    from access.selectors import context_of

    course_view_teachers_again(apps)  # the state earlier versions installed
    assert _course_view_allowed() == {"manager", "editingteacher", "teacher"}
    override = RoleCapability.objects.create(
        role=Role.objects.get(shortname="teacher"),
        capability=Capability.objects.get(name="course:view"),
        context=context_of(course),
        permission=Permission.ALLOW,
    )

    course_view_managers_only(apps)
    course_view_managers_only(apps)

    assert _course_view_allowed() == {"manager"}
    assert RoleCapability.objects.filter(pk=override.pk).exists() is True


def test_course_view_is_created_when_missing(db):
    from access.defaults import course_view_managers_only

    Capability.objects.filter(name="course:view").delete()
    course_view_managers_only(apps)
    assert (
        Capability.objects.get(name="course:view").contextlevel == ContextLevel.COURSE
    )
    assert _course_view_allowed() == {"manager"}


def test_a_managers_own_course_view_setting_is_kept(db):
    from access.defaults import course_view_managers_only

    RoleCapability.objects.filter(
        capability__name="course:view", role__shortname="manager"
    ).update(permission=Permission.PREVENT)
    course_view_managers_only(apps)
    assert _course_view_allowed() == set()
