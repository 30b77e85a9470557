"""The checks behind `/healthz`: can this process do its work right now?

Each check answers quickly (a couple of seconds at most, so a load balancer's probe
never piles up) and returns a `Check`. Failures say which part is down and the kind
of error, never a URL, a user name or an exception message: those can carry
credentials, and `/healthz` needs no login.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT_SECONDS = 2.0
MLBACKEND_PROCESSOR = "mlbackend"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: `error` is a short, secret-free reason."""

    ok: bool
    ms: float
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.error:
            data["error"] = self.error
        return data


def _timed(probe: Callable[[], str]) -> Check:
    """Run `probe` (returns "" when healthy, else a reason) and time it."""
    start = time.monotonic()
    try:
        error = probe()
    except Exception as exc:  # any failure is "down"; only its kind is reported
        error = type(exc).__name__
    return Check(ok=not error, ms=(time.monotonic() - start) * 1000, error=error)


def database_check(*, connection: Any = None) -> Check:
    """A `SELECT 1` on the default database (or on `connection`)."""
    from django.db import connections

    conn = connection if connection is not None else connections["default"]

    def probe() -> str:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return ""

    return _timed(probe)


def broker_check(*, url: str | None = None) -> Check:
    """Connect to the Celery broker (the configured one, or `url`) and open a channel."""
    from django.conf import settings
    from kombu import Connection

    broker_url = url if url is not None else settings.CELERY_BROKER_URL
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    options.update(
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
        max_retries=0,
    )

    def probe() -> str:
        with Connection(
            broker_url, connect_timeout=TIMEOUT_SECONDS, transport_options=options
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=2
            )
            conn.default_channel  # noqa: B018 (opening it is the check)
        return ""

    return _timed(probe)


def directory_writable_check(*, directory: Path | None = None) -> Check:
    """The models output directory exists (or can be made) and takes a new file.

    A file is created and removed rather than asking `os.access`, which says yes to
    root on a read-only mount.
    """

    def probe() -> str:
        from settings_app.selectors import models_output_dir

        folder = directory if directory is not None else models_output_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
                pass
        except OSError:
            return "not writable"
        return ""

    return _timed(probe)


def mlbackend_in_use() -> bool:
    """Whether the site's default processor, or any enabled model's, is the ML
    backend server."""
    from models_app.models import AnalyticsModel
    from settings_app.selectors import default_processor

    if default_processor() == MLBACKEND_PROCESSOR:
        return True
    return (
        AnalyticsModel.objects.enabled().filter(processor=MLBACKEND_PROCESSOR).exists()
    )


def mlbackend_check(*, url: str | None = None) -> Check:
    """GET the ML backend server's `/version` (Moodle's protocol: no login needed)."""
    import requests

    def probe() -> str:
        from settings_app.selectors import analytics_settings

        config = analytics_settings()
        base = url if url is not None else config.mlbackend_url
        if not base:
            return "not configured"
        response = requests.get(
            f"{base.rstrip('/')}/version",
            timeout=(TIMEOUT_SECONDS, TIMEOUT_SECONDS),
            verify=config.mlbackend_verify_tls,
        )
        return "" if response.status_code == 200 else f"HTTP {response.status_code}"

    return _timed(probe)


def health_report() -> tuple[bool, dict[str, Any]]:
    """Run every check that applies; (all healthy, the JSON body).

    The database goes first: the directory and ML server checks read settings
    rows, so when it is down they are reported as "not run" (and the whole as
    failing) rather than as failures of their own.
    """
    checks: dict[str, dict[str, Any]] = {}
    database = database_check()
    checks["database"] = database.as_json()
    checks["broker"] = broker_check().as_json()
    if not database.ok:
        checks["models_output_dir"] = {"ok": False, "error": "not run"}
    else:
        checks["models_output_dir"] = directory_writable_check().as_json()
        try:
            wanted = mlbackend_in_use()
        except Exception as exc:  # the settings row could not be read
            checks["mlbackend"] = {"ok": False, "error": type(exc).__name__}
        else:
            if wanted:
                checks["mlbackend"] = mlbackend_check().as_json()
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "fail", "checks": checks}
