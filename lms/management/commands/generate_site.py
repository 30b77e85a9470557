"""`manage.py generate_site`: build a believable demo or benchmark site from a seed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from lms.generator import PRESETS, site_config_build, site_generate
from lms.generator.config import LOGSTORES
from lms.models import Course


def _reference_time(value: str) -> dt.datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise CommandError(
            _(
                "--now must be an ISO date and time such as 2026-01-15T00:00Z (got %(value)r)."
            )
            % {"value": value}
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


class Command(BaseCommand):
    help = (
        "Generate categories, courses, teachers, students, activities, grades, "
        "completion and an activity log in which engagement drives outcomes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--preset",
            choices=sorted(PRESETS),
            help="Sizes: demo (seconds), small, bench (1,000 courses, 50,000 "
            "enrolments, 10 million log rows). Explicit sizes override it.",
        )
        parser.add_argument("--courses", type=int, help="Number of courses.")
        parser.add_argument(
            "--students-per-course", type=int, help="Average students per course."
        )
        parser.add_argument("--events", type=int, help="Log rows to write in total.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (default 1)."
        )
        parser.add_argument(
            "--now",
            help="Reference time (ISO, UTC if no zone) so runs are reproducible; "
            "default: the current time.",
        )
        parser.add_argument(
            "--logstore",
            choices=LOGSTORES,
            default="standard",
            help="Which log store(s) to fill (default: standard).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the site already has courses.",
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and Course.objects.exists():
            self.stdout.write(_("The site has courses already; nothing generated."))
            return
        now = _reference_time(options["now"]) if options["now"] else None
        try:
            config = site_config_build(
                preset=options["preset"],
                courses=options["courses"],
                students_per_course=options["students_per_course"],
                events=options["events"],
                seed=options["seed"],
                now=now,
                logstore=options["logstore"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        verbose = options["verbosity"] >= 1
        try:
            result = site_generate(
                config=config,
                progress=self.stdout.write if verbose else (lambda _m: None),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        counts = result.counts
        summary = (
            f"Generated {counts['courses']:,} courses, {counts['activities']:,} activities, "
            f"{counts['users']:,} users, {counts['enrolments']:,} student enrolments, "
            f"{counts['log_rows']:,} log rows ({config.logstore}) in "
            f"{result.total_seconds:.1f} s ({result.log_rows_per_second:,.0f} log rows/s)."
        )
        self.stdout.write(self.style.SUCCESS(summary))
