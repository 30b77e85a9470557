"""Real servers on 127.0.0.1 for the integration tests: ours (gunicorn) and moto's S3."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
USER, PASSWORD = "moodle", "s3cret-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(
    url: str, process: subprocess.Popen, log: Path, *, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"{url} did not start in {seconds} s:\n{log.read_text()[-3000:]}"
    )


@dataclass
class RunningServer:
    """A server started for a test: its URL, process id and combined output."""

    url: str
    pid: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def _process(
    command: list[str], *, env: dict[str, str], probe: str
) -> Iterator[tuple[subprocess.Popen, Path]]:
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait(probe, process, Path(log.name))
        yield process, Path(log.name)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.unlink(log.name)


@contextlib.contextmanager
def mlbackend_server_process(
    *,
    storage_env: dict[str, str],
    users: str | None = None,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Iterator[RunningServer]:
    """`gunicorn mlbackend.wsgi` (standalone settings, no database) on a free port."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FORESIGHT_MLBACKEND", "MOODLE_MLBACKEND", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "mlbackend.standalone_settings",
            "MOODLE_MLBACKEND_PYTHON_USERS": users or f"{USER}:{PASSWORD}",
            "FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES": "5000000",
            **storage_env,
            **(extra_env or {}),
        }
    )
    command = [
        str(BIN / "gunicorn"),
        "mlbackend.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "300",
        "--no-control-socket",
    ]
    url = f"http://127.0.0.1:{port}"
    with _process(command, env=env, probe=f"{url}/version") as (process, log):
        yield RunningServer(url=url, pid=process.pid, log=log)


@contextlib.contextmanager
def mlbackend_server(*, storage_env: dict[str, str]) -> Iterator[str]:
    """The server's base URL while the block runs (see mlbackend_server_process)."""
    with mlbackend_server_process(storage_env=storage_env) as server:
        yield server.url


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers of `master` (Linux /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def peak_rss_bytes(pid: int) -> int:
    """The process's peak resident set size so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"No VmHWM for process {pid}.")


@contextlib.contextmanager
def moto_s3_server() -> Iterator[str]:
    """moto's standalone server (moto[server]) on a free loopback port."""
    port = free_port()
    command = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    url = f"http://127.0.0.1:{port}"
    with _process(command, env=dict(os.environ), probe=f"{url}/moto-api/"):
        yield url
