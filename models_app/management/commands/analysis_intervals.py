"""Preview the ranges an analysis interval gives a course, or list the intervals.

For admins choosing an interval and for checking our ranges against Moodle's: the
course is described by its dates only, nothing is read from or written to the
database.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from models_app.plugins import registry
from models_app.plugins.base import Analysable, IntervalNotApplicable
from models_app.plugins.intervals.base import iso

_UNIX = re.compile(r"^-?\d+$")


def parse_time(value: str, *, option: str) -> int:
    """A Unix timestamp or an ISO date/datetime (UTC unless it has an offset)."""
    text = value.strip()
    if _UNIX.match(text):
        return int(text)
    try:
        moment = datetime.fromisoformat(text)  # dates too, and "Z" (Python 3.11)
    except ValueError:
        raise CommandError(
            _(
                "Cannot read %(option)s %(value)r: give a Unix timestamp "
                "(1445645732), an ISO date (2015-10-24) or an ISO datetime "
                "(2015-10-24T08:15:32+08:00; UTC when there is no offset)."
            )
            % {"option": option, "value": value}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


class Command(BaseCommand):
    help = (
        "Print the ranges (index, start, end, time of prediction) that an analysis "
        "interval gives a course with the given dates, seen at --now. Without "
        "--interval, list the intervals."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", help="Key of the interval (run without it for the list)."
        )
        parser.add_argument(
            "--start", help="Course start: Unix timestamp or ISO date/datetime."
        )
        parser.add_argument(
            "--end",
            help="Course end: Unix timestamp or ISO date/datetime. Omit for a "
            "course without an end date.",
        )
        parser.add_argument(
            "--now", help="The moment the course is seen at (default: now)."
        )
        parser.add_argument(
            "--first-analysis",
            help="When the model first analysed the course (upcoming intervals "
            "count from it; default: now).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print JSON instead of a table."
        )

    def handle(self, *args, **options):
        if not options["interval"]:
            self._list(as_json=options["json"])
            return
        key = options["interval"]
        if key not in registry.INTERVALS:
            raise CommandError(
                _(
                    "Unknown analysis interval %(key)r. Known keys: %(keys)s. Run "
                    "this command without --interval to see them with their names."
                )
                % {"key": key, "keys": ", ".join(registry.INTERVALS)}
            )
        if not options["start"]:
            raise CommandError(
                _(
                    "--start is required with --interval: give the course start as "
                    "a Unix timestamp or an ISO date."
                )
            )
        start = parse_time(options["start"], option="--start")
        end = parse_time(options["end"], option="--end") if options["end"] else None
        if end is not None and end < start:
            raise CommandError(
                _(
                    "--end (%(end)s) is before --start (%(start)s): give a course "
                    "end after its start."
                )
                % {"end": iso(end), "start": iso(start)}
            )
        now = (
            parse_time(options["now"], option="--now")
            if options["now"]
            else int(time.time())
        )
        first_analysis = (
            parse_time(options["first_analysis"], option="--first-analysis")
            if options["first_analysis"]
            else None
        )
        interval = registry.interval_class(key)()
        course = Analysable(
            id=0, kind="course", start=start, end=end, name=_("the course")
        )
        try:
            ranges = interval.ranges(course, now=now, first_analysis=first_analysis)
        except IntervalNotApplicable as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            rows = [
                {"index": r.index, "start": r.start, "end": r.end, "time": r.time}
                for r in ranges
            ]
            self.stdout.write(json.dumps(rows))
            return
        self._table(interval, course, ranges, now=now)

    def _list(self, *, as_json: bool) -> None:
        classes = {key: registry.interval_class(key) for key in registry.INTERVALS}
        if as_json:
            rows = [
                {
                    "key": key,
                    "label": str(cls.label),
                    "valid_for_evaluation": cls.valid_for_evaluation,
                }
                for key, cls in classes.items()
            ]
            self.stdout.write(json.dumps(rows))
            return
        width = max(len(key) for key in classes)
        self.stdout.write(f"{_('key'):<{width}}  {_('evaluation'):<10}  {_('name')}")
        for key, cls in classes.items():
            evaluation = _yes_no(cls.valid_for_evaluation)
            self.stdout.write(f"{key:<{width}}  {evaluation:<10}  {cls.label}")

    def _table(self, interval, course, ranges, *, now: int) -> None:
        values = {
            "label": interval.label,
            "key": interval.key,
            "start": iso(course.start),
            "end": iso(course.end) if course.end else "",
            "now": iso(now),
        }
        if course.end:
            heading = _(
                "%(label)s (%(key)s): a course from %(start)s to %(end)s, seen at "
                "%(now)s"
            )
        else:
            heading = _(
                "%(label)s (%(key)s): a course from %(start)s with no end date, seen "
                "at %(now)s"
            )
        self.stdout.write(heading % values)
        if not ranges:
            self.stdout.write(_("No ranges yet: nothing to train on or predict."))
            return
        header = (
            f"{_('index'):>5}  {_('start'):<32}  {_('end'):<32}  "
            f"{_('time'):<32}  {_('train'):<5}  {_('predict')}"
        )
        self.stdout.write(header)
        for r in ranges:
            self.stdout.write(
                f"{r.index:>5}  {_stamp(r.start):<32}  {_stamp(r.end):<32}  "
                f"{_stamp(r.time):<32}  "
                f"{_yes_no(interval.ready_to_train(r, now=now)):<5}  "
                f"{_yes_no(interval.ready_to_predict(r, now=now))}"
            )
        latest = interval.prediction_range(ranges, now=now)
        self.stdout.write(
            _("Predicted now: range %(index)s.") % {"index": latest.index}
            if latest
            else _("No range is ready to predict yet.")
        )


def _stamp(timestamp: int) -> str:
    return f"{timestamp} ({iso(timestamp)})"
