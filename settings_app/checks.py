"""System checks (`manage.py check`) that explain a bad analytics setting and its fix.

They read the settings row, so they must not fail before `migrate` has created it:
a database error means "nothing to check yet". The deployment checks (`check
--deploy`) refuse secrets that were published with the code or in Moodle's
documentation: a secret anyone can read protects nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
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


#: Secret keys published with the code (settings' default, `.env.example`): sessions,
#: password reset links and CSRF tokens signed with them can be forged by anyone.
PUBLIC_SECRET_KEYS = frozenset(
    {
        "django-insecure-development-key-set-DJANGO_SECRET_KEY-in-production",
        "change-me-to-a-long-random-string-of-at-least-fifty-characters-please",
    }
)

#: ML backend passwords published as examples: `.env.example` and Moodle's
#: documentation of MOODLE_MLBACKEND_PYTHON_USERS ("default:sshhhh").
PUBLIC_ML_PASSWORDS = ("change-me", "sshhhh")


@register(Tags.security, deploy=True)
def check_secret_key_not_public(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """SECRET_KEY is not one of the keys published with the code."""
    if str(getattr(settings, "SECRET_KEY", "")) not in PUBLIC_SECRET_KEYS:
        return []
    return [
        Error(
            "DJANGO_SECRET_KEY is unset or the example value published with "
            "Foresight, so anyone can forge sessions and password reset links.",
            hint="Set DJANGO_SECRET_KEY to a new random value of at least 50 "
            'characters, e.g. the output of `python -c "import secrets; '
            'print(secrets.token_urlsafe(64))"`.',
            id="settings_app.E001",
        )
    ]


def _is_public_password(stored: str) -> bool:
    """Whether a user's entry (after `user:`) is a published example password, kept
    plain or in Moodle's hashed form `<algorithm>:<salt>:<hex digest>`."""
    if stored in PUBLIC_ML_PASSWORDS:
        return True
    algorithm, _salt_sep, rest = stored.partition(":")
    salt, _digest_sep, digest = rest.partition(":")
    if not digest or algorithm not in hashlib.algorithms_available:
        return False
    try:
        return any(
            hmac.compare_digest(
                hashlib.new(algorithm, (salt + password).encode()).hexdigest(),
                digest.lower(),
            )
            for password in PUBLIC_ML_PASSWORDS
        )
    except (TypeError, ValueError):  # e.g. shake_* digests need a length
        return False


def _users_with_public_passwords(text: str) -> list[str]:
    users = []
    for entry in text.split(","):
        user, colon, stored = entry.strip().partition(":")
        if colon and _is_public_password(stored):
            users.append(user)
    return users


@register(Tags.security, deploy=True)
def check_mlbackend_passwords_not_public(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """No ML backend user, on the server or the client side, has a published
    example password."""
    issues: list[CheckMessage] = []
    server_users = str(getattr(settings, "FORESIGHT_MLBACKEND_USERS", "") or "")
    public = _users_with_public_passwords(server_users)
    if public:
        issues.append(
            Error(
                "The ML backend server accepts the published example password for "
                f"the user(s) {', '.join(public)}: anyone can train, read and "
                "delete its models.",
                hint="Give each user in FORESIGHT_MLBACKEND_USERS (or "
                "MOODLE_MLBACKEND_PYTHON_USERS) a long random password.",
                id="settings_app.E002",
            )
        )
    client_password = str(getattr(settings, "FORESIGHT_MLBACKEND_PASSWORD", ""))
    # Not migrated yet: the environment's password is the one that would be used.
    with contextlib.suppress(DatabaseError):
        client_password = (
            selectors.analytics_settings().mlbackend_password or client_password
        )
    if client_password in PUBLIC_ML_PASSWORDS:
        issues.append(
            Error(
                "The password this site sends to the ML backend server is a "
                "published example password.",
                hint="Give the ML backend user a long random password on the "
                "server, and set it here in FORESIGHT_MLBACKEND_PASSWORD or in "
                f"{SETTINGS_PAGE} > ML backend server.",
                id="settings_app.E003",
            )
        )
    return issues
