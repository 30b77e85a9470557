"""factory_boy factories for the learning site and its permissions.

Every factory saves through the ORM one row at a time, so lms/signals.py gives each
category, course, activity and user its context, as on a real site. Role assignments
go through `access.services.role_assign`, so a role given in a context where it does
not apply fails here exactly as it would in the admin.

    teacher = UserFactory()
    course = CourseFactory()
    RoleAssignmentFactory(user=teacher, role="editingteacher", context=course)
"""

from __future__ import annotations

import datetime as dt
import functools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from access.models import Role, RoleAssignment
from lms.models import Activity, Category, Course, Enrolment

DEFAULT_PASSWORD = "correct-horse-battery-staple"


@functools.cache
def _password_hash(raw_password: str) -> str:
    # Hashing takes a good fraction of a second by design; tests create many users.
    return make_password(raw_password)


class UserFactory(factory.django.DjangoModelFactory):
    """An active user whose password is DEFAULT_PASSWORD (pass `password=` to change)."""

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    is_active = True
    password = DEFAULT_PASSWORD

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs["password"] = _password_hash(kwargs["password"])
        return super()._create(model_class, *args, **kwargs)


class CategoryFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Category {n}")
    parent = None

    class Meta:
        model = Category


class CourseFactory(factory.django.DjangoModelFactory):
    """A course that started 30 days ago and ends in 60 days (a running course)."""

    category = factory.SubFactory(CategoryFactory)
    shortname = factory.Sequence(lambda n: f"C{n}")
    fullname = factory.LazyAttribute(lambda course: f"Course {course.shortname}")
    startdate = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    enddate = factory.LazyAttribute(lambda course: course.startdate + dt.timedelta(90))
    visible = True

    class Meta:
        model = Course

    class Params:
        finished = factory.Trait(
            startdate=factory.LazyFunction(
                lambda: timezone.now() - dt.timedelta(days=120)
            ),
            enddate=factory.LazyFunction(
                lambda: timezone.now() - dt.timedelta(days=10)
            ),
        )


class ActivityFactory(factory.django.DjangoModelFactory):
    course = factory.SubFactory(CourseFactory)
    modname = Activity.Type.ASSIGN
    name = factory.Sequence(lambda n: f"Activity {n}")
    section = 1
    duedate = None

    class Meta:
        model = Activity


class EnrolmentFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    status = Enrolment.Status.ACTIVE
    timestart = factory.LazyAttribute(lambda enrolment: enrolment.course.startdate)

    class Meta:
        model = Enrolment


def _default_role(shortname: str) -> Role:
    """A default role, reinstalled first if a transactional test's flush took them.

    A flush after a serialized-rollback test leaves every table empty and emits no
    post_migrate, so the next transactional test may start without roles.
    """
    from django.apps import apps

    from access.defaults import defaults_install

    defaults_install(apps)
    return Role.objects.get(shortname=shortname)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    """A role assignment made through `access.services.role_assign`.

    `role` may be a Role or a role short name ("student", "editingteacher", ...);
    `context` may be a Context or anything `access.selectors.context_of` accepts (a course, a
    category, an activity, a user). By default: a student in a new course.
    """

    user = factory.SubFactory(UserFactory)
    role = "student"
    context = factory.SubFactory(CourseFactory)

    class Meta:
        model = RoleAssignment

    @classmethod
    def _create(cls, model_class, *args, user, role, context, **kwargs):
        from access.selectors import context_of
        from access.services import role_assign

        if isinstance(role, str):
            role = Role.objects.filter(shortname=role).first() or _default_role(role)
        return role_assign(user=user, role=role, context=context_of(context))

    @classmethod
    def _build(cls, model_class, **kwargs):
        raise NotImplementedError("Role assignments are only created, not built.")
