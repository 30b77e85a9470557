"""manage.py import_grades FILE --course SHORTNAME: a Moodle gradebook export in."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.importers.errors import ImportFileError
from lms.importers.grades import grades_import
from lms.importers.people import ImportSetupError


class Command(BaseCommand):
    help = _(
        "Import activity grades and final course grades of one course from Moodle's "
        "gradebook export (CSV, Excel or OpenDocument). Re-importing updates grades."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--course", required=True, help=_("Short name of the course.")
        )
        parser.add_argument(
            "--encoding",
            help=_("Text encoding; detected (UTF-8 or Latin-1) when not given."),
        )

    def handle(self, *args, **options):
        try:
            result = grades_import(
                path=options["file"],
                course_shortname=options["course"],
                encoding=options["encoding"],
            )
        except (ImportFileError, ImportSetupError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _(
                "%(path)s: %(rows)d people; %(activity)d activity grades and %(course)d "
                "final grades; %(users)d users and %(activities)d activities created, "
                "%(enrolments)d enrolments. Items: %(items)s."
            )
            % {
                "path": result.path,
                "rows": result.rows,
                "activity": result.activity_grades,
                "course": result.course_grades,
                "users": result.users_created,
                "activities": result.activities_created,
                "enrolments": result.enrolments_created,
                "items": ", ".join(result.items),
            }
        )
