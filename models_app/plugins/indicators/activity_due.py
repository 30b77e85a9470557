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
   less two hours is in the range. Moodle 4's format_weeks::get_section_dates()
   ends week n (n >= 1; section 0 is week 1) at course start + n * 7 days, and
   activity_completed_by() still takes off the two hours that Moodle 3's
   version added "to dodge DST": start < course start + 604800 * max(n, 1) -
   7200 <= end. Section 0 counts too: the weeks rule comes before rule 4;
4. section 0: never counted;
5. the course has no start or no end: never counted;
6. a format without sections (single activity, social): always counted;
7. else the course duration is split evenly over its sections (all sections but
   section 0) and the activity is due at start + round(duration / sections) *
   section number.

Synced courses give the format, the sections, availability dates and the
module's own due field, through the activity dates provider that the app syncing
from Moodle registers (models_app.synced_facts; models_app does not import it). Courses from elsewhere (imports, the demo site)
have none of these: rules 2, 3 and 6 do not apply, the number of sections is the
highest section number their activities use, and the due field is
Activity.duedate. Moodle's other availability conditions (grades, completion,
groups) do not place an activity in time, and Moodle ignores them here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from models_app.plugins.indicators.kinds import php_round
from models_app.synced_facts import activity_dates_provider

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

WEEK = 604800
#: Formats for which Moodle's course_format_uses_sections() is false.
NO_SECTIONS = frozenset({"singleactivity", "social"})


def course_layouts(data: AnalysisData) -> dict[int, tuple[str, int]]:
    """Synced courses of the chunk: course id -> (Moodle format, sections but 0)."""

    def load() -> dict[int, tuple[str, int]]:
        provider = activity_dates_provider()
        if provider is None:
            return {}
        return provider.course_layouts(list(data.course_ids))

    return data.memo("coi_course_layouts", load, "facts")


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
    week_end = cstart + WEEK * np.maximum(section, 1) - 7200
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
