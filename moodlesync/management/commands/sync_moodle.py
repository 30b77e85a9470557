"""manage.py sync_moodle [--full] [--dry-run] [--only users,courses,...]"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from moodlesync.services import PARTS, SyncRefused, moodle_sync


class Command(BaseCommand):
    help = (
        "Sync the Moodle site named by MOODLE_DATABASE_URL into Foresight "
        "(read-only on Moodle). Parts: " + ", ".join(PARTS) + "."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Read the whole log again (rows already here are kept, not doubled).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and check everything, write nothing.",
        )
        parser.add_argument(
            "--only", default="", help="Comma-separated parts to sync, e.g. users,log."
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON report.")

    def handle(self, *args, **options) -> None:
        try:
            report = moodle_sync(
                full=options["full"],
                dry_run=options["dry_run"],
                only=options["only"] or None,
            )
        except SyncRefused as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": report.ok,
                        "dry_run": report.dry_run,
                        "parts": {
                            p.part: {
                                "counts": p.counts,
                                "refused": p.refused,
                                "messages": p.messages,
                            }
                            for p in report.parts
                        },
                    },
                    indent=1,
                )
            )
        else:
            site = report.site
            self.stdout.write(
                f"Moodle {site.get('release', '?')} ({site.get('siteidentifier', '')})"
                + (" - dry run, nothing written" if report.dry_run else "")
            )
            for part in report.parts:
                if part.refused:
                    self.stdout.write(
                        self.style.ERROR(f"{part.part}: refused: {part.refused}")
                    )
                    continue
                counts = ", ".join(f"{k} {v}" for k, v in part.counts.items())
                self.stdout.write(f"{part.part}: {counts}")
                for message in part.messages:
                    self.stdout.write(self.style.WARNING(f"  {message}"))
        if not report.ok:
            raise CommandError("Some parts were refused; see above.")
