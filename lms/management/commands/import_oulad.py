"""manage.py import_oulad DIR: OULAD module presentations as courses (see lms.importers.oulad)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError
from lms.importers.limits import FIRST_YEAR, LAST_YEAR
from lms.importers.oulad import oulad_import
from lms.importers.people import ImportSetupError


def _date(value: str | None) -> dt.date | None:
    """The --start-date; checked in handle(), where a CommandError is a message."""
    if value is None:
        return None
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--start-date %(value)r is not a date like 2013-10-05.")
            % {"value": value}
        ) from None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise CommandError(
            _("--start-date %(value)s is not between %(first)d and %(last)d.")
            % {"value": value, "first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return date


class Command(BaseCommand):
    help = _(
        "Import the Open University Learning Analytics Dataset from a directory of its "
        "CSV files (plain or .gz): one course per module presentation, with students, "
        "enrolments, activities, clicks as log events, grades and final results."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--presentation",
            action="append",
            dest="presentations",
            metavar="MODULE-PRESENTATION",
            help=_("Import only this presentation, e.g. AAA-2013J (repeatable)."),
        )
        parser.add_argument(
            "--start-date",
            help=_(
                "Date of day 0 for every imported presentation (default: 1 October "
                "of the year for J presentations, 1 February for B)."
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Skip presentations whose course exists instead of failing."),
        )

    def handle(self, *args, **options):
        try:
            result = oulad_import(
                directory=options["directory"],
                presentations=options["presentations"],
                start_date=_date(options["start_date"]),
                if_empty=options["if_empty"],
            )
        except (ImportFileError, ImportSetupError) as error:
            raise CommandError(str(error)) from None
        for p in result.presentations:
            if p.skipped:
                self.stdout.write(
                    _("%(key)s: the course exists, skipped.") % {"key": p.key}
                )
                continue
            self.stdout.write(
                _(
                    "%(key)s: %(students)d students (%(withdrawn)d withdrawn), "
                    "%(activities)d activities, %(events)d click events, %(grades)d "
                    "assessment grades, %(completions)d completions, %(finals)d final "
                    "grades; %(seconds).1f s."
                )
                % {
                    "key": p.key,
                    "students": p.students,
                    "withdrawn": p.withdrawn,
                    "activities": p.activities,
                    "events": p.events,
                    "grades": p.grades,
                    "completions": p.completions,
                    "finals": p.course_grades,
                    "seconds": p.seconds,
                }
            )
            if p.no_clicks_in_file:
                self.stderr.write(
                    _(
                        "%(key)s: studentVle has no clicks for this presentation, so "
                        "its course has no activity log; check that the file is the "
                        "whole table."
                    )
                    % {"key": p.key}
                )
        self.stdout.write(_("Done in %(seconds).1f s.") % {"seconds": result.seconds})
