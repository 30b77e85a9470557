# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""System checks: a Moodle connection that cannot work says so, and why.

Only when MOODLE_DATABASE_URL is set (a Foresight without Moodle has nothing to
check), and only with `check --database default` or `--deploy`-style runs that
ask for database checks, so that `manage.py` commands stay fast and offline.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.database)
def moodle_connection_check(app_configs=None, databases=None, **kwargs) -> list:
    from moodlesync.source import SourceError, source_check, source_config, source_open

    if not getattr(settings, "MOODLE_DATABASE_URL", ""):
        return []
    try:
        config = source_config()
    except SourceError as exc:
        return [Error(str(exc), id="moodlesync.E001")]
    if not databases:
        return []
    try:
        source = source_open(config)
    except SourceError as exc:
        return [Error(str(exc), id="moodlesync.E002")]
    try:
        source_check(source)
        _select_check(source)
    except SourceError as exc:
        return [Error(str(exc), id="moodlesync.E003")]
    finally:
        source.close()
    return []


def _select_check(source) -> None:
    """One cheap SELECT on each table the sync reads: SELECT rights, not just names."""
    from moodlesync.source import REQUIRED_TABLES

    for table in REQUIRED_TABLES:
        source.fetchall(f"SELECT 1 FROM {source.t(table)} WHERE 1 = 0")
