"""Celery task: the scheduled "Sync from Moodle"."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger("moodlesync")


@shared_task(name="moodlesync.tasks.moodle_sync_task")
def moodle_sync_task() -> dict:
    """Run the sync; a refused sync (no connection, another one running) is logged."""
    from moodlesync.services import SyncRefused, moodle_sync

    try:
        report = moodle_sync()
    except SyncRefused as exc:
        logger.warning("Sync from Moodle not run: %s", exc)
        return {"ok": False, "message": str(exc)}
    return {
        "ok": report.ok,
        "parts": {
            part.part: {"counts": part.counts, "refused": part.refused}
            for part in report.parts
        },
    }
