"""`manage.py rollup_log`: bring the activity rollups up to date, or rebuild them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from logstore.models import (
    ActivityRollup,
    EventKind,
    LegacyLogEntry,
    StandardLogEntry,
)
from logstore.readers import READERS
from logstore.services.rollup import rollup_rebuild, rollup_refresh, tables_analyze

MODELS = {"standard": StandardLogEntry, "legacy": LegacyLogEntry}


class Command(BaseCommand):
    help = _(
        "Bring the daily activity rollups of the log stores up to date with the log "
        "(only the days with new rows), or rebuild them from the whole log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help=_("Aggregate the whole log again instead of only the new rows."),
        )
        parser.add_argument(
            "--store",
            choices=sorted(READERS),
            action="append",
            help=_("Log store to roll up (repeatable; both by default)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stores = options["store"] or sorted(READERS)
        for store in stores:
            started = time.perf_counter()
            if options["rebuild"]:
                rollup_rebuild(store=store)
            else:
                rollup_refresh(store=store)
            tables_analyze(models_=[MODELS[store], ActivityRollup, EventKind])
            self.stdout.write(
                _("%(store)s log: rollup up to date (%(seconds).1f s).")
                % {"store": store, "seconds": time.perf_counter() - started}
            )
