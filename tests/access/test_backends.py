"""The backend answers capability checks and leaves Django permissions alone."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission

from access.backends import capability_name
from access.selectors import context_of
from access.services import context_system
from tests.factories import ActivityFactory, UserFactory


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_strings_that_are_not_capabilities_are_denied(teacher, course):
    user = fresh(teacher)
    assert user.has_perm("analytics:nosuchcapability", course) is False
    assert user.has_perm("lms.view_course", course) is False
    assert user.has_perm("lms.view_course") is False


def test_django_model_permissions_keep_working(course):
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.get(codename="view_course", content_type__app_label="lms")
    )
    assert fresh(user).has_perm("lms.view_course") is True
    assert fresh(user).has_perm("analytics:listinsights", course) is False


def test_dotted_spelling_of_a_capability_is_accepted(teacher, course, manager):
    assert capability_name("analytics.listinsights") == "analytics:listinsights"
    assert capability_name("lms.view_course") == "lms.view_course"
    assert fresh(teacher).has_perm("analytics.listinsights", course) is True
    assert fresh(manager).has_perm("analytics.managemodels") is True


def test_without_an_object_the_check_is_made_at_system_level(teacher, manager):
    assert fresh(manager).has_perm("analytics:managemodels") is True
    assert fresh(teacher).has_perm("analytics:listinsights") is False
    assert fresh(teacher).has_perm("analytics:listowninsights") is True


def test_objects_without_a_context_are_denied(teacher):
    assert fresh(teacher).has_perm("analytics:listinsights", object()) is False


def test_anonymous_users_hold_nothing(course):
    assert AnonymousUser().has_perm("analytics:listinsights", course) is False
    assert AnonymousUser().has_perm("analytics:listowninsights") is False


def test_every_kind_of_object_is_checked_in_its_context(teacher, course, category):
    activity = ActivityFactory(course=course)
    user = fresh(teacher)
    assert user.has_perm("analytics:listinsights", activity) is True
    assert user.has_perm("analytics:listinsights", context_of(course)) is True
    assert user.has_perm("analytics:listinsights", category) is False
    assert user.has_perm("analytics:listinsights", context_system()) is False
    assert user.has_perm("analytics:listowninsights", user) is True


def test_superuser_passes_every_check_inside_django(superuser, course):
    user = fresh(superuser)
    assert user.has_perm("analytics:listinsights", course) is True
    assert user.has_perm("analytics:anything") is True
    assert user.has_perms(["analytics:managemodels", "lms.view_course"]) is True
