"""`manage.py demo_admin`: create or reset the demo's `admin` account and print its login.

Each run sets a fresh random password, so a demo never runs with a known one. The
account is a superuser and also holds the manager role at system level: superusers
pass every check but receive insights only through a role (as in Moodle).
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
        self.stdout.write(f"Login: {username} / {password}")
