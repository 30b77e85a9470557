"""Lengths of time for the periodic and after-start intervals (Moodle's DateInterval).

Moodle adds PHP DateIntervals in the server's timezone. Foresight counts in UTC so
that ranges do not depend on where the site is deployed: days and weeks are exact
multiples of 86,400 seconds (identical to Moodle on a server without daylight saving,
such as Moodle's own tests in Australia/Perth), and months are calendar months in UTC.

Months are counted from one anchor (`anchor + k months`), clamped to the last day of
a short month (31 January + 1 month = 28/29 February, + 2 months = 31 March). PHP
instead overflows (31 January + 1 month = 2/3 March) and adds month after month, so a
course starting on the 31st drifts to the 3rd and its first days fall in no range;
we chose the clamped, anchored calendar because its ranges touch without gaps.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime

DAY = 86_400


@dataclass(frozen=True)
class Period:
    """A whole number of days or of calendar months."""

    days: int = 0
    months: int = 0

    def after(self, timestamp: int, times: int = 1) -> int:
        """`timestamp` moved forward by `times` periods (backward when negative)."""
        if self.months:
            return add_months(timestamp, self.months * times)
        return timestamp + self.days * DAY * times

    def before(self, timestamp: int) -> int:
        return self.after(timestamp, -1)


def add_months(timestamp: int, months: int) -> int:
    """Same day and time of day `months` later in UTC, clamped to the month's end."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    month_index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())
