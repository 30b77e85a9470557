"""Guess course start and end dates from enrolments and the log (Moodle's CLI)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from models_app.services.course_dates import course_dates_apply, course_dates_guess
from settings_app.selectors import ANALYTICS_DISABLED_MESSAGE, analytics_enabled


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


class Command(BaseCommand):
    help = (
        "Guess the start and end dates of courses from student enrolments and "
        "accesses. Prints the guesses; --update writes them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--guessstart", type=_bool, default=True, help="Guess start dates."
        )
        parser.add_argument(
            "--guessend", type=_bool, default=True, help="Guess end dates."
        )
        parser.add_argument(
            "--guessall",
            action="store_true",
            help="Guess for every course, even those that already have dates.",
        )
        parser.add_argument(
            "--update", action="store_true", help="Save the guessed dates."
        )
        parser.add_argument(
            "--filter",
            default="",
            help="Comma-separated course ids to consider (default: all).",
        )

    def handle(self, *args, **options):
        if not analytics_enabled():
            raise CommandError(ANALYTICS_DISABLED_MESSAGE)
        try:
            course_ids = [int(x) for x in options["filter"].split(",") if x.strip()]
        except ValueError:
            raise CommandError(
                f"--filter takes course ids separated by commas, got {options['filter']!r}."
            ) from None
        guesses = course_dates_guess(
            guess_start=options["guessstart"],
            guess_end=options["guessend"],
            guess_all=options["guessall"],
            course_ids=course_ids or None,
        )
        if not guesses:
            self.stdout.write("No course needs a guess.")
            return
        for guess in guesses:
            self.stdout.write(
                f"{guess.course_id} {guess.shortname}: "
                f"start {guess.current_start} -> {guess.guessed_start or 'unchanged'}, "
                f"end {guess.current_end} -> {guess.guessed_end or 'unchanged'}"
                + (f" ({guess.reason})" if guess.reason else "")
            )
        if options["update"]:
            changed = course_dates_apply(guesses=guesses)
            self.stdout.write(self.style.SUCCESS(f"Updated {changed} course(s)."))
