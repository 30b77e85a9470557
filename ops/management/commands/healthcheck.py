"""`manage.py healthcheck`: the checks of /healthz, for containers without a web
server (the Celery worker and beat). Prints the JSON; exit 0 when healthy, 1 not."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.health import health_report


class Command(BaseCommand):
    help = (
        "Check the database, the broker, the models output directory and the ML "
        "backend server when it is in use; exit 1 when one of them is down."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        healthy, body = health_report()
        self.stdout.write(json.dumps(body))
        if not healthy:
            down = [name for name, check in body["checks"].items() if not check["ok"]]
            raise CommandError(f"Unhealthy: {', '.join(down)}.")
