"""Reads for the admin's "Moodle site" page: the live connection and what was synced."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from moodlesync.locks import sync_running
from moodlesync.models import SiteInfo, SyncState
from moodlesync.source import SourceError, source_check, source_config, source_open


def moodle_site_status() -> dict[str, Any]:
    """Connection status (checked now), the site's config facts, each part's last
    sync with its counts and messages. Never raises: a problem is the status."""
    status: dict[str, Any] = {
        "configured": bool(settings.MOODLE_DATABASE_URL),
        "connected": False,
        "message": "",
        "where": "",
        "prefix": settings.MOODLE_DB_PREFIX,
        "wwwroot": settings.MOODLE_WWWROOT,
        "live": {},
        "site": SiteInfo.objects.first(),
        "parts": list(SyncState.objects.order_by("pk")),
        "running": sync_running(),
    }
    try:
        config = source_config()
        status["where"] = config.where
        source = source_open(config)
        try:
            status["live"] = source_check(source)
            status["connected"] = True
        finally:
            source.close()
    except SourceError as exc:
        status["message"] = str(exc)
    site = status["site"]
    status["facts"] = {
        key: status["live"].get(key) or (getattr(site, key) if site else "") or "-"
        for key in ("release", "version", "siteidentifier", "timezone")
    }
    status["last_sync"] = site.last_sync if site else None
    return status
