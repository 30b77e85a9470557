# ruff: noqa: S608 - the tests build SQL for psql and mariadb from their own literals
"""Real Moodle databases for the sync tests: the shared site-A dumps loaded into
PostgreSQL and MariaDB, read by an account that has SELECT only.

A pristine copy of each engine is loaded once per session; tests that change
Moodle rows get a writable copy of their own (PostgreSQL: CREATE DATABASE ...
TEMPLATE; MariaDB: the dump loaded again). Database and account names start with
`moodlesync_fx` so they never meet other tests' or the benchmark's. Without the
servers the tests skip, except under CI (FORESIGHT_REQUIRE_SERVICES=1), where a
missing server fails them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import service_required

# shared/ sits beside the checkout (here and in CI's clone).
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "moodle-site"
DUMPS = {
    "postgresql": "moodle44-site-a.pg.sql.gz",
    "mariadb": "moodle44-site-a.mariadb.sql.gz",
}
READER = "moodlesync_fx_reader"
# Per test process: two runs at once (engineers sharing a machine) must not drop
# each other's databases.
RUN = f"{os.getpid()}"
READER_PASSWORD = "fx-read-only"
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
MY = ["mariadb", "-h", "127.0.0.1", "-u", "root"]


def _unavailable(reason: str) -> None:
    if service_required():
        pytest.fail(f"Moodle sync tests need {reason} (required under CI).")
    pytest.skip(reason)


def _run(args: list[str], *, stdin: bytes | None = None) -> str:
    done = subprocess.run(args, input=stdin, capture_output=True, check=False)
    if done.returncode:
        raise RuntimeError(
            f"{' '.join(args[:6])} failed: {done.stderr.decode(errors='replace')[:2000]}"
        )
    return done.stdout.decode()


def pg_sql(sql: str, *, database: str = "postgres") -> str:
    return _run([*PG, "-d", database, "-At", "-F", "\t", "-c", sql])


def my_sql(sql: str, *, database: str | None = None) -> str:
    args = [*MY, "-N", "-B", *([database] if database else [])]
    return _run(args, stdin=sql.encode())


def _dump(engine: str) -> bytes:
    import gzip

    path = DATA / DUMPS[engine]
    if not path.is_file():
        _unavailable(f"the Moodle dump {path}")
    return gzip.decompress(path.read_bytes())


def _pg_available() -> None:
    if not shutil.which("psql"):
        _unavailable("the psql client")
    try:
        pg_sql("SELECT 1")
    except RuntimeError as exc:
        _unavailable(f"PostgreSQL on 127.0.0.1:5432 ({exc})")


def _my_available() -> None:
    if not shutil.which("mariadb"):
        _unavailable("the mariadb client")
    try:
        my_sql("SELECT 1")
    except RuntimeError as exc:
        _unavailable(f"MariaDB on 127.0.0.1:3306 ({exc})")


def pg_load(name: str, *, template: str | None = None) -> None:
    pg_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if template:
        pg_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        pg_sql(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        _run([*PG, "-d", name], stdin=_dump("postgresql"))
    pg_grant(name)


def pg_grant(name: str) -> None:
    exists = pg_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{READER}'")
    if not exists.strip():
        # Another run may create it in the meantime.
        with contextlib.suppress(RuntimeError):
            pg_sql(f"CREATE ROLE {READER} LOGIN PASSWORD '{READER_PASSWORD}'")
    pg_sql(f'GRANT CONNECT ON DATABASE "{name}" TO {READER}')
    pg_sql(
        f"GRANT USAGE ON SCHEMA public TO {READER}; "
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}",
        database=name,
    )


def my_load(name: str) -> None:
    my_sql(
        f"DROP DATABASE IF EXISTS `{name}`; CREATE DATABASE `{name}` DEFAULT "
        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    _run([*MY, name], stdin=_dump("mariadb"))
    my_grant(name)


def my_copy(source: str, name: str) -> None:
    """A copy of the tables the sync reads (all 483 would take a minute to create)."""
    from moodlesync.services.activities import DUE_DATES
    from moodlesync.services.grades import SUBMISSIONS
    from moodlesync.source import REQUIRED_TABLES

    wanted = {
        *REQUIRED_TABLES,
        *DUE_DATES,
        *(table for table, _sql in SUBMISSIONS.values()),
        "page",
        "resource",
        "url",
        "log",
        "role_context_levels",
    }
    tables = [
        t
        for t in my_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            f"'{source}'"
        ).split()
        if t.removeprefix("mdl_") in wanted
    ]
    statements = [
        f"DROP DATABASE IF EXISTS `{name}`",
        f"CREATE DATABASE `{name}` DEFAULT CHARACTER SET utf8mb4 "
        "COLLATE utf8mb4_unicode_ci",
    ]
    for table in tables:
        statements += [
            f"CREATE TABLE `{name}`.`{table}` LIKE `{source}`.`{table}`",
            f"INSERT INTO `{name}`.`{table}` SELECT * FROM `{source}`.`{table}`",
        ]
    my_sql(";\n".join(statements) + ";")
    my_grant(name)


def my_grant(name: str) -> None:
    for host in ("localhost", "127.0.0.1", "%"):
        my_sql(
            f"CREATE USER IF NOT EXISTS '{READER}'@'{host}' IDENTIFIED BY "
            f"'{READER_PASSWORD}'; GRANT SELECT ON `{name}`.* TO '{READER}'@'{host}'"
        )


@dataclass
class MoodleDb:
    """One loaded Moodle database: how to reach it read-only, and how to change it."""

    engine: str
    name: str

    @property
    def url(self) -> str:
        if self.engine == "postgresql":
            return f"postgres://{READER}:{READER_PASSWORD}@127.0.0.1:5432/{self.name}"
        return f"mysql://{READER}:{READER_PASSWORD}@127.0.0.1:3306/{self.name}"

    @property
    def root_url(self) -> str:
        if self.engine == "postgresql":
            return f"postgres://postgres@127.0.0.1:5432/{self.name}"
        return f"mysql://root@127.0.0.1:3306/{self.name}"

    def execute(self, sql: str) -> str:
        """Run SQL as the database owner (the tests' stand-in for Moodle itself)."""
        if self.engine == "postgresql":
            return pg_sql(sql, database=self.name)
        return my_sql(sql, database=self.name)

    def regrant(self) -> None:
        (pg_grant if self.engine == "postgresql" else my_grant)(self.name)


def _loaded(engine: str, name: str) -> MoodleDb:
    if engine == "postgresql":
        _pg_available()
        pg_load(name)
    else:
        _my_available()
        my_load(name)
    return MoodleDb(engine, name)


@pytest.fixture(scope="session")
def moodle_pg() -> Iterator[MoodleDb]:
    db = _loaded("postgresql", f"moodlesync_fx_pg_{RUN}")
    yield db
    pg_sql(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def moodle_my() -> Iterator[MoodleDb]:
    db = _loaded("mariadb", f"moodlesync_fx_my_{RUN}")
    yield db
    my_sql(f"DROP DATABASE IF EXISTS `{db.name}`")


@pytest.fixture(params=["postgresql", "mariadb"])
def moodle_db(request) -> MoodleDb:
    """The pristine site on each engine (never changed by tests)."""
    return request.getfixturevalue(
        "moodle_pg" if request.param == "postgresql" else "moodle_my"
    )


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def moodle_rw(request) -> Iterator[MoodleDb]:
    """A copy of the site that the tests of one module may change, on each engine
    (loading a copy is the slow part: tests of a module share it, and each one
    asserts only on what it changed)."""
    if request.param == "postgresql":
        pristine = request.getfixturevalue("moodle_pg")
        name = f"moodlesync_fx_pg_rw_{RUN}"
        pg_load(name, template=pristine.name)
        yield MoodleDb("postgresql", name)
        pg_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        pristine = request.getfixturevalue("moodle_my")
        name = f"moodlesync_fx_my_rw_{RUN}"
        my_copy(pristine.name, name)
        yield MoodleDb("mariadb", name)
        my_sql(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def use_moodle(settings):
    """Point the sync at a database: use_moodle(db) sets MOODLE_DATABASE_URL."""

    def point(db: MoodleDb, *, prefix: str = "mdl_") -> MoodleDb:
        settings.MOODLE_DATABASE_URL = db.url
        settings.MOODLE_DB_PREFIX = prefix
        settings.MOODLE_WWWROOT = "https://moodle.example.edu"
        return db

    return point


@pytest.fixture(scope="session")
def facts() -> dict:
    path = DATA / "facts-a.json"
    if not path.is_file():
        _unavailable(f"the Moodle facts {path}")
    return json.loads(path.read_text())
