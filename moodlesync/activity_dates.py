"""The activity dates provider (models_app.synced_facts) of a synced site: what
the community-of-inquiry indicators' due rule reads of the course layout a Moodle
sync brings. Registered from MoodlesyncConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from moodlesync.models import ActivityDates, CourseFormat, CourseSection, SiteInfo


class SyncedActivityDates:
    def course_layouts(self, course_ids: list[int]) -> dict[int, tuple[str, int]]:
        formats = dict(
            CourseFormat.objects.filter(course_id__in=course_ids).values_list(
                "course_id", "format"
            )
        )
        sections = dict(
            CourseSection.objects.filter(course_id__in=course_ids)
            .values("course_id")
            .annotate(n=Count("id", filter=Q(section__gt=0)))
            .values_list("course_id", "n")
        )
        return {cid: (fmt, int(sections.get(cid, 0))) for cid, fmt in formats.items()}

    def section_conditions(
        self, course_ids: list[int]
    ) -> dict[tuple[int, int], list[list]]:
        rows = (
            CourseSection.objects.filter(course_id__in=course_ids)
            .exclude(available=[])
            .values_list("course_id", "section", "available")
        )
        return {(c, s): list(available) for c, s, available in rows}

    def activity_dates(
        self, activity_ids: list[int]
    ) -> Iterable[tuple[int, int, list[list]]]:
        # The field Moodle's analytics reads: an assignment's due date, never its
        # cut-off date.
        for aid, close, available in ActivityDates.objects.filter(
            activity_id__in=activity_ids
        ).values_list("activity_id", "timeclose", "available"):
            yield aid, int(close or 0), list(available or [])

    def site_version(self) -> tuple[str, str] | None:
        site = SiteInfo.objects.only("version", "timezone").first()
        if site is None or not site.version:
            return None
        return site.version, site.timezone
