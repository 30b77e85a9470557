"""Contexts kept in step with objects; role assignments and overrides validated."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.models import (
    Capability,
    Context,
    ContextLevel,
    Permission,
    Role,
    RoleAssignment,
    RoleCapability,
)
from access.selectors import context_of, users_with_capability
from access.services import (
    capability_override,
    context_ensure,
    context_system,
    contexts_bulk_ensure,
    role_assign,
    role_unassign,
)
from lms.models import Activity, Category, Course
from tests.factories import (
    ActivityFactory,
    CategoryFactory,
    CourseFactory,
    RoleAssignmentFactory,
    UserFactory,
)


def role(shortname: str) -> Role:
    return Role.objects.get(shortname=shortname)


def assert_path_consistent(context: Context) -> None:
    context.refresh_from_db()
    parent = context.parent
    assert context.path == f"{parent.path}/{context.pk}"
    assert context.depth == parent.depth + 1


# Contexts ------------------------------------------------------------------------


def test_system_context_exists_after_migrate(db):
    system = Context.objects.get(contextlevel=ContextLevel.SYSTEM, instanceid=0)
    assert system.path == f"/{system.pk}"
    assert system.depth == 1
    assert system.parent is None
    assert context_system() == system


def test_saving_objects_creates_their_contexts_in_the_tree(db):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    course = CourseFactory(category=child)
    activity = ActivityFactory(course=course)
    user = UserFactory()
    system = context_system()
    assert context_of(parent).parent == system
    assert context_of(child).parent == context_of(parent)
    assert context_of(course).parent == context_of(child)
    assert context_of(activity).parent == context_of(course)
    assert context_of(user).parent == system
    assert context_of(activity).depth == 5
    assert context_of(activity).path_ids() == [
        context_of(activity).pk,
        context_of(course).pk,
        context_of(child).pk,
        context_of(parent).pk,
        system.pk,
    ]
    for obj in (parent, child, course, activity, user):
        assert_path_consistent(context_of(obj))


def test_moving_a_course_moves_its_context_and_its_activities(db):
    old, new_parent = CategoryFactory(), CategoryFactory()
    new = CategoryFactory(parent=new_parent)
    course = CourseFactory(category=old)
    activities = ActivityFactory.create_batch(3, course=course)
    manager_old, manager_new = UserFactory(), UserFactory()
    RoleAssignmentFactory(user=manager_old, role="manager", context=old)
    RoleAssignmentFactory(user=manager_new, role="manager", context=new)

    course.category = new
    course.save()

    course_context = context_of(course)
    assert course_context.parent == context_of(new)
    assert course_context.path.startswith(context_of(new).path + "/")
    assert course_context.depth == 4
    for activity in activities:
        assert_path_consistent(context_of(activity))
        assert context_of(activity).depth == 5
    holders = set(users_with_capability("analytics:listinsights", activities[0]))
    assert manager_new in holders
    assert manager_old not in holders


def test_moving_a_category_moves_everything_below_it(db):
    top, other = CategoryFactory(), CategoryFactory()
    middle = CategoryFactory(parent=top)
    course = CourseFactory(category=middle)
    activity = ActivityFactory(course=course)
    middle.parent = other
    middle.save()
    for obj in (middle, course, activity):
        assert_path_consistent(context_of(obj))
    assert context_of(activity).path.startswith(context_of(other).path + "/")
    middle.parent = None
    middle.save()
    assert context_of(middle).parent == context_system()
    assert context_of(activity).depth == 4


def test_a_context_cannot_move_inside_itself(db):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    with pytest.raises(ValidationError):
        context_ensure(
            level=ContextLevel.CATEGORY,
            instance_id=parent.pk,
            parent=context_of(child),
        )


def test_deleting_objects_deletes_their_contexts_and_assignments(db):
    course = CourseFactory()
    activity = ActivityFactory(course=course)
    user = UserFactory()
    RoleAssignmentFactory(user=user, role="teacher", context=course)
    ids = [context_of(course).pk, context_of(activity).pk]
    user_context = context_of(user).pk
    course.delete()
    assert not Context.objects.filter(pk__in=ids).exists()
    assert not RoleAssignment.objects.filter(user=user).exists()
    user.delete()
    assert not Context.objects.filter(pk=user_context).exists()


def test_context_of_accepts_the_documented_protocols(db):
    course = CourseFactory()
    context = context_of(course)

    class Insight:
        def __init__(self, context):
            self.context = context

    class Custom:
        def get_context(self):
            return context

    assert context_of(context) == context
    assert context_of(Insight(context)) == context
    assert context_of(Custom()) == context
    assert context_of(object()) is None
    assert context_of(None) is None
    assert context_of(Course(shortname="unsaved")) is None


def test_context_of_creates_a_context_missing_after_a_bulk_insert(db):
    category = CategoryFactory()
    course = Course.objects.bulk_create(
        [Course(category=category, shortname="BULK", fullname="Bulk")]
    )[0]
    assert not Context.objects.for_instance(ContextLevel.COURSE, course.pk).exists()
    context = context_of(course)
    assert context.parent == context_of(category)
    assert_path_consistent(context)


def _bulk_site(categories: int, courses_per: int, activities_per: int):
    top = Category.objects.bulk_create(
        [Category(name=f"Top {i}") for i in range(categories)]
    )
    subs = Category.objects.bulk_create(
        [Category(name=f"Sub {c.pk}", parent=c) for c in top]
    )
    courses = Course.objects.bulk_create(
        [
            Course(category=sub, shortname=f"B{sub.pk}-{i}", fullname="Bulk course")
            for sub in subs
            for i in range(courses_per)
        ]
    )
    activities = Activity.objects.bulk_create(
        [
            Activity(course=course, modname="page", name=f"Page {i}")
            for course in courses
            for i in range(activities_per)
        ]
    )
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"bulk{categories}-{i}")
            for i in range(len(courses))
        ]
    )
    return top + subs, courses, activities, users


def test_contexts_bulk_ensure_builds_the_same_tree_as_one_by_one_saves(db):
    categories, courses, activities, users = _bulk_site(3, 4, 2)
    created = contexts_bulk_ensure(
        categories=reversed(categories),  # children before parents on purpose
        courses=courses,
        activities=activities,
        users=users,
    )
    assert created == len(categories) + len(courses) + len(activities) + len(users)
    for obj in [*categories, *courses, *activities, *users]:
        context = Context.objects.get(
            contextlevel=context_of(obj).contextlevel, instanceid=obj.pk
        )
        assert_path_consistent(context)
    activity = activities[0]
    assert context_of(activity).parent == context_of(activity.course)
    assert context_of(activity).depth == 5
    assert context_of(courses[0]).parent == context_of(courses[0].category)
    assert (
        contexts_bulk_ensure(
            categories=categories, courses=courses, activities=activities, users=users
        )
        == 0
    )


def test_contexts_bulk_ensure_costs_the_same_queries_for_more_objects(db):
    def cost(size: int) -> int:
        categories, courses, activities, users = _bulk_site(size, size, 3)
        with CaptureQueriesContext(connection) as captured:
            contexts_bulk_ensure(
                categories=categories,
                courses=courses,
                activities=activities,
                users=users,
            )
        return len(captured.captured_queries)

    # Within one INSERT batch (SQLite caps parameters per statement) the cost is
    # fixed; beyond it, one more INSERT per batch.
    small, large = cost(2), cost(6)
    assert small == large
    assert large <= 25


def test_contexts_bulk_ensure_refuses_objects_whose_parent_has_no_context(db):
    category = Category.objects.bulk_create([Category(name="No context")])[0]
    course = Course.objects.bulk_create(
        [Course(category=category, shortname="ORPHAN", fullname="Orphan")]
    )[0]
    before = Context.objects.count()
    with pytest.raises(ValidationError, match="Missing parent contexts"):
        contexts_bulk_ensure(courses=[course])
    assert Context.objects.count() == before


# Role assignments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shortname", "where"),
    [
        ("student", "system"),
        ("editingteacher", "category"),
        ("manager", "activity"),
        ("coursecreator", "course"),
        ("guest", "course"),
        ("user", "system"),
    ],
)
def test_role_assigned_where_it_does_not_apply_is_refused(db, shortname, where):
    course = CourseFactory()
    places = {
        "system": context_system(),
        "category": context_of(course.category),
        "course": context_of(course),
        "activity": context_of(ActivityFactory(course=course)),
    }
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        role_assign(user=user, role=role(shortname), context=places[where])
    assert "cannot be assigned" in str(error.value)
    assert not RoleAssignment.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("shortname", "where"),
    [
        ("manager", "system"),
        ("manager", "category"),
        ("coursecreator", "category"),
        ("editingteacher", "course"),
        ("student", "activity"),
    ],
)
def test_role_assigned_where_it_applies_is_saved_once(db, shortname, where):
    course = CourseFactory()
    places = {
        "system": context_system(),
        "category": context_of(course.category),
        "course": context_of(course),
        "activity": context_of(ActivityFactory(course=course)),
    }
    user = UserFactory()
    first = role_assign(user=user, role=role(shortname), context=places[where])
    again = role_assign(user=user, role=role(shortname), context=places[where].pk)
    assert first.pk == again.pk
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert role_unassign(user=user, role=role(shortname), context=places[where]) == 1
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_role_assignment_in_a_missing_context_is_refused(db):
    user = UserFactory()
    with pytest.raises(ValidationError, match="does not exist"):
        role_assign(user=user, role=role("student"), context=987654)
    assert not RoleAssignment.objects.filter(user=user).exists()


# Capability overrides ------------------------------------------------------------


def test_override_on_a_missing_context_is_refused(db):
    course = CourseFactory()
    gone = context_of(course)
    course.delete()
    before = RoleCapability.objects.count()
    for context in (gone, 987654):
        with pytest.raises(ValidationError, match="does not exist"):
            capability_override(
                role=role("teacher"),
                capability="analytics:listinsights",
                context=context,
                permission=Permission.PREVENT,
            )
    assert RoleCapability.objects.count() == before


@pytest.mark.parametrize(
    ("capability", "where", "permission", "message"),
    [
        ("analytics:listinsights", "activity", Permission.PREVENT, "cannot be over"),
        ("analytics:managemodels", "course", Permission.PREVENT, "cannot be over"),
        ("analytics:listowninsights", "user", Permission.ALLOW, "cannot be over"),
        ("analytics:nosuchthing", "course", Permission.ALLOW, "does not exist"),
        ("analytics:listinsights", "course", 7, "not a permission"),
    ],
)
def test_bad_overrides_are_refused(db, capability, where, permission, message):
    course = CourseFactory()
    places = {
        "course": context_of(course),
        "activity": context_of(ActivityFactory(course=course)),
        "user": context_of(UserFactory()),
    }
    before = RoleCapability.objects.count()
    with pytest.raises(ValidationError, match=message):
        capability_override(
            role=role("teacher"),
            capability=capability,
            context=places[where],
            permission=permission,
        )
    assert RoleCapability.objects.count() == before


def test_override_updates_in_place_and_inherit_removes_it(db):
    course = CourseFactory()
    context = context_of(course)
    capability = Capability.objects.get(name="analytics:listinsights")
    row = capability_override(
        role=role("teacher"),
        capability=capability,
        context=context,
        permission=Permission.PREVENT,
    )
    same = capability_override(
        role=role("teacher"),
        capability=capability,
        context=context,
        permission=Permission.PROHIBIT,
    )
    assert same.pk == row.pk
    assert same.permission == Permission.PROHIBIT
    assert (
        capability_override(
            role=role("teacher"),
            capability=capability,
            context=context,
            permission=Permission.INHERIT,
        )
        is None
    )
    assert not RoleCapability.objects.filter(context=context).exists()
