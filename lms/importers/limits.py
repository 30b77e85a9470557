"""What an imported value must satisfy to be stored: lengths, characters, ranges.

Checked while reading, so a value that does not fit is reported with its line
before anything is written, instead of a database error (PostgreSQL refuses text
longer than its column or holding NUL; SQLite stores it), or a silent cut.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.utils.translation import gettext as _

from lms.importers.errors import file_error

# Column sizes of the models the importers write (lms.models, auth.User).
SHORTNAME_LENGTH = 255
IDNUMBER_LENGTH = 100
USERNAME_LENGTH = 150
NAME_LENGTH = 150  # first name, last name
EMAIL_LENGTH = 254
ACTIVITY_NAME_LENGTH = 1333
# Times of an activity log: before 1970 is before Unix time (and decades before
# Moodle); after 2100 is a typo. Both are outside any log worth analysing.
FIRST_YEAR, LAST_YEAR = 1970, 2100

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def text_problem(value: str, *, label: str, max_length: int) -> str | None:
    """Why `value` cannot be stored as `label`, or None when it can."""
    if _CONTROL.search(value):
        return _("%(label)s contains a control character (%(char)r)") % {
            "label": label,
            "char": _CONTROL.search(value).group(),
        }
    if len(value) > max_length:
        return _("%(label)s is %(length)d characters long; at most %(limit)d") % {
            "label": label,
            "length": len(value),
            "limit": max_length,
        }
    return None


def shortname_check(path: Path | str, shortname: str) -> None:
    """Refuse a course short name (from --course) that no course can have."""
    label = _("the course short name")
    problem = (
        _("the course short name is empty")
        if not shortname.strip()
        else text_problem(shortname, label=label, max_length=SHORTNAME_LENGTH)
    )
    if problem:
        raise file_error(path, problem + ".")


def range_problem(
    value: float, *, label: str, low: int, high: int, shown: str | None = None
) -> str | None:
    """Why `value` is outside [low, high] (NaN included), or None.

    `shown` is the value as the file wrote it (1e400 rather than inf).
    """
    if low <= value <= high:
        return None
    return _("%(label)s %(value)s is outside %(low)d-%(high)d") % {
        "label": label,
        "value": shown if shown is not None else value,
        "low": low,
        "high": high,
    }
