"""Which courses a backtest trains on and tests on, from what an admin types.

A list is comma-separated; each item is a course id, a course short name, or
"finished before DATE" (ISO date or date and time, UTC unless a zone is given): every
course whose end date is before it.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from lms.models import Course

#: Larger ids are no course's (and no database's integer).
MAX_ID = 2**63
_FINISHED_BEFORE = re.compile(r"^finished\s+before\s+(?P<when>.+)$", re.IGNORECASE)


class CourseSpecError(ValueError):
    """What the admin typed names no course, or an unknown one."""


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CourseSpecError(
            _("%(text)r is not a date: write it as YYYY-MM-DD (or YYYY-MM-DD HH:MM).")
            % {"text": text.strip()}
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def courses_resolve(spec: str) -> list[Course]:
    """The courses `spec` names, in id order, each once; refuses unknown names."""
    found: dict[int, Course] = {}
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if not items:
        raise CourseSpecError(
            _('Name the courses: ids, short names or "finished before YYYY-MM-DD".')
        )
    for item in items:
        before = _FINISHED_BEFORE.match(item)
        if before:
            moment = _moment(before.group("when"))
            courses = list(Course.objects.filter(enddate__lt=moment))
            if not courses:
                raise CourseSpecError(
                    _("No course finished before %(when)s.")
                    % {"when": moment.isoformat()}
                )
        else:
            query = Course.objects.filter(shortname=item)
            # ASCII digits only: "²" is a digit to isdigit() but no number to
            # int(), and "٣" is a number no admin types for a course id.
            if item.isascii() and item.isdecimal() and int(item) < MAX_ID:
                query = query | Course.objects.filter(pk=int(item))
            courses = list(query)
            if not courses:
                raise CourseSpecError(
                    _("No course has the id or short name %(item)r.") % {"item": item}
                )
        found.update((c.pk, c) for c in courses)
    return [found[pk] for pk in sorted(found)]


def courses_suggested(*, now: dt.datetime) -> tuple[str, str]:
    """What the page offers before the admin types anything: the finished courses,
    the earlier two thirds to learn from and the latest third (at least one) to
    replay, as a site would use last year's courses to judge this year's. Each as
    the text the form takes (short names, or the id where a short name has a
    comma); two empty texts when fewer than two courses have finished."""
    finished = list(
        Course.objects.filter(enddate__lt=now, startdate__isnull=False).order_by(
            "enddate", "pk"
        )
    )
    if len(finished) < 2:
        return "", ""
    replay = max(1, len(finished) // 3)

    def spec(courses: list[Course]) -> str:
        return ", ".join(
            str(c.pk) if "," in c.shortname or not c.shortname else c.shortname
            for c in courses
        )

    return spec(finished[:-replay]), spec(finished[-replay:])
