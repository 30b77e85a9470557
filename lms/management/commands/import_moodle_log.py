"""manage.py import_moodle_log FILE --course SHORTNAME: a Moodle log download in."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError
from lms.importers.moodle_log import moodle_log_import
from lms.importers.people import ImportSetupError


class Command(BaseCommand):
    help = _(
        "Import the log of one course as downloaded from Moodle's log report (CSV, "
        "Excel, OpenDocument or JSON). Re-importing the same file adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--course", required=True, help=_("Short name of the course.")
        )
        parser.add_argument(
            "--year",
            type=int,
            help=_(
                "Year of times written without one; when not given, inferred from "
                "the order of the rows, or the import stops if they are not in time "
                "order."
            ),
        )
        parser.add_argument(
            "--timezone",
            help=_(
                "Time zone the times are written in (default: the site's TIME_ZONE)."
            ),
        )
        parser.add_argument(
            "--encoding",
            help=_("Text encoding; detected (UTF-8 or Latin-1) when not given."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Check and count, write nothing.")
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help=_(
                "Import the readable rows and list the others (default: import nothing)."
            ),
        )
        parser.add_argument(
            "--create-course",
            action="store_true",
            help=_("Create the course (dates from the log) when it does not exist."),
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = moodle_log_import(
                path=options["file"],
                course_shortname=options["course"],
                year=options["year"],
                tz_name=options["timezone"],
                encoding=options["encoding"],
                dry_run=options["dry_run"],
                skip_bad_rows=options["skip_bad_rows"],
                create_course=options["create_course"],
            )
        except (ImportFileError, ImportSetupError) as error:
            raise CommandError(str(error)) from None
        for line, reason in result.bad_rows:
            self.stderr.write(
                _("%(path)s, skipped line %(line)d: %(reason)s")
                % {"path": result.path, "line": line, "reason": reason}
            )
        span = ""
        if result.first_time is not None:
            span = " ({} - {})".format(
                *(
                    dt.datetime.fromtimestamp(t, tz=dt.UTC).strftime("%Y-%m-%d %H:%M")
                    for t in (result.first_time, result.last_time)
                )
            )
        prefix = _("Dry run, nothing written: ") if result.dry_run else ""
        self.stdout.write(
            prefix
            + _(
                "%(path)s (%(kind)s, %(encoding)s): %(rows)d rows%(span)s; %(created)d "
                "events added, %(existing)d already there, %(skipped)d bad rows skipped, "
                "%(unattributed)d without an identifiable user; %(users)d users and "
                "%(activities)d activities created, %(enrolments)d enrolments; %(seconds).1f s."
            )
            % {
                "path": result.path,
                "kind": result.kind,
                "encoding": result.encoding or "-",
                "rows": result.rows,
                "span": span,
                "created": result.events_created,
                "existing": result.events_already_there,
                "skipped": len(result.bad_rows),
                "unattributed": result.unattributed,
                "users": result.users_created,
                "activities": result.activities_created,
                "enrolments": result.enrolments_created,
                "seconds": time.monotonic() - started,
            }
        )
