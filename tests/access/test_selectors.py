"""Moodle's capability resolution, checked through every way of asking.

Each rule runs once per `ask` parameter: `has_perm` (the backend), the
`users_with_capability` selector and the `contexts_with_capability` selector. They
share one resolution function; these tests make sure they cannot disagree.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.models import Permission, Role
from access.selectors import (
    context_of,
    contexts_with_capability,
    users_with_capability,
)
from access.services import capability_override, context_system, role_assign
from tests.factories import (
    ActivityFactory,
    CategoryFactory,
    CourseFactory,
    RoleAssignmentFactory,
    UserFactory,
)

LIST = "analytics:listinsights"
MANAGE = "analytics:managemodels"
OWN = "analytics:listowninsights"


def _has_perm(user, capability, obj) -> bool:
    # A fresh user object: the backend caches answers for the object's lifetime.
    return get_user_model().objects.get(pk=user.pk).has_perm(capability, obj)


def _in_users_with_capability(user, capability, obj) -> bool:
    return user.pk in set(
        users_with_capability(capability, obj).values_list("pk", flat=True)
    )


def _in_contexts_with_capability(user, capability, obj) -> bool:
    context = context_of(obj)
    fresh = get_user_model().objects.get(pk=user.pk)
    return context.pk in set(
        contexts_with_capability(
            user=fresh, capability=capability, level=context.contextlevel
        ).values_list("pk", flat=True)
    )


ASKS = {
    "has_perm": _has_perm,
    "users_with_capability": _in_users_with_capability,
    "contexts_with_capability": _in_contexts_with_capability,
}


@pytest.fixture(params=list(ASKS))
def ask(request):
    return ASKS[request.param]


def role(shortname: str) -> Role:
    return Role.objects.get(shortname=shortname)


@pytest.fixture
def other_course(db):
    return CourseFactory(category=CategoryFactory(name="Arts"), shortname="ART1")


def test_default_roles_grant_listinsights_in_their_course(
    ask, course, other_course, teacher, noneditingteacher, student, outsider
):
    assert ask(teacher, LIST, course) is True
    assert ask(noneditingteacher, LIST, course) is True
    assert ask(student, LIST, course) is False
    assert ask(outsider, LIST, course) is False
    assert ask(teacher, LIST, other_course) is False


def test_system_role_is_inherited_by_every_course_and_activity(
    ask, manager, course, other_course
):
    activity = ActivityFactory(course=other_course)
    assert ask(manager, LIST, course) is True
    assert ask(manager, LIST, activity) is True
    assert ask(manager, MANAGE, context_system()) is True


def test_category_role_is_inherited_by_its_courses_only(
    ask, category, course, other_course
):
    sub_category = CategoryFactory(parent=category)
    nested_course = CourseFactory(category=sub_category)
    user = UserFactory()
    RoleAssignmentFactory(user=user, role="manager", context=category)
    assert ask(user, LIST, course) is True
    assert ask(user, LIST, nested_course) is True
    assert ask(user, LIST, other_course) is False


def test_role_in_a_child_context_does_not_grant_in_the_parent(ask, course, category):
    activity = ActivityFactory(course=course)
    user = UserFactory()
    RoleAssignmentFactory(user=user, role="teacher", context=activity)
    category_manager = UserFactory()
    RoleAssignmentFactory(user=category_manager, role="manager", context=category)
    assert ask(user, LIST, activity) is True
    assert ask(user, LIST, course) is False
    assert ask(category_manager, MANAGE, context_system()) is False


def test_prevent_override_in_a_course_removes_only_that_role_there(
    ask, course, other_course, teacher, noneditingteacher
):
    capability_override(
        role=role("teacher"),
        capability=LIST,
        context=context_of(course),
        permission=Permission.PREVENT,
    )
    elsewhere = UserFactory()
    RoleAssignmentFactory(user=elsewhere, role="teacher", context=other_course)
    assert ask(noneditingteacher, LIST, course) is False
    assert ask(teacher, LIST, course) is True
    assert ask(elsewhere, LIST, other_course) is True


def test_deepest_definition_wins(ask, category, course, student):
    # Category prevents, course allows: the course (deeper) decides.
    capability_override(
        role=role("student"),
        capability=LIST,
        context=context_of(category),
        permission=Permission.PREVENT,
    )
    assert ask(student, LIST, course) is False
    capability_override(
        role=role("student"),
        capability=LIST,
        context=context_of(course),
        permission=Permission.ALLOW,
    )
    assert ask(student, LIST, course) is True
    activity = ActivityFactory(course=course)
    capability_override(
        role=role("student"),
        capability=LIST,
        context=context_of(course),
        permission=Permission.PREVENT,
    )
    assert ask(student, LIST, activity) is False


def test_prohibit_beats_allow_of_another_role(ask, category, course, teacher):
    # The teacher also holds the student role; student is prohibited at category.
    RoleAssignmentFactory(user=teacher, role="student", context=course)
    plain_teacher = UserFactory()
    RoleAssignmentFactory(user=plain_teacher, role="editingteacher", context=course)
    capability_override(
        role=role("student"),
        capability=LIST,
        context=context_of(category),
        permission=Permission.PROHIBIT,
    )
    assert ask(teacher, LIST, course) is False
    assert ask(plain_teacher, LIST, course) is True


def test_prohibit_higher_up_cannot_be_undone_by_a_deeper_allow(
    ask, category, course, teacher
):
    capability_override(
        role=role("editingteacher"),
        capability=LIST,
        context=context_of(category),
        permission=Permission.PROHIBIT,
    )
    capability_override(
        role=role("editingteacher"),
        capability=LIST,
        context=context_of(course),
        permission=Permission.ALLOW,
    )
    assert ask(teacher, LIST, course) is False


def test_inactive_user_holds_nothing(ask, course, teacher, manager):
    get_user_model().objects.filter(pk__in=[teacher.pk, manager.pk]).update(
        is_active=False
    )
    assert ask(teacher, LIST, course) is False
    assert ask(manager, MANAGE, context_system()) is False
    assert ask(teacher, OWN, teacher) is False


def test_every_active_user_holds_listowninsights_through_the_user_role(
    ask, outsider, student
):
    assert ask(outsider, OWN, outsider) is True
    assert ask(student, OWN, student) is True
    assert ask(outsider, OWN, context_system()) is True


def test_prohibiting_the_user_role_removes_listowninsights_from_everyone(
    ask, outsider, manager
):
    capability_override(
        role=role("user"),
        capability=OWN,
        context=context_system(),
        permission=Permission.PROHIBIT,
    )
    assert ask(outsider, OWN, outsider) is False
    assert ask(manager, OWN, manager) is False


def test_removing_a_default_definition_removes_the_capability(ask, course, teacher):
    capability_override(
        role=role("editingteacher"),
        capability=LIST,
        context=context_system(),
        permission=Permission.INHERIT,
    )
    assert ask(teacher, LIST, course) is False


def test_superuser_without_role_passes_has_perm_but_is_no_recipient(superuser, course):
    assert _has_perm(superuser, LIST, course) is True
    assert _has_perm(superuser, MANAGE, course) is True
    assert _in_contexts_with_capability(superuser, LIST, course) is True
    assert _in_users_with_capability(superuser, LIST, course) is False
    assert _in_users_with_capability(superuser, OWN, superuser) is False


def test_superuser_with_a_granting_role_is_a_recipient(superuser, course):
    RoleAssignmentFactory(user=superuser, role="editingteacher", context=course)
    assert _in_users_with_capability(superuser, LIST, course) is True
    other = CourseFactory(category=course.category)
    assert _in_users_with_capability(superuser, LIST, other) is False
    # A role that does not grant the capability does not make a recipient either.
    RoleAssignmentFactory(user=superuser, role="student", context=other)
    assert _in_users_with_capability(superuser, LIST, other) is False


def test_inactive_superuser_fails_has_perm(superuser, course):
    get_user_model().objects.filter(pk=superuser.pk).update(is_active=False)
    assert _has_perm(superuser, LIST, course) is False


def test_users_with_capability_lists_exactly_the_holders(
    course, teacher, noneditingteacher, student, manager, outsider, superuser
):
    holders = set(users_with_capability(LIST, course))
    assert holders == {teacher, noneditingteacher, manager}


def test_contexts_with_capability_lists_the_teachers_courses(
    course, other_course, teacher
):
    third = CourseFactory(category=other_course.category)
    RoleAssignmentFactory(user=teacher, role="teacher", context=third)
    listed = set(contexts_with_capability(user=teacher, capability=LIST))
    assert listed == {context_of(course), context_of(third)}


def _count_queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def test_users_with_capability_costs_the_same_queries_for_more_users(course):
    def add_teachers(count: int) -> None:
        for _ in range(count):
            RoleAssignmentFactory(role="editingteacher", context=course)
            RoleAssignmentFactory(role="student", context=course)

    add_teachers(2)
    few = _count_queries(lambda: list(users_with_capability(LIST, course)))
    add_teachers(25)
    many = _count_queries(lambda: list(users_with_capability(LIST, course)))
    assert len(users_with_capability(LIST, course)) == 27
    assert few == many
    assert many <= 4


def test_contexts_with_capability_costs_the_same_queries_for_more_courses(
    category, teacher, course
):
    def add_courses(count: int) -> None:
        for _ in range(count):
            RoleAssignmentFactory(
                user=teacher, role="teacher", context=CourseFactory(category=category)
            )

    add_courses(2)
    few = _count_queries(
        lambda: list(contexts_with_capability(user=teacher, capability=LIST))
    )
    add_courses(20)
    many = _count_queries(
        lambda: list(contexts_with_capability(user=teacher, capability=LIST))
    )
    assert len(contexts_with_capability(user=teacher, capability=LIST)) == 23
    assert few == many


def test_has_perm_answers_from_cache_on_the_same_user_object(course, teacher):
    user = get_user_model().objects.get(pk=teacher.pk)
    assert user.has_perm(LIST, course) is True
    assert _count_queries(lambda: user.has_perm(LIST, course)) <= 1


def test_role_assign_through_the_service_is_seen_by_a_fresh_user(course, outsider):
    assert _has_perm(outsider, LIST, course) is False
    role_assign(user=outsider, role=role("teacher"), context=context_of(course))
    assert _has_perm(outsider, LIST, course) is True


def test_contexts_with_capability_leaves_out_a_prohibited_course(manager, category):
    courses = CourseFactory.create_batch(5, category=category)
    capability_override(
        role=role("manager"),
        capability=LIST,
        context=context_of(courses[2]),
        permission=Permission.PROHIBIT,
    )
    listed = set(contexts_with_capability(user=manager, capability=LIST))
    assert listed == {context_of(c) for c in courses if c != courses[2]}
    users = {c.pk for c in courses if manager in set(users_with_capability(LIST, c))}
    assert users == {c.pk for c in courses if c != courses[2]}
