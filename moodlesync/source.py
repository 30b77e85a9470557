# ruff: noqa: S608 - SQL is built from fixed column names, the prefix (checked
# against [a-z0-9_]) and integers; values travel as parameters.
"""A read-only connection to a Moodle site's database (PostgreSQL or MySQL/MariaDB).

Plain DB-API connections, not a Django database alias: the sync streams millions
of log rows through server-side cursors (or PostgreSQL's COPY) and must never be
used by the ORM for writes. Both engines are told the session is read-only
(PostgreSQL `default_transaction_read_only`, MySQL `SET SESSION TRANSACTION READ
ONLY`), and one repeatable-read transaction covers a whole run, so every part of
the sync sees the same instant of the site. Errors carry a message an admin can
act on, never the password.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# Tables every supported Moodle (3.9 to 4.5) has and the sync reads.
REQUIRED_TABLES = (
    "config",
    "course_categories",
    "course",
    "course_sections",
    "course_modules",
    "modules",
    "user",
    "enrol",
    "user_enrolments",
    "context",
    "role",
    "role_assignments",
    "role_capabilities",
    "grade_items",
    "grade_grades",
    "course_modules_completion",
    "course_completions",
    "logstore_standard_log",
)
# Moodle 3.9.0 is version 2020061500; 4.5.x is 2024100700 up to (not including)
# 5.0's 2025041400.
VERSION_MIN = 2020061500
VERSION_MAX = 2025041400
_PREFIX_RE = re.compile(r"^[a-z0-9_]*$")
#: Rows with NUL characters named in a part's messages, at most.
MAX_NUL_ROWS = 5


class SourceError(Exception):
    """The Moodle database cannot be used as it is; the message says what to do."""


def _nul_rows(row: Sequence[Any], sql: str, table: str | None) -> list[tuple[str, Any]]:
    """(table, row id) of a row read with a NUL character: the id is the row's
    first column; for COPY text (the log's blocks, a row per line) the first
    field of each line with the character."""
    if table is None:
        found = re.search(r"\bFROM\s+[`\"]?(\w+)", sql, re.IGNORECASE)
        table = found.group(1) if found else "?"
    if isinstance(row[0], int):
        return [(table, row[0])]
    return [
        (table, line.split("\t", 1)[0][:20].replace("\x00", "\ufffd"))
        for value in row
        if isinstance(value, str) and "\x00" in value
        for line in value.split("\n")
        if "\x00" in line
    ][:MAX_NUL_ROWS]


@dataclass(frozen=True)
class SourceConfig:
    vendor: str  # "postgresql" or "mysql"
    host: str
    port: int
    user: str
    password: str
    database: str
    prefix: str

    @property
    def where(self) -> str:
        """host:port/database, for messages (never the password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


def source_config(url: str | None = None, prefix: str | None = None) -> SourceConfig:
    """The parsed MOODLE_DATABASE_URL and MOODLE_DB_PREFIX (or the values given)."""
    url = settings.MOODLE_DATABASE_URL if url is None else url
    prefix = settings.MOODLE_DB_PREFIX if prefix is None else prefix
    if not url:
        raise SourceError(
            _(
                "MOODLE_DATABASE_URL is not set: set it to postgres://user:password@"
                "host:5432/moodle or mysql://user:password@host:3306/moodle (a "
                "read-only account on the Moodle database)."
            )
        )
    parts = urlsplit(url)
    schemes = {
        "postgres": "postgresql",
        "postgresql": "postgresql",
        "pgsql": "postgresql",
        "mysql": "mysql",
        "mariadb": "mysql",
    }
    vendor = schemes.get(parts.scheme.lower())
    if vendor is None:
        raise SourceError(
            _(
                "MOODLE_DATABASE_URL starts with %(scheme)r: it must start with "
                "postgres:// or mysql:// (mariadb:// works too)."
            )
            % {"scheme": f"{parts.scheme}://"}
        )
    database = parts.path.lstrip("/")
    if not parts.hostname or not database:
        raise SourceError(
            _("MOODLE_DATABASE_URL must name a host and a database, as in %(example)s.")
            % {"example": f"{parts.scheme}://user:password@host/moodle"}
        )
    if not _PREFIX_RE.match(prefix or ""):
        raise SourceError(
            _(
                "MOODLE_DB_PREFIX %(prefix)r is not a Moodle table prefix: use "
                "lower-case letters, digits and underscores (Moodle's default is mdl_)."
            )
            % {"prefix": prefix}
        )
    try:
        port = parts.port or (5432 if vendor == "postgresql" else 3306)
    except ValueError:
        raise SourceError(_("MOODLE_DATABASE_URL has an invalid port.")) from None
    return SourceConfig(
        vendor=vendor,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=unquote(database),
        prefix=prefix,
    )


class Source:
    """An open read-only connection; `t("user")` is the prefixed, quoted table."""

    def __init__(self, config: SourceConfig, connection: Any) -> None:
        self.config = config
        self.vendor = config.vendor
        self.connection = connection
        self._tables: set[str] | None = None
        self._columns: dict[str, set[str]] = {}
        #: NUL characters read and replaced by U+FFFD (MariaDB into PostgreSQL),
        #: and the first rows that had them: (table, the row's first column).
        self.nul_mended = 0
        self.nul_rows: list[tuple[str, Any]] = []

    # -- names --------------------------------------------------------------------

    def t(self, name: str) -> str:
        table = f"{self.config.prefix}{name}"
        return f"`{table}`" if self.vendor == "mysql" else f'"{table}"'

    def tables(self) -> set[str]:
        """Unprefixed names of the site's tables (those with the prefix)."""
        if self._tables is None:
            prefix = self.config.prefix
            if self.vendor == "postgresql":
                sql = (
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = ANY (current_schemas(false))"
                )
            else:
                sql = (
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = DATABASE()"
                )
            names = [row[0] for row in self.fetchall(sql)]
            self._tables = {
                name[len(prefix) :] for name in names if name.startswith(prefix)
            }
        return self._tables

    def has_table(self, name: str) -> bool:
        return name in self.tables()

    def columns(self, table: str) -> set[str]:
        if table not in self._columns:
            full = f"{self.config.prefix}{table}"
            if self.vendor == "postgresql":
                sql = (
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = %s AND table_schema = ANY "
                    "(current_schemas(false))"
                )
            else:
                sql = (
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = %s AND table_schema = DATABASE()"
                )
            self._columns[table] = {
                str(row[0]).lower() for row in self.fetchall(sql, [full])
            }
        return self._columns[table]

    # -- reading ------------------------------------------------------------------

    def _mended(
        self, rows: Sequence[Sequence[Any]], sql: str, table: str | None
    ) -> list[tuple]:
        """MariaDB text can hold NUL characters, which PostgreSQL's text cannot
        (and which mean nothing in a name or a title): on PostgreSQL each becomes
        U+FFFD, counted in `nul_mended`, the first rows noted in `nul_rows`."""
        out = []
        for row in rows:
            if any(type(v) is str and "\x00" in v for v in row):
                self.nul_mended += sum(v.count("\x00") for v in row if type(v) is str)
                if len(self.nul_rows) < MAX_NUL_ROWS:
                    self.nul_rows += _nul_rows(row, sql, table)
                    del self.nul_rows[MAX_NUL_ROWS:]
                row = tuple(
                    v.replace("\x00", "\ufffd") if type(v) is str else v for v in row
                )
            out.append(tuple(row))
        return out

    def _mends(self, raw: bool) -> bool:
        from django.db import connection

        return self.vendor == "mysql" and not raw and connection.vendor == "postgresql"

    def fetchall(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        raw: bool = False,
        table: str | None = None,
    ) -> list[tuple]:
        """The rows of `sql`; from MariaDB with NUL characters replaced unless
        `raw` (the log's staging path, which handles them itself). `table` names
        the rows' table in messages when the SQL does not."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(params))
            if self._mends(raw):
                return self._mended(cursor.fetchall(), sql, table)
            return [tuple(row) for row in cursor.fetchall()]
        except Exception as exc:
            self._recover()
            raise SourceError(self._explain(exc, sql)) from None
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def _recover(self) -> None:
        """After a refused query PostgreSQL aborts the transaction: roll back, so
        the next parts can read (from a fresh snapshot)."""
        if self.vendor == "postgresql":
            with contextlib.suppress(Exception):
                self.connection.rollback()

    def stream(
        self,
        sql: str,
        params: Sequence[Any] = (),
        *,
        chunk: int = 20000,
        raw: bool = False,
    ) -> Iterator[list[tuple]]:
        """Rows in chunks from a server-side cursor: memory stays flat. NUL
        characters as in `fetchall`."""
        mend = self._mends(raw)
        if self.vendor == "postgresql":
            cursor = self.connection.cursor(name="moodlesync_stream")
            cursor.itersize = chunk
        else:
            import pymysql.cursors

            cursor = self.connection.cursor(pymysql.cursors.SSCursor)
        try:
            cursor.execute(sql, tuple(params))
            while True:
                rows = cursor.fetchmany(chunk)
                if not rows:
                    return
                yield self._mended(rows, sql, None) if mend else rows
        except SourceError:
            raise
        except Exception as exc:
            self._recover()
            raise SourceError(self._explain(exc, sql)) from None
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def copy_out(self, sql: str) -> Iterator[bytes]:
        """PostgreSQL only: the rows of `sql` as COPY text blocks."""
        cursor = self.connection.cursor()
        try:
            with cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
                yield from copy
        except Exception as exc:
            self._recover()
            raise SourceError(self._explain(exc, sql)) from None
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def _explain(self, exc: Exception, sql: str) -> str:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        lowered = text.lower()
        if "permission denied" in lowered or "command denied" in lowered:
            return _(
                "The Moodle database account %(user)s may not read a table the sync "
                "needs (%(error)s). Grant it SELECT on the Moodle tables."
            ) % {"user": self.config.user, "error": text}
        return _("The Moodle database refused a query (%(error)s).") % {"error": text}

    def config_values(self, *names: str) -> dict[str, str]:
        marks = ", ".join(["%s"] * len(names))
        rows = self.fetchall(
            f"SELECT name, value FROM {self.t('config')} WHERE name IN ({marks})",
            names,
        )
        return {str(name): "" if value is None else str(value) for name, value in rows}

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone: nothing to release
            self.connection.close()


def source_open(config: SourceConfig | None = None) -> Source:
    """Connect read-only and start the run's repeatable-read snapshot."""
    config = config or source_config()
    if config.vendor == "postgresql":
        import psycopg

        try:
            connection = psycopg.connect(
                host=config.host,
                port=config.port,
                user=config.user,
                password=config.password or None,
                dbname=config.database,
                connect_timeout=10,
                options="-c default_transaction_read_only=on",
            )
            connection.read_only = True
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        except psycopg.Error as exc:
            raise SourceError(_connect_message(config, exc)) from None
    else:
        import pymysql

        try:
            connection = pymysql.connect(
                host=config.host,
                port=config.port,
                user=config.user,
                password=config.password,
                database=config.database,
                charset="utf8mb4",
                connect_timeout=10,
                autocommit=True,
            )
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                cursor.execute(
                    "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"
                )
                cursor.execute("START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT")
        except pymysql.Error as exc:
            raise SourceError(_connect_message(config, exc)) from None
    return Source(config, connection)


def _connect_message(config: SourceConfig, exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    lowered = text.lower()
    credentials = ("password", "access denied", "authentication", 'role "')
    if any(word in lowered for word in credentials):
        hint = _("check the user name and password in MOODLE_DATABASE_URL")
    elif "does not exist" in lowered or "unknown database" in lowered:
        hint = _("check the database name in MOODLE_DATABASE_URL")
    else:
        hint = _(
            "check that the database server is running and that host and port in "
            "MOODLE_DATABASE_URL are right"
        )
    return _(
        "Cannot connect to the Moodle database %(where)s (%(error)s): %(hint)s."
    ) % {"where": config.where, "error": text, "hint": hint}


def source_check(source: Source) -> dict[str, str]:
    """The site's config facts; SourceError when prefix, tables or version are wrong."""
    tables = source.tables()
    prefix = source.config.prefix
    if "config" not in tables:
        raise SourceError(
            _(
                "No Moodle tables with prefix %(prefix)r in %(where)s: check "
                "MOODLE_DB_PREFIX (Moodle's $CFG->prefix) and the database name."
            )
            % {"prefix": prefix, "where": source.config.where}
        )
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise SourceError(
            _(
                "The Moodle database lacks tables the sync needs: %(tables)s. This "
                "looks like a Moodle older than 3.9 or newer than 4.5, or a wrong "
                "MOODLE_DB_PREFIX; supported: Moodle 3.9 to 4.5."
            )
            % {"tables": ", ".join(f"{prefix}{name}" for name in missing)}
        )
    info = source.config_values(
        "version", "release", "siteidentifier", "timezone", "wwwroot"
    )
    try:
        version = int(float(info.get("version") or "0"))
    except (ValueError, OverflowError):  # "inf" passes float(), not int()
        version = 0
    if not VERSION_MIN <= version < VERSION_MAX:
        raise SourceError(
            _(
                "The Moodle site is version %(version)s (%(release)s); the sync "
                "supports Moodle 3.9 to 4.5 (versions %(low)d to %(high)d)."
            )
            % {
                "version": info.get("version", "?"),
                "release": info.get("release", "?"),
                "low": VERSION_MIN,
                "high": VERSION_MAX - 1,
            }
        )
    return info
