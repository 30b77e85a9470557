"""Which activities were due in a range, by Moodle's rule for the community-of-
inquiry indicators (core_analytics community_of_inquiry_activity::
activity_completed_by), on the course layout a Moodle sync brings.

A visible activity counts for the range (start, end] by the first rule that applies:

1. its module's own due field (`get_timeclose_field`: assign duedate, quiz
   timeclose, lesson deadline, ...) is set: counted iff start < due <= end;
2. the date conditions of its availability, then of its section's: a "from"
   date after the range or an "until" date outside it excludes it, an "until"
   date inside (start, end) includes it;
3. the course is in the weeks format: counted iff the end of its section's week
   (format_weeks::get_section_dates()) less two hours is in the range; Moodle's
   analytics has always taken the two hours off. Section 0 counts too: the
   weeks rule comes before rule 4. Where the week ends depends on the site's
   Moodle version (week_rule): up to 4.0, and 4.1/4.2 until September 2023,
   week n ends at start + 7200 + n * 604800 (section 0 at start + 7200), so the
   activity is due at start + n weeks; later builds end week n (section 0 is
   week 1) n weeks after the start, counted in UTC at first and from November
   2023 in calendar days of the time zone of whoever runs the analysis (cron:
   the site's), so the activity is due two hours before its week ends;
4. section 0: never counted;
5. the course has no start or no end: never counted;
6. a format without sections (single activity, social): always counted;
7. else the course duration is split evenly over its sections (all sections but
   section 0) and the activity is due at start + round(duration / sections) *
   section number.

Synced courses give the format, the sections, availability dates, the
module's own due field and the site's version and time zone, through the
activity dates provider that the app syncing from Moodle registers
(models_app.synced_facts; models_app does not import it). Courses from
elsewhere (imports, the demo site) have none of these: rules 2, 3 and 6 do not
apply, the number of sections is the highest section number their activities
use, and the due field is Activity.duedate. Moodle's other availability conditions (grades, completion,
groups) do not place an activity in time, and Moodle ignores them here too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from models_app.plugins.indicators.kinds import php_round
from models_app.synced_facts import activity_dates_provider

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

WEEK = 604800
#: Formats for which Moodle's course_format_uses_sections() is false.
NO_SECTIONS = frozenset({"singleactivity", "social"})

#: format_weeks::get_section_dates() of each Moodle branch, by config version:
#: (first version of the branch, first version that counts weeks as "utc", first
#: that counts them "zoned"). Before either, "shifted": start + 7200 + n weeks.
#: "utc": DateTime("@start") plus P7D per week, in UTC (no two hours). "zoned":
#: the same DateTime in the user's time zone, so P7D is seven calendar days and a
#: week over a DST change lasts 604800 +- 3600 s. Seen in Moodle's code: 4.1 was
#: shifted at 2022112805.06 and utc at .12 (weekly builds of 8 and 29 September
#: 2023), utc at 2022112806.04 and zoned at .06 (2 and 16 November 2023); 4.3.0
#: (2023100900.00) utc; 4.2.6, 4.3.3, 4.4 and 4.5 zoned; 3.9, 3.11, 4.0.1 and
#: 4.1.1 shifted. The 4.2 and 4.3 thresholds and those of the development branch
#: are inferred from the 4.1 builds of the same weeks.
WEEK_RULES = (
    (2022112800, 2022112805.12, 2022112806.06),  # 4.1
    (2023042400, 2023042402.12, 2023042403.06),  # 4.2
    (2023042500, 2023092900, 2024042200),  # 4.3dev
    (2023100900, 2023100900, 2023100900.06),  # 4.3
    (2023101000, 2023101000, 2023111600),  # 4.4dev
    (2024042200, 2024042200, 2024042200),  # 4.4 onwards
)


def course_layouts(data: AnalysisData) -> dict[int, tuple[str, int]]:
    """Synced courses of the chunk: course id -> (Moodle format, sections but 0)."""

    def load() -> dict[int, tuple[str, int]]:
        provider = activity_dates_provider()
        if provider is None:
            return {}
        return provider.course_layouts(list(data.course_ids))

    return data.memo("coi_course_layouts", load, "facts")


def week_rule(version: str | None) -> str:
    """How get_section_dates() of a Moodle at config `version` counts weeks:
    "shifted", "utc" or "zoned" (WEEK_RULES); "utc" (Foresight's rule before it
    read the version) when the version is unknown."""
    try:
        number = float(version or "")
    except ValueError:
        return "utc"
    if not number > 0:
        return "utc"
    rule = "shifted"
    for low, utc, zoned in WEEK_RULES:
        if number >= low:
            rule = "zoned" if number >= zoned else "utc" if number >= utc else "shifted"
    return rule


def site_week_rule(data: AnalysisData) -> tuple[str, str]:
    """The synced site's weeks rule and the time zone its "zoned" rule counts in
    (the site's: what Moodle's cron uses; UTC when the site leaves it to PHP's
    default, "99", which Foresight cannot see). Unsynced: ("utc", "UTC")."""

    def load() -> tuple[str, str]:
        provider = activity_dates_provider()
        site = provider.site_version() if provider is not None else None
        if site is None:
            return "utc", "UTC"
        version, zone = site
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = "UTC"
        return week_rule(version), zone

    return data.memo("coi_week_rule", load, "facts")


def zoned_week_ends(starts: np.ndarray, weeks: np.ndarray, zone: str) -> np.ndarray:
    """When week `weeks[i]` (>= 1) of a course starting at `starts[i]` ends, as
    PHP counts DateTime("@start") set to `zone` plus P7D once per week: seven
    days on the wall clock each time, a time the clocks skip moves past the gap.
    One walk per distinct start."""
    tz = ZoneInfo(zone)
    unique, where = np.unique(starts, return_inverse=True)
    longest = int(weeks.max(initial=1))
    table = np.empty((len(unique), longest + 1), dtype=np.int64)
    for row, start in enumerate(unique.tolist()):
        table[row, 0] = start
        local = datetime.fromtimestamp(start, tz)
        for week in range(1, longest + 1):
            moment = (local.replace(tzinfo=None) + timedelta(days=7)).replace(tzinfo=tz)
            table[row, week] = end = int(moment.timestamp())
            local = datetime.fromtimestamp(end, tz)
    return table[where.reshape(-1), weeks]


def week_due(data: AnalysisData, cstart: np.ndarray, section: np.ndarray) -> np.ndarray:
    """Rule 3's due time, the end of the section's week less 2 hours, as the
    site's Moodle version counts it (site_week_rule)."""
    rule, zone = site_week_rule(data)
    if rule == "shifted":
        return cstart + WEEK * section
    weeks = np.maximum(section, 1)
    if rule == "zoned" and zone != "UTC":
        return zoned_week_ends(cstart, weeks, zone) - 7200
    return cstart + WEEK * weeks - 7200


