"""Create a new tool key pair; older keys stay published unless --retire-old."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lti.keys import tool_key_rotate


class Command(BaseCommand):
    help = "Create a new LTI tool key (published in /lti/jwks/); prints its key id."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--retire-old",
            action="store_true",
            help="Stop publishing the older keys (platforms must refetch the keyset).",
        )

    def handle(self, *args: Any, retire_old: bool = False, **options: Any) -> None:
        key = tool_key_rotate(keep_old=not retire_old)
        self.stdout.write(f"New LTI tool key {key.kid}")
