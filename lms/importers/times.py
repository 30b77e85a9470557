"""Reading the times that Moodle's log report writes, in whatever locale it used.

Moodle formats log times with the user's language strings, so real exports hold
"27/06/17, 05:54" (English strftimedatetimeshort), "11 May, 09:44" (older sites: no
year), "2019-10-26 09:37:12", "27/06/2017 05:54", "11 de mayo de 2019, 09:44",
"Thursday, 11 May 2017, 9:44 AM", "5:54 p. m.", "22 janvier 2024, 09:09" or
"2024年1月22日 9:09". Rather than one pattern per locale, `log_time_parse` finds the
clock time, then the date in what is left (a month name, or numbers
day/month/year), and ignores weekday names. English and Spanish names are kept
here (the common case, read without loading anything); the names of every other
language come from CLDR (`month_names`), and a date is read in a language that
knows all of its words. Numeric dates are day first, as Moodle writes them,
unless the second number cannot be a month.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from lms.importers import month_names
from lms.importers.month_names import TOKEN, plain

MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6,
    "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6,
    "julio": 7, "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10,
    "noviembre": 11, "diciembre": 12, "ene": 1, "abr": 4, "ago": 8, "set": 9,
    "dic": 12,
}  # fmt: skip
IGNORED_WORDS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo",
    "lun", "mie", "jue", "vie", "sab", "dom", "de", "del", "at", "a", "las", "la",
    "h", "hrs",
}  # fmt: skip

_CLOCK = re.compile(
    r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?\s*m\b\.?)?", re.IGNORECASE
)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?(?!\d)"
)
_EPOCH = re.compile(r"^\d{9,11}$")


@dataclass(frozen=True)
class LogTime:
    """A wall-clock time as written in the file; `year` None when the file omits it."""

    year: int | None
    month: int
    day: int
    hour: int
    minute: int
    second: int = 0

    def key(self) -> tuple[int, int, int, int, int]:
        """Order within a year, for inferring missing years."""
        return (self.month, self.day, self.hour, self.minute, self.second)


def log_time_parse(text: str | dt.datetime | dt.date) -> LogTime | int:
    """A LogTime, or a Unix timestamp when the cell holds one. ValueError if unreadable."""
    if isinstance(text, dt.datetime):
        return LogTime(
            text.year, text.month, text.day, text.hour, text.minute, text.second
        )
    if isinstance(text, dt.date):
        return LogTime(text.year, text.month, text.day, 0, 0, 0)
    raw = str(text).strip()
    if not raw:
        raise ValueError(_("the time is empty"))
    if _EPOCH.match(raw):
        return int(raw)
    text = plain(raw).replace("\u202f", " ").replace("\xa0", " ")
    text = text.replace("t", " ", 1) if _ISO_DATE.match(text) else text
    clocks = list(_CLOCK.finditer(text))
    if not clocks:
        raise ValueError(_("no clock time (HH:MM) in %(text)r") % {"text": raw})
    clock = clocks[-1]
    hour, minute = int(clock.group(1)), int(clock.group(2))
    second = int(clock.group(3) or 0)
    meridiem = (clock.group(4) or "").lower()
    if meridiem:
        hour = _twelve_hour(hour, meridiem)
    date_part = text[: clock.start()] + " " + text[clock.end() :]
    year, month, day, date_meridiem = _date_parse(date_part, raw)
    if date_meridiem and not meridiem:  # "午後9:09", "09:09 م"
        hour = _twelve_hour(hour, date_meridiem)
    if year is not None and year < 100:
        year += 2000 if year < 70 else 1900
    try:
        # 2000 is a leap year: 29 February without a year is checked later.
        dt.datetime(year or 2000, month, day, hour, minute, second)
    except ValueError as error:
        raise ValueError(
            _("%(text)r is not a valid time (%(error)s)")
            % {"text": raw, "error": error}
        ) from None
    return LogTime(year, month, day, hour, minute, second)


def _twelve_hour(hour: int, meridiem: str) -> int:
    """The 24-hour hour of `hour` "a" (AM) or "p" (PM)."""
    if not 1 <= hour <= 12:
        raise ValueError(_("hour %(hour)d is not a 12-hour time") % {"hour": hour})
    return hour % 12 + (12 if meridiem == "p" else 0)


def _date_parse(date_part: str, raw: str) -> tuple[int | None, int, int, str]:
    """Year (None if absent), month, day and "a"/"p" if the words give AM or PM."""
    iso = _ISO_DATE.search(date_part)
    if iso:
        return int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), ""
    numeric = _NUMERIC_DATE.search(date_part)
    if numeric:
        first, second = int(numeric.group(1)), int(numeric.group(2))
        year = int(numeric.group(3)) if numeric.group(3) else None
        day, month = first, second
        if month > 12 and day <= 12:
            day, month = second, first  # month/day/year, as US sites write it
        _check_rest(date_part[: numeric.start()] + date_part[numeric.end() :], raw)
        return year, month, day, ""
    tokens = tuple(TOKEN.findall(date_part))
    if not all(
        token.isdigit() or token in MONTHS or token in IGNORED_WORDS for token in tokens
    ):
        return _cldr_date_parse(tokens, raw)
    month = None
    numbers: list[int] = []
    for word in tokens:
        if word.isdigit():
            numbers.append(int(word))
        elif word in MONTHS and month is None:
            month = MONTHS[word]
        elif word not in IGNORED_WORDS:
            raise ValueError(
                _("unknown word %(word)r in time %(text)r")
                % {"word": word, "text": raw}
            )
    if month is None:
        raise ValueError(_("no date in %(text)r") % {"text": raw})
    year, day = _year_and_day(numbers, raw)
    return year, month, day, ""


def _year_and_day(numbers: list[int], raw: str) -> tuple[int | None, int]:
    days = [n for n in numbers if 1 <= n <= 31]
    years = [n for n in numbers if n >= 1000]
    if not days or len(numbers) > 2 or len(years) > 1:
        raise ValueError(_("cannot tell the day in %(text)r") % {"text": raw})
    return (years[0] if years else None), days[0]


class _Reading(NamedTuple):
    """What `_cldr_reading` found: a date, or in `problem` why there is none."""

    month: int = 0
    meridiem: str = ""  # "a", "p" or ""
    numbers: tuple[int, ...] = ()
    problem: str = ""  # "", "unknown" (then `word`), "no_language" or "ambiguous"
    word: str = ""


def _cldr_date_parse(
    tokens: tuple[str, ...], raw: str
) -> tuple[int | None, int, int, str]:
    reading = _cldr_reading(tokens)
    if reading.problem == "unknown":
        raise ValueError(
            _("unknown word %(word)r in time %(text)r")
            % {"word": reading.word, "text": raw}
        )
    if reading.problem == "ambiguous":
        raise ValueError(
            _(
                "the month in %(text)r means different months in different "
                "languages: export the log with numeric dates"
            )
            % {"text": raw}
        )
    if reading.problem:
        raise ValueError(
            _("no language has all the words of the date in %(text)r") % {"text": raw}
        )
    year, day = _year_and_day(list(reading.numbers), raw)
    return year, reading.month, day, reading.meridiem


@functools.lru_cache(maxsize=4096)
def _cldr_reading(tokens: tuple[str, ...]) -> _Reading:
    """The month, AM/PM and numbers of a date in the words of one CLDR language.

    A word means different months in different languages ("mar", "mai"), so only
    the languages (locales) that know every word and find exactly one month among
    them take part, and the month most of them read wins; a tie is ambiguous
    rather than guessed. Cached because a log repeats its dates row after row.
    """
    table = month_names.words()
    meanings: list[dict[str, int]] = []
    numbers: list[int] = []
    index = 0
    while index < len(tokens):
        for length in range(min(table.longest, len(tokens) - index), 0, -1):
            key = month_names.phrase_key(tokens[index : index + length])
            if key in table.phrases:
                meanings.append(table.phrases[key])
                index += length
                break
        else:
            if not tokens[index].isdigit():
                return _Reading(problem="unknown", word=tokens[index])
            numbers.append(int(tokens[index]))
            index += 1
    if not meanings:
        return _Reading(problem="no_language")
    votes: Counter[tuple[int, int]] = Counter()
    for language in set.intersection(*(set(meaning) for meaning in meanings)):
        said = [meaning[language] for meaning in meanings]
        months = [value for value in said if value > 0]
        periods = [value for value in said if value < 0]
        if len(months) == 1 and len(periods) <= 1:
            votes[months[0], periods[0] if periods else 0] += 1
    ranked = votes.most_common(2)
    if not ranked:
        return _Reading(problem="no_language")
    if len(ranked) == 2 and ranked[0][1] == ranked[1][1]:
        return _Reading(problem="ambiguous")
    (month, period), _count = ranked[0]
    meridiem = {month_names.AM: "a", month_names.PM: "p"}.get(period, "")
    return _Reading(month=month, meridiem=meridiem, numbers=tuple(numbers))


def _check_rest(rest: str, raw: str) -> None:
    for word in TOKEN.findall(rest):
        if word not in IGNORED_WORDS and not _cldr_ignored(word):
            raise ValueError(
                _("unexpected %(word)r in time %(text)r") % {"word": word, "text": raw}
            )


def _cldr_ignored(word: str) -> bool:
    """A weekday or date-pattern word in some language ("lundi" in "lundi 22/01")."""
    meanings = month_names.words().phrases.get((word,), {})
    return any(value == month_names.IGNORED for value in meanings.values())


# A yearless log can only be dated when it is in time order: then going back past
# 1 January shows as a jump from early in the year to late in it. Such a jump is
# taken as a new year only when the quiet time it implies around 1 January is
# short (a winter break), and a step back of at most an hour is a clock moved back
# for daylight saving time. Any other jump means the rows are not in time order
# (a log sorted by user, say), where every jump would invent a year.
MAX_NEW_YEAR_GAP_DAYS = 92
DST_FOLD_SECONDS = 3600


class YearAmbiguous(ValueError):
    """Times `newer` and `older` (indexes) show that the file is not in time order."""

    def __init__(self, newer: int, older: int) -> None:
        self.newer, self.older = newer, older
        super().__init__(newer, older)


def _day_of_year(key: tuple[int, int, int, int, int]) -> float:
    month, day, hour, minute, second = key
    # A leap year's numbering, so 29 February has a place.
    start = dt.date(2000, month, day).timetuple().tm_yday
    return start + (hour * 3600 + minute * 60 + second) / 86400


def _is_dst_fold(newer: tuple, older: tuple) -> bool:
    """`older` is at most an hour after `newer` on the wall clock: a DST fold."""
    return (_day_of_year(older) - _day_of_year(newer)) * 86400 <= DST_FOLD_SECONDS


def _is_new_year(newer: tuple, older: tuple) -> bool:
    gap = (366 - _day_of_year(older)) + _day_of_year(newer)
    return gap <= MAX_NEW_YEAR_GAP_DAYS


def years_infer(times: list[LogTime], *, now: dt.datetime) -> list[int]:
    """Years for times written without one, in file order; YearAmbiguous if none can be.

    The files list events in time order (Moodle: newest first). The direction is the
    one most neighbouring pairs follow; walking from the newest time, the year starts
    at the latest one that is not in the future and drops by one at each plausible
    new year (see MAX_NEW_YEAR_GAP_DAYS). A step back that is neither a new year nor
    a daylight saving fold raises YearAmbiguous with the two rows.
    """
    if not times:
        return []
    keys = [t.key() for t in times]
    falling = sum(a > b for a, b in pairwise(keys))
    rising = sum(a < b for a, b in pairwise(keys))
    order = (
        list(range(len(keys))) if falling >= rising else list(range(len(keys)))[::-1]
    )
    now_key = (now.month, now.day, now.hour, now.minute, now.second)
    year = now.year if keys[order[0]] <= now_key else now.year - 1
    years = [0] * len(keys)
    previous_index = order[0]
    for index in order:
        newer, older = keys[previous_index], keys[index]
        if older > newer and not _is_dst_fold(newer, older):
            if not _is_new_year(newer, older):
                raise YearAmbiguous(newer=previous_index, older=index)
            year -= 1
        years[index] = year
        previous_index = index
    return years


def log_time_timestamp(value: LogTime, *, year: int, zone: ZoneInfo) -> int:
    """Unix time of a wall-clock time in `zone` (the first of two in a DST fold)."""
    moment = dt.datetime(
        year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        tzinfo=zone,
    )
    return int(moment.timestamp())
