# ruff: noqa: S608 - the tests build SQL from their own literals
"""A sync that cannot start says why and writes nothing: unreachable database,
wrong credentials, wrong prefix, tables missing, an unsupported Moodle; and the
connection never writes to Moodle, even with an account that could."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lms.models import Category, Course
from moodlesync.models import SiteInfo, SyncState
from moodlesync.services import SyncRefused, moodle_sync
from moodlesync.source import SourceError, source_config, source_open
from tests.moodlesync.conftest import READER, RUN, MoodleDb, my_sql, pg_sql

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not (
        Course.objects.exists()
        or Category.objects.exists()
        or SyncState.objects.exists()
        or SiteInfo.objects.exists()
    )


def refused(settings, url: str, prefix: str = "mdl_") -> str:
    settings.MOODLE_DATABASE_URL = url
    settings.MOODLE_DB_PREFIX = prefix
    with pytest.raises(SyncRefused) as caught:
        moodle_sync()
    assert nothing_written() is True
    return str(caught.value)


def test_an_unreachable_database_is_refused_plainly(settings):
    message = refused(settings, "postgres://moodle@127.0.0.1:1/moodle")
    assert "Cannot connect to the Moodle database moodle@127.0.0.1:1/moodle" in message
    assert "host and port in MOODLE_DATABASE_URL" in message
    message = refused(settings, "mysql://moodle:secret@127.0.0.1:1/moodle")
    assert "Cannot connect" in message
    assert "secret" not in message


def test_a_url_of_another_kind_or_without_database_is_refused(settings):
    assert "must start with postgres:// or mysql://" in refused(
        settings, "oracle://u@h/db"
    )
    assert "must name a host and a database" in refused(settings, "postgres://u@h")
    assert "MOODLE_DATABASE_URL is not set" in refused(settings, "")
    assert "is not a Moodle table prefix" in refused(
        settings, "postgres://u@h/db", prefix="mdl; drop"
    )


def test_wrong_credentials_are_refused(moodle_db, settings):
    if moodle_db.engine == "postgresql":
        url = f"postgres://nobody_moodlesync_fx@127.0.0.1:5432/{moodle_db.name}"
    else:
        url = f"mysql://{READER}:wrong@127.0.0.1:3306/{moodle_db.name}"
    message = refused(settings, url)
    assert "check the user name and password in MOODLE_DATABASE_URL" in message


def test_a_wrong_prefix_is_refused(moodle_db, settings):
    message = refused(settings, moodle_db.url, prefix="m44_")
    assert "No Moodle tables with prefix 'm44_'" in message
    assert "MOODLE_DB_PREFIX" in message


@pytest.fixture
def tiny_db(moodle_db) -> MoodleDb:
    """A database with a Moodle config table of its own and nothing else."""
    engine = "pg" if moodle_db.engine == "postgresql" else "my"
    name = f"moodlesync_fx_tiny_{engine}_{RUN}"
    create = (
        "CREATE TABLE mdl_config (id BIGINT PRIMARY KEY, name VARCHAR(255), "
        "value TEXT); INSERT INTO mdl_config VALUES (1, 'version', '2019111800'), "
        "(2, 'release', '3.8 (Build: 20191118)'), (3, 'siteidentifier', 'x')"
    )
    if moodle_db.engine == "postgresql":
        pg_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg_sql(f'CREATE DATABASE "{name}"')
        pg_sql(create, database=name)
        pg_sql(
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}", database=name
        )
    else:
        my_sql(f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}`")
        my_sql(create, database=name)
        my_sql(f"GRANT SELECT ON `{name}`.* TO '{READER}'@'%'")
    yield MoodleDb(moodle_db.engine, name)
    if moodle_db.engine == "postgresql":
        pg_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        my_sql(f"DROP DATABASE IF EXISTS `{name}`")


def test_missing_tables_are_named(tiny_db, settings):
    message = refused(settings, tiny_db.url)
    assert "lacks tables the sync needs" in message
    assert "mdl_course_modules" in message
    assert "Moodle 3.9 to 4.5" in message


def test_an_unsupported_version_is_refused(tiny_db, settings):
    from moodlesync.source import REQUIRED_TABLES

    for table in REQUIRED_TABLES:
        if table != "config":
            tiny_db.execute(f"CREATE TABLE mdl_{table} (id BIGINT)")
    tiny_db.regrant() if tiny_db.engine == "postgresql" else None
    if tiny_db.engine == "postgresql":
        pg_sql(
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}",
            database=tiny_db.name,
        )
    message = refused(settings, tiny_db.url)
    assert "version 2019111800 (3.8 (Build: 20191118))" in message
    assert "supports Moodle 3.9 to 4.5" in message
    # A version that is no number (float("inf") passes, int() of it overflows).
    for value in ("inf", "1e999", "nan", "²"):
        tiny_db.execute(f"UPDATE mdl_config SET value = '{value}' WHERE id = 1")
        message = refused(settings, tiny_db.url)
        assert f"version {value} (3.8" in message


def test_the_connection_is_read_only_even_for_an_owner(moodle_db):
    """Opened read-only: an INSERT fails even as the database owner (root)."""
    source = source_open(source_config(moodle_db.root_url, "mdl_"))
    try:
        with pytest.raises(SourceError) as caught:
            source.fetchall(
                "INSERT INTO mdl_config (name, value) VALUES ('moodlesync', 'x')"
            )
        assert "read" in str(caught.value).lower()
    finally:
        source.close()
    assert (
        moodle_db.execute(
            "SELECT COUNT(*) FROM mdl_config WHERE name = 'moodlesync'"
        ).strip()
        == "0"
    )


def test_the_reader_account_has_select_only(moodle_db):
    """The fixture's account, used by every sync test, cannot write either."""
    source = source_open(source_config(moodle_db.url, "mdl_"))
    try:
        with pytest.raises(SourceError):
            source.fetchall("DELETE FROM mdl_config WHERE name = 'moodlesync'")
    finally:
        source.close()


def test_the_command_reports_a_refused_sync_as_an_error(settings):
    settings.MOODLE_DATABASE_URL = "postgres://moodle@127.0.0.1:1/moodle"
    with pytest.raises(CommandError, match="Cannot connect"):
        call_command("sync_moodle")
