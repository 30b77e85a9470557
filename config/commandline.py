"""Run a `manage.py` command; a service that cannot be reached is one plain line.

Every command needs the database and some need the task queue. When either is down,
Django would print the driver's traceback (a hundred lines ending in "Connection
refused"). `main` runs the command as Django does and turns exactly those failures
into one line on stderr that names what is unreachable and what to do, with exit
status 69 (EX_UNAVAILABLE from sysexits.h: "try again later", so cron jobs and
service managers can tell it from a bad command line). A configuration that cannot
be loaded (an environment variable of the wrong type, an unknown database scheme)
is one line too, naming the setting, with status 78 (EX_CONFIG). Anything else
propagates as before, and `--traceback` keeps the full traceback for debugging.
"""

from __future__ import annotations

import contextlib
import linecache
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Any

#: Exit status when a service the command needs is unreachable (sysexits.h).
EX_UNAVAILABLE = 69
#: Exit status when the configuration cannot be loaded (sysexits.h).
EX_CONFIG = 78
SETTINGS_FILE = __file__.rpartition("/")[0] + "/settings.py"

#: Methods of Django's database wrapper that run while a connection is opened.
_CONNECTING = frozenset({"connect", "ensure_connection", "get_new_connection"})


def main(argv: Sequence[str]) -> None:
    """`execute_from_command_line(argv)`, with unreachable services in plain words."""
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(list(argv))
    except Exception as exc:
        if "--traceback" in argv:
            raise
        message = unreachable_message(exc)
        status = EX_UNAVAILABLE
        if message is None:
            message, status = configuration_message(exc), EX_CONFIG
        if message is None:
            raise
        sys.stderr.write(message + "\n")
        sys.exit(status)


def unreachable_message(exc: BaseException) -> str | None:
    """The line to print when `exc` means the database or the broker is down.

    None when `exc` is something else (including a query error on a database that
    is up), so that it keeps its traceback.
    """
    for error in _chain(exc):
        message = _database_message(error) or _broker_message(error)
        if message:
            return message
    return None


def configuration_message(exc: BaseException) -> str | None:
    """The line to print when `exc` means the configuration cannot be loaded: an
    error raised by config/settings.py itself, or ImproperlyConfigured."""
    from django.core.exceptions import ImproperlyConfigured

    line = None
    for frame, number in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == SETTINGS_FILE:
            line = number
    if line is not None:
        code = linecache.getline(SETTINGS_FILE, line).strip()
        return _(
            "The settings cannot be loaded: %(error)s (config/settings.py, line "
            "%(line)d: %(code)s). Correct the environment variable it reads "
            "(.env.example lists them all), then run the command again."
        ) % {"error": _described(exc), "line": line, "code": code}
    if isinstance(exc, ImproperlyConfigured):
        return _(
            "The configuration is not usable: %(error)s. Correct it (.env.example "
            "lists the environment variables), then run the command again."
        ) % {"error": _described(exc)}
    return None


def _described(exc: BaseException) -> str:
    """`Type: message` on one line, with the exception it was raised from."""
    text = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
    text = f"{type(exc).__name__}: {text}"
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        text += f" ({type(cause).__name__}: {' '.join(str(cause).split())})"
    return text


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and the exceptions it was raised from, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _reason(error: BaseException) -> str:
    """The driver's first line, without a trailing full stop."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__).rstrip(".")


def _database_message(error: BaseException) -> str | None:
    from django.db import InterfaceError, OperationalError
    from django.db.backends.base.base import BaseDatabaseWrapper

    if not isinstance(error, OperationalError | InterfaceError):
        return None
    wrapper: BaseDatabaseWrapper | None = None
    connecting = False
    for frame, _line in traceback.walk_tb(error.__traceback__):
        owner = frame.f_locals.get("self")
        if isinstance(owner, BaseDatabaseWrapper):
            wrapper = owner
            connecting = connecting or frame.f_code.co_name in _CONNECTING
    if wrapper is None:
        return None
    if not connecting and _database_answers(wrapper):
        return None  # the database is up: a real query error keeps its traceback
    return _database_line(wrapper, _reason(error))


def _database_answers(wrapper: Any) -> bool:
    """Whether a new connection to `wrapper`'s database opens (the command's own
    connection may be the one that broke)."""
    params = wrapper.get_connection_params()
    if wrapper.vendor in ("postgresql", "mysql"):
        params["connect_timeout"] = 5  # a silent host must not hang the message
    try:
        connection = wrapper.get_new_connection(params)
    except Exception:
        return False
    with contextlib.suppress(Exception):  # the answer is known already
        connection.close()
    return True


def _database_line(wrapper: Any, reason: str) -> str:
    params = wrapper.settings_dict
    if wrapper.vendor == "sqlite":
        return _(
            "Cannot open the SQLite database %(name)s: %(reason)s. Check that the "
            "folder exists and is writable by this user (FORESIGHT_DATA_DIR, or "
            "DATABASE_URL), then run the command again."
        ) % {"name": params.get("NAME"), "reason": reason}
    host = params.get("HOST") or "localhost"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return _(
        "Cannot connect to the %(vendor)s database %(name)s on %(host)s%(port)s: "
        "%(reason)s. Start the database server or correct DATABASE_URL, then run "
        "the command again."
    ) % {
        "vendor": wrapper.display_name,
        "name": params.get("NAME"),
        "host": host,
        "port": port,
        "reason": reason,
    }


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as KombuOperationalError

    errors: list[type[BaseException]] = [KombuOperationalError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # redis is optional for a RabbitMQ deployment
        pass
    else:
        errors += [RedisConnectionError, RedisTimeoutError]
    return tuple(errors)


def _broker_message(error: BaseException) -> str | None:
    from django.conf import settings
    from kombu.exceptions import OperationalError as KombuOperationalError
    from kombu.utils.url import maybe_sanitize_url

    if not isinstance(error, _broker_errors()):
        return None
    broker = str(getattr(settings, "CELERY_BROKER_URL", "") or "")
    backend = str(getattr(settings, "CELERY_RESULT_BACKEND", "") or "")
    # Kombu wraps broker errors; a bare redis error comes from the result backend
    # when only that one is on Redis.
    if (
        not isinstance(error, KombuOperationalError)
        and backend.startswith(("redis", "rediss"))
        and not broker.startswith(("redis", "rediss"))
    ):
        return _(
            "Cannot reach the Celery result backend (CELERY_RESULT_BACKEND=%(url)s): "
            "%(reason)s. Start it or correct CELERY_RESULT_BACKEND, then run the "
            "command again."
        ) % {"url": maybe_sanitize_url(backend), "reason": _reason(error)}
    return _(
        "Cannot reach the task queue (CELERY_BROKER_URL=%(url)s): %(reason)s. Start "
        "the broker (Redis or RabbitMQ) or correct CELERY_BROKER_URL, then run the "
        "command again."
    ) % {"url": maybe_sanitize_url(broker), "reason": _reason(error)}


def _(text: str) -> str:
    """gettext once the apps are loaded (errors can come before that)."""
    from django.apps import apps

    if not apps.ready:
        return text
    from django.utils.translation import gettext

    return gettext(text)