def section_conditions(data: AnalysisData) -> dict[tuple[int, int], list]:
    """(course id, section number) -> the section's availability date conditions."""

    def load() -> dict[tuple[int, int], list]:
        provider = activity_dates_provider()
        if provider is None:
            return {}
        return provider.section_conditions(list(data.course_ids))

    return data.memo("coi_section_conditions", load, "facts")


def activity_dates(data: AnalysisData) -> tuple[np.ndarray, dict[int, list]]:
    """Per activity of data.activities(): its module's own due time (-1 if unset),
    and (by activity index) the availability date conditions of those that have
    some. Synced activities use the field Moodle's analytics reads (an
    assignment's due date, never its cut-off date); others their due date."""

    def load() -> tuple[np.ndarray, dict[int, list]]:
        acts = data.activities()
        due = acts["due"].copy()
        conditions: dict[int, list] = {}
        provider = activity_dates_provider()
        if provider is None:
            return due, conditions
        at = {aid: i for i, aid in enumerate(acts["id"].tolist())}
        for aid, close, available in provider.activity_dates(acts["id"].tolist()):
            due[at[aid]] = close if close > 0 else -1
            if available:
                conditions[at[aid]] = list(available)
        return due, conditions

    return data.memo("coi_activity_dates", load, "facts")


def availability_verdict(conditions: list, start: int, end: int) -> bool | None:
    """Moodle's availability_completed_by(): False when a "from" date is after the
    range or an "until" date outside it, True for an "until" inside it, else
    None (the first condition that decides wins)."""
    for direction, moment in conditions:
        if direction == ">=" and moment > end:
            return False
        if direction == "<" and (moment < start or moment > end):
            return False
        if direction == "<" and start < moment < end:
            return True
    return None


def due_in_range(
    data: AnalysisData,
    act: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    has_due: np.ndarray,
) -> np.ndarray:
    """Whether activity `act[i]` (an index into data.activities()) was due in
    (start[i], end[i]]; `has_due[i]`: its module has a due field of its own."""
    acts = data.activities()
    courses = data.courses()
    layouts = course_layouts(data)
    course = acts["course"][act]
    section = acts["section"][act]
    unique = np.unique(course).tolist()
    # Unsynced courses: the highest section number their activities use.
    used: dict[int, int] = {}
    for c, s in zip(acts["course"].tolist(), acts["section"].tolist(), strict=True):
        used[c] = max(used.get(c, 0), s)

    def per_course(values: dict[int, int | str]) -> np.ndarray:
        return np.array([values[c] for c in course.tolist()])

    cstart = per_course({c: courses.get(c, {}).get("start") or 0 for c in unique})
    cend = per_course({c: courses.get(c, {}).get("end") or 0 for c in unique})
    fmt = per_course({c: layouts.get(c, ("", 0))[0] for c in unique}).astype(str)
    nsec = per_course(
        {c: max(layouts[c][1] if c in layouts else used.get(c, 1), 1) for c in unique}
    )
    timeclose, conditions = activity_dates(data)
    due = timeclose[act]

    def within(moment: np.ndarray) -> np.ndarray:
        return (start < moment) & (moment <= end)

    weeks = fmt == "weeks"
    split_due = cstart + php_round((cend - cstart) / nsec, 0).astype(np.int64) * section
    by_split = np.where(
        (section > 0) & (cstart > 0) & (cend > 0),
        np.isin(fmt, list(NO_SECTIONS)) | within(split_due),
        False,
    )
    counted = by_split
    if weeks.any():
        week_end = np.zeros_like(cstart)
        week_end[weeks] = week_due(data, cstart[weeks], section[weeks])
        counted = np.where(weeks, within(week_end), by_split)
    # Availability dates, of the activity first, then of its section.
    by_section = section_conditions(data)
    if conditions or by_section:
        for i in range(len(act)):
            rules = [
                conditions.get(int(act[i])),
                by_section.get((int(course[i]), int(section[i]))),
            ]
            for rule in rules:
                verdict = availability_verdict(rule or [], start[i], end[i])
                if verdict is not None:
                    counted[i] = verdict
                    break
    return np.where(has_due & (due > 0), within(due), counted)
