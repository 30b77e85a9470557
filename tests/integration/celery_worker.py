"""Start real Celery workers (subprocesses) on the test database for integration tests.

Not a test module. The worker gets DATABASE_URL pointing at the test database
(SQLite file or PostgreSQL), so tests use `transactional_db`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"


def database_url() -> str:
    """The test database as a DATABASE_URL another process can open."""
    info = connection.settings_dict
    if info["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(info['NAME']).resolve()}"
    user = quote(info.get("USER") or "")
    password = f":{quote(info['PASSWORD'])}" if info.get("PASSWORD") else ""
    host = info.get("HOST") or "127.0.0.1"
    port = f":{info['PORT']}" if info.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{info['NAME']}"


def redis_url() -> str:
    return os.environ.get("FORESIGHT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


TEST_APP = "tests.integration.celery_test_app"


def queue_name() -> str:
    """A queue of this test alone (see celery_test_app)."""
    return f"foresight-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def redis_queue_clear(url: str, queue: str) -> None:
    """Delete this test's queue from the Redis test database.

    Only our own keys: other sessions may be running these tests on the same Redis
    database at the same time, and a FLUSHDB would drop their queued tasks. A
    missing server fails the test.
    """
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    client.ping()
    keys = [*client.scan_iter(match=f"{queue}*"), f"_kombu.binding.{queue}"]
    client.delete(*keys)


def worker_env(*, broker: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "FORESIGHT_DATA_DIR": str(settings.FORESIGHT_DATA_DIR),
        "PYTHONPATH": str(ROOT),
        "DJANGO_LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


class Worker:
    """One `celery worker` (or `celery beat`) process; its output goes to a log
    file, shown when a test fails."""

    def __init__(
        self,
        *,
        name: str,
        env: dict[str, str],
        log: Path,
        app: str = TEST_APP,
        beat: bool = False,
    ) -> None:
        self.name = name
        self.log = log
        self._handle = open(log, "wb")  # noqa: SIM115 - closed in stop()
        command = (
            ["beat", "--loglevel=INFO", "--pidfile=", f"--schedule={log}.schedule"]
            if beat
            else [
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                f"--hostname={name}@%h",
            ]
        )
        self.process = subprocess.Popen(
            [str(CELERY), "-A", app, *command],
            cwd=ROOT,
            env=env,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self._handle.flush()
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.output() or "beat: Starting" in self.output():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"Worker {self.name} did not start:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as when a machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._handle.close()


def wait_for(
    check: Callable[[], object],
    *,
    timeout: float,
    what: str,
    detail: Callable[[], str] | None = None,
) -> object:
    """Poll `check` until it returns something truthy; fail after `timeout`,
    with `detail()` (e.g. a worker's output) in the message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    extra = f"\n{detail()}" if detail else ""
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}.{extra}")


def manage(*args: str, env: dict[str, str], timeout: float = 120):
    """Run `manage.py` in a subprocess; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
