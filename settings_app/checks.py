"""System checks (`manage.py check`) that explain a bad analytics setting and its fix.

They read the settings row, so they must not fail before `migrate` has created it:
a database error means "nothing to check yet".
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DatabaseError

from settings_app import hooks, selectors

#: Tag of these checks: `manage.py check --tag analytics` runs only them.
TAG = "analytics"
SETTINGS_PAGE = "Admin > Analytics > Analytics settings"


def _concerns_us(app_configs: Any) -> bool:
    return app_configs is None or any(c.label == "settings_app" for c in app_configs)


@register(TAG, Tags.files)
def check_models_output_dir(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """The models output directory exists and a file can be written in it."""
    if not _concerns_us(app_configs):
        return []
    try:
        configured = selectors.analytics_settings().models_output_dir
    except DatabaseError:
        return []
    path = selectors.models_output_dir()
    fix_elsewhere = (
        f"or set another directory in {SETTINGS_PAGE} > Models output directory. "
        "With several servers it must be shared storage mounted at the same path."
    )
    if not path.exists() and not configured and _creatable(path):
        return []  # the default directory is created on first use
    if not path.exists():
        return [
            Warning(
                f"The models output directory {path} does not exist, so trained "
                "models and evaluation files cannot be written.",
                hint=f"Create it with `mkdir -p {path}` (a missing directory often "
                f"means shared storage is not mounted), {fix_elsewhere}",
                id="settings_app.W001",
            )
        ]
    if not path.is_dir():
        return [
            Warning(
                f"The models output directory {path} is not a directory.",
                hint=f"Remove or rename the file {path}, {fix_elsewhere}",
                id="settings_app.W002",
            )
        ]
    exc = _writable(path)
    if exc is not None:
        return [
            Warning(
                f"The models output directory {path} is not writable ({exc.strerror}).",
                hint="Give the user that runs the site and the workers write access "
                f"(e.g. `chown -R <user> {path}`), {fix_elsewhere}",
                id="settings_app.W003",
            )
        ]
    return []


def _creatable(path: Path) -> bool:
    """Whether the nearest existing parent of `path` lets us create it."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent.is_dir() and _writable(parent) is None


def _writable(path: Path) -> OSError | None:
    """None when a file can be created in the directory `path`, else the error."""
    try:
        fd, name = tempfile.mkstemp(prefix=".foresight-check-", dir=path)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return exc
    return None


@register(TAG)
def check_mlbackend_server(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """When the default processor is `mlbackend`, its server answers."""
    if not _concerns_us(app_configs):
        return []
    try:
        current = selectors.analytics_settings()
    except DatabaseError:
        return []
    if current.default_processor != "mlbackend":
        return []
    try:
        reason = hooks.processor_not_ready(key="mlbackend")
    except Exception as exc:  # a check reports, it never crashes the command
        reason = f"{type(exc).__name__}: {exc}"
    if not reason:
        return []
    url = current.mlbackend_url or "(no URL set)"
    return [
        Warning(
            "The default predictions processor is the ML backend server at "
            f"{url}, and it is not usable: {reason}",
            hint="Start the ML backend server, or correct its URL, username and "
            f"password in {SETTINGS_PAGE} > ML backend server (the password may "
            "come from the FORESIGHT_MLBACKEND_PASSWORD environment variable); or "
            "choose the builtin predictions processor there.",
            id="settings_app.W004",
        )
    ]
