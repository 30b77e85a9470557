# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""The sync from a Moodle site, part by part; `moodle_sync` runs them in order.

Each part commits whole or not at all (its own transaction), records its state
(counts, messages, the log's cursor), and a part that is refused does not stop
the next ones: they work with what the earlier parts committed, now or before.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from moodlesync.locks import SyncRunning, sync_lock, sync_lock_refresh
from moodlesync.models import SiteInfo, SyncState
from moodlesync.services.activities import activities_sync
from moodlesync.services.categories import categories_sync
from moodlesync.services.common import PartRefused, PartResult, SyncContext
from moodlesync.services.completion import completion_sync
from moodlesync.services.courses import courses_sync
from moodlesync.services.enrolments import enrolments_sync
from moodlesync.services.grades import grades_sync
from moodlesync.services.log import log_sync
from moodlesync.services.roles import roles_sync
from moodlesync.services.users import users_sync
from moodlesync.source import Source, SourceError, source_check, source_open

logger = logging.getLogger("moodlesync")

PARTS: dict[str, Callable[[SyncContext], PartResult]] = {
    "categories": categories_sync,
    "courses": courses_sync,
    "activities": activities_sync,
    "users": users_sync,
    "enrolments": enrolments_sync,
    "roles": roles_sync,
    "grades": grades_sync,
    "completion": completion_sync,
    "log": log_sync,
}


class SyncRefused(Exception):
    """The whole sync cannot run (no connection, wrong site, another sync running)."""


@dataclass
class SyncReport:
    site: dict[str, str] = field(default_factory=dict)
    parts: list[PartResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(part.refused for part in self.parts)


def parts_parse(only: str | Sequence[str] | None) -> list[str]:
    """The parts named in `only` (comma-separated or a list), in sync order."""
    if not only:
        return list(PARTS)
    names = only.split(",") if isinstance(only, str) else list(only)
    names = [name.strip() for name in names if name.strip()]
    unknown = [name for name in names if name not in PARTS]
    if unknown:
        raise SyncRefused(
            _("Unknown part(s): %(unknown)s. The parts are: %(parts)s.")
            % {"unknown": ", ".join(unknown), "parts": ", ".join(PARTS)}
        )
    return [name for name in PARTS if name in names]


def _site_check(info: dict[str, str], *, full: bool) -> None:
    site = SiteInfo.objects.first()
    identifier = info.get("siteidentifier", "")
    if site and site.siteidentifier and site.siteidentifier != identifier:
        raise SyncRefused(
            _(
                "MOODLE_DATABASE_URL now points at another Moodle site (site "
                "identifier %(new)s, synced before: %(old)s). Foresight syncs one "
                "site; point it back, or start from an empty Foresight database."
            )
            % {"new": identifier, "old": site.siteidentifier}
        )


def _site_record(info: dict[str, str]) -> None:
    site = SiteInfo.objects.first() or SiteInfo()
    site.siteidentifier = info.get("siteidentifier", "")
    site.release = info.get("release", "")
    site.version = info.get("version", "")
    site.timezone = info.get("timezone", "")
    site.wwwroot = info.get("wwwroot", "")
    site.last_sync = timezone.now()
    site.save()


def _part_run(name: str, ctx: SyncContext) -> PartResult:
    """Run one part in one transaction, with its state (the log's cursor too)."""
    try:
        with transaction.atomic():
            ctx.source.nul_mended, ctx.source.nul_rows = 0, []
            result = PARTS[name](ctx)
            _nul_note(ctx, result)
            if not ctx.dry_run:
                _state_save(result)
    except (PartRefused, SourceError, DatabaseError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        if isinstance(exc, DatabaseError):
            text = _(
                "Foresight's database refused the %(part)s of the Moodle site "
                "(%(error)s); nothing of this part was written."
            ) % {"part": name, "error": text}
        result = PartResult(name, refused=text)
        logger.warning("Moodle sync: %s refused: %s", name, exc)
        if not ctx.dry_run:
            with transaction.atomic():
                _state_save(result)
    return result


def _nul_note(ctx: SyncContext, result: PartResult) -> None:
    """Name the rows whose NUL characters the source replaced (moodlesync.source)."""
    count = ctx.source.nul_mended
    if not count:
        return
    result.problems += 1
    rows = ", ".join(
        _("%(table)s row %(id)s") % {"table": table, "id": row}
        for table, row in ctx.source.nul_rows
    )
    result.messages.append(
        ngettext(
            "%(count)s NUL character in Moodle's text, which PostgreSQL cannot "
            "store, was replaced by U+FFFD (%(rows)s). Correct the text in Moodle "
            "to end this warning.",
            "%(count)s NUL characters in Moodle's text, which PostgreSQL cannot "
            "store, were replaced by U+FFFD (first rows: %(rows)s). Correct the "
            "text in Moodle to end this warning.",
            count,
        )
        % {"count": count, "rows": rows}
    )


def _state_save(result: PartResult) -> None:
    state, _created = SyncState.objects.get_or_create(part=result.part)
    now = timezone.now()
    state.last_run = now
    if result.refused:
        state.status = SyncState.Status.FAILED
        state.messages = [result.refused]
    else:
        state.status = (
            SyncState.Status.WARNINGS if result.problems else SyncState.Status.OK
        )
        state.last_success = now
        state.counts = result.counts
        state.messages = result.messages
        if result.cursor is not None:
            state.cursor = result.cursor
        if result.late_window is not None:
            state.late_window = result.late_window
    state.save()


def moodle_sync(
    *,
    full: bool = False,
    dry_run: bool = False,
    only: str | Sequence[str] | None = None,
    source: Source | None = None,
) -> SyncReport:
    """Sync the configured Moodle site (or `source`) into Foresight.

    Raises SyncRefused when nothing can be synced (no connection, another site,
    another sync running); a refused part is reported in its PartResult.
    """
    names = parts_parse(only)
    report = SyncReport(dry_run=dry_run)
    own = source is None
    try:
        if source is None:  # that is, own: this test lets type checkers narrow it
            source = source_open()
        info = source_check(source)
    except SourceError as exc:
        if own and source is not None:
            source.close()
        raise SyncRefused(str(exc)) from None
    except BaseException:
        # An open MariaDB transaction would hold its locks until the process ends.
        if own and source is not None:
            source.close()
        raise
    try:
        with sync_lock() as owner:
            _site_check(info, full=full)
            report.site = info
            site_course = source.fetchall(
                f"SELECT MIN(id) FROM {source.t('course')} WHERE category = 0"
            )
            ctx = SyncContext(
                source=source,
                site_timezone=info.get("timezone") or "UTC",
                full=full,
                dry_run=dry_run,
                siteid=int(site_course[0][0] or 1),
            )
            # A dry run is one transaction rolled back at the end: each part sees
            # what the parts before it would have written.
            with transaction.atomic() if dry_run else contextlib.nullcontext():
                for name in names:
                    report.parts.append(_part_run(name, ctx))
                    sync_lock_refresh(owner=owner)
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    _site_record(info)
    except SyncRunning:
        raise SyncRefused(
            _("Another sync from Moodle is running; this one leaves it.")
        ) from None
    finally:
        if own:
            source.close()
    return report
