"""`manage.py demo_admin`: create or reset the demo's `admin` account and print its login.

Each run sets a fresh random password, so a demo never runs with a known one. The
account is a superuser and also holds the manager role at system level: superusers
pass every check but receive insights only through a role (as in Moodle).

It also gives fresh passwords to a manager (`manager`, site-level manager role, not
staff: the analytics models page) and to a teacher of the generated site who has
insights to look at, and prints those logins first, as a teacher and a manager
would try the site. The admin's line stays last ("Login: admin / <password>").
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from access.models import Role
from access.services import context_system, role_assign


class Command(BaseCommand):
    help = "Create or reset the superuser 'admin' with a new random password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        username = options["username"]
        password = secrets.token_urlsafe(12)
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first() or user_model(
            username=username, email=f"{username}@example.org"
        )
        user.is_active = user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        manager = Role.objects.filter(shortname="manager").first()
        if manager is not None:
            role_assign(user=user, role=manager, context=context_system())
        for line in _people_logins():
            self.stdout.write(line)
        self.stdout.write(f"Login: {username} / {password}")


def _people_logins() -> list[str]:
    """Fresh logins for a manager and a teacher, as lines to print."""
    from access.models import RoleAssignment
    from insights.models import Notification

    user_model = get_user_model()
    lines = []
    manager_role = Role.objects.filter(shortname="manager").first()
    if manager_role is not None:
        manager = user_model.objects.filter(username="manager").first() or user_model(
            username="manager", email="manager@example.org", first_name="Maria"
        )
        password = secrets.token_urlsafe(12)
        manager.is_active = True
        manager.set_password(password)
        manager.save()
        role_assign(user=manager, role=manager_role, context=context_system())
        lines.append(f"Manager (analytics models): manager, password {password}")
    teacher_ids = RoleAssignment.objects.filter(
        role__archetype="editingteacher"
    ).values_list("user_id", flat=True)
    notified = (
        Notification.objects.filter(user_id__in=teacher_ids)
        .values_list("user_id", flat=True)
        .first()
    )
    teacher = user_model.objects.filter(pk=notified).first() if notified else None
    teacher = teacher or user_model.objects.filter(pk__in=teacher_ids).first()
    if teacher is not None:
        password = secrets.token_urlsafe(12)
        teacher.is_active = True
        teacher.set_password(password)
        teacher.save()
        lines.append(
            f"Teacher (insights): {teacher.get_username()}, password {password}"
        )
    return lines
