"""Shared fixtures and the personas every app uses (course, teacher, manager, ...)."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.fixtures.browser", "tests.fixtures.mail"]


def service_required() -> bool:
    """In CI a missing service is a failure, never a skip."""
    return (
        os.environ.get("FORESIGHT_REQUIRE_SERVICES") == "1"
        or os.environ.get("CI") == "true"
    )


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    """Each test writes run-time files (trained models, broker queue) under tmp_path."""
    settings.FORESIGHT_DATA_DIR = tmp_path / "data"
    settings.FORESIGHT_DATA_DIR.mkdir()


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in English: a request in Spanish must not leak into the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


# Personas shared by every app's tests. A course in a category, a teacher (editing
# teacher, enrolled), a non-editing teacher, a student, a manager (system level), an
# outsider (active, no role) and a superuser without any role.


@pytest.fixture
def category(db):
    from tests.factories import CategoryFactory

    return CategoryFactory(name="Science")


@pytest.fixture
def course(category):
    from tests.factories import CourseFactory

    return CourseFactory(category=category, shortname="BIO101", fullname="Biology")


@pytest.fixture
def teacher(course):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username="teacher", first_name="Tess")
    EnrolmentFactory(user=user, course=course)
    RoleAssignmentFactory(user=user, role="editingteacher", context=course)
    return user


@pytest.fixture
def noneditingteacher(course):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username="assistant", first_name="Nora")
    EnrolmentFactory(user=user, course=course)
    RoleAssignmentFactory(user=user, role="teacher", context=course)
    return user


@pytest.fixture
def student(course):
    from tests.factories import EnrolmentFactory, RoleAssignmentFactory, UserFactory

    user = UserFactory(username="student", first_name="Sam")
    EnrolmentFactory(user=user, course=course)
    RoleAssignmentFactory(user=user, role="student", context=course)
    return user


@pytest.fixture
def manager(db):
    from access.services import context_system
    from tests.factories import RoleAssignmentFactory, UserFactory

    user = UserFactory(username="manager", first_name="Maya")
    RoleAssignmentFactory(user=user, role="manager", context=context_system())
    return user


@pytest.fixture
def outsider(db):
    from tests.factories import UserFactory

    return UserFactory(username="outsider", first_name="Otto")


@pytest.fixture
def superuser(db):
    from tests.factories import DEFAULT_PASSWORD, UserFactory

    return UserFactory(
        username="admin",
        is_staff=True,
        is_superuser=True,
        password=DEFAULT_PASSWORD,
    )
