"""What an app that syncs the site from Moodle knows beyond lms, registered from above.

Apps depend downwards (ARCHITECTURE.md), so models_app never imports the app that
syncs from Moodle (moodlesync). That app registers here, from its
AppConfig.ready(), an activity dates provider (course formats and sections, the
date conditions of availability, each module's own due field: what the
community-of-inquiry indicators' due rule reads, and the site's Moodle version
and time zone, which decide its weeks-format rule) and a wait for a running sync
(a run never reads half of one). Without such an app the indicators use lms'
fields alone (Activity.duedate, the sections activities use) and runs do not wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol


class ActivityDatesProvider(Protocol):
    def course_layouts(self, course_ids: list[int]) -> dict[int, tuple[str, int]]:
        """Course id -> (Moodle course format, number of sections but section 0),
        for the courses it knows."""
        ...

    def section_conditions(
        self, course_ids: list[int]
    ) -> dict[tuple[int, int], list[list]]:
        """(course id, section number) -> the section's availability date
        conditions ([direction, time], in tree order), for sections with some."""
        ...

    def activity_dates(
        self, activity_ids: list[int]
    ) -> Iterable[tuple[int, int, list[list]]]:
        """(activity id, the module's own due time or 0, the activity's
        availability date conditions) for the activities it knows."""
        ...

    def site_version(self) -> tuple[str, str] | None:
        """The synced Moodle site's version and time zone as its `config` table
        says ("2022112805.12", "Europe/Madrid"), or None before the first sync.
        The weeks-format rule depends on both (activity_due.week_rule)."""
        ...


_dates: list[ActivityDatesProvider] = []
_sync_wait: list[Callable[[], bool]] = []


def activity_dates_provider_register(provider: ActivityDatesProvider) -> None:
    """Install the activity dates provider; registering again replaces it."""
    _dates[:] = [provider]


def activity_dates_provider() -> ActivityDatesProvider | None:
    return _dates[0] if _dates else None


def sync_wait_register(func: Callable[[], bool]) -> None:
    """Install the wait for a running sync (True: none is running at return)."""
    _sync_wait[:] = [func]


def sync_wait() -> bool:
    """Wait for a running sync from the site, if an app syncs one; True when no
    sync is running at return (always, without such an app)."""
    return _sync_wait[0]() if _sync_wait else True
