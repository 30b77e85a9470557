# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""Courses (dates, visibility, completion, format) and their sections in order."""

from __future__ import annotations

from django.utils.translation import gettext as _

from access.services import context_ensure_for, contexts_bulk_ensure
from lms.models import Course
from moodlesync.models import CourseFormat, CourseSection, Kind
from moodlesync.services.common import (
    PartResult,
    SyncContext,
    ascii_int,
    availability_dates,
    idmap_load,
    idmap_replace,
    when,
)

FIELDS = [
    "category_id",
    "shortname",
    "fullname",
    "idnumber",
    "summary",
    "startdate",
    "enddate",
    "visible",
    "enablecompletion",
]


def courses_sync(ctx: SyncContext) -> PartResult:
    """Every course but the site's front page; deleted courses go with their data."""
    result = PartResult("courses")
    rows = ctx.source.fetchall(
        "SELECT id, category, shortname, fullname, idnumber, summary, startdate, "
        f"enddate, visible, enablecompletion, format FROM {ctx.t('course')} "
        "WHERE category > 0 ORDER BY id"
    )
    categories = idmap_load(Kind.CATEGORY)
    mapping = idmap_load(Kind.COURSE)
    existing = Course.objects.in_bulk(list(mapping.values()))
    taken = dict(
        Course.objects.exclude(pk__in=list(mapping.values())).values_list(
            "shortname", "pk"
        )
    )
    new: list[tuple[int, Course]] = []
    changed: list[Course] = []
    moved: list[Course] = []
    formats: dict[int, str] = {}
    seen: set[int] = set()
    for (
        mid,
        category,
        shortname,
        fullname,
        idnumber,
        summary,
        start,
        end,
        *rest,
    ) in rows:
        visible, enablecompletion, course_format = rest
        seen.add(mid)
        if category not in categories:
            result.problem(
                "course",
                mid,
                _("its category %(category)s was not synced; course skipped.")
                % {"category": category},
                prefix=ctx.prefix,
            )
            continue
        shortname = (shortname or f"course-{mid}")[:255]
        if shortname in taken:
            result.problem(
                "course",
                mid,
                _(
                    "a Foresight course not synced from Moodle already has the short "
                    "name %(shortname)s; rename or delete it, then sync again."
                )
                % {"shortname": shortname},
                prefix=ctx.prefix,
            )
            continue
        startdate, enddate = when(start), when(end)
        if enddate is None:
            result.problem(
                "course",
                mid,
                _(
                    "has no end date: it is synced, but models train only on courses "
                    "that have one."
                ),
                prefix=ctx.prefix,
            )
        elif startdate and enddate < startdate:
            result.problem(
                "course",
                mid,
                _("ends before it starts: its end date is left empty."),
                prefix=ctx.prefix,
            )
            enddate = None
        values = {
            "category_id": categories[category],
            "shortname": shortname,
            "fullname": (fullname or shortname)[:1333],
            "idnumber": (idnumber or "")[:100],
            "summary": summary or "",
            "startdate": startdate,
            "enddate": enddate,
            "visible": bool(visible),
            "enablecompletion": bool(enablecompletion),
        }
        course = existing.get(mapping.get(mid, -1))
        if course is None:
            new.append((mid, Course(**values)))
            formats[mid] = course_format or ""
            continue
        formats[mid] = course_format or ""
        if any(getattr(course, key) != value for key, value in values.items()):
            if course.category_id != values["category_id"]:
                moved.append(course)
            for key, value in values.items():
                setattr(course, key, value)
            changed.append(course)
    # Short names swap between courses in one sync only rarely; free them first.
    if changed:
        Course.objects.bulk_update(changed, FIELDS, batch_size=500)
    Course.objects.bulk_create([course for _m, course in new], batch_size=500)
    contexts_bulk_ensure(courses=[course for _m, course in new])
    for course in moved:
        context_ensure_for(obj=course)
    mapping.update({mid: course.pk for mid, course in new})
    gone = [mid for mid in mapping if mid not in seen]
    deleted = 0
    for mid in gone:
        course = existing.get(mapping.pop(mid))
        if course is not None:
            course.delete()  # its activities, enrolments, grades and contexts go too
            deleted += 1
    idmap_replace(Kind.COURSE, mapping)
    _formats_write(mapping, formats)
    sections = _sections_sync(ctx, result, mapping)
    result.counts = {
        "rows": len(rows),
        "created": len(new),
        "updated": len(changed),
        "deleted": deleted,
        "sections": sections,
    }
    return result


def _formats_write(mapping: dict[int, int], formats: dict[int, str]) -> None:
    wanted = {mapping[mid]: fmt[:21] for mid, fmt in formats.items() if mid in mapping}
    CourseFormat.objects.filter(course_id__in=list(wanted)).delete()
    CourseFormat.objects.bulk_create(
        [CourseFormat(course_id=cid, format=fmt) for cid, fmt in wanted.items()],
        batch_size=1000,
    )


def _sections_sync(
    ctx: SyncContext, result: PartResult, courses: dict[int, int]
) -> int:
    """Replace the sections of synced courses (number, name, visibility, order)."""
    has_availability = "availability" in ctx.source.columns("course_sections")
    rows = ctx.source.fetchall(
        "SELECT id, course, section, name, visible, sequence, "
        f"{'availability' if has_availability else 'NULL'} "
        f"FROM {ctx.t('course_sections')} ORDER BY course, section"
    )
    CourseSection.objects.filter(course_id__in=list(courses.values())).delete()
    sections = []
    for mid, course, number, name, visible, sequence, availability in rows:
        if course not in courses:
            continue
        order = [
            n for n in map(ascii_int, str(sequence or "").split(",")) if n is not None
        ]
        available = availability_dates(availability)
        if available is None:
            result.problem(
                "course_sections",
                mid,
                _("its availability is not valid JSON; its dates are ignored."),
                prefix=ctx.prefix,
            )
            available = []
        sections.append(
            CourseSection(
                course_id=courses[course],
                moodle_id=mid,
                section=int(number),
                name=(name or "")[:255],
                visible=bool(visible),
                sequence=order,
                available=available,
            )
        )
    CourseSection.objects.bulk_create(sections, batch_size=1000)
    return len(sections)
