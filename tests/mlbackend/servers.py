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


@contextlib.contextmanager
def _process(command: list[str], *, env: dict[str, str], probe: str) -> Iterator[None]:
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait(probe, process, Path(log.name))
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.unlink(log.name)


@contextlib.contextmanager
def mlbackend_server(*, storage_env: dict[str, str]) -> Iterator[str]:
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
            "MOODLE_MLBACKEND_PYTHON_USERS": f"{USER}:{PASSWORD}",
            "FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES": "5000000",
            **storage_env,
        }
    )
    command = [
        str(BIN / "gunicorn"),
        "mlbackend.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--timeout",
        "300",
        "--no-control-socket",
    ]
    url = f"http://127.0.0.1:{port}"
    with _process(command, env=env, probe=f"{url}/version"):
        yield url


@contextlib.contextmanager
def moto_s3_server() -> Iterator[str]:
    """moto's standalone server (moto[server]) on a free loopback port."""
    port = free_port()
    command = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    url = f"http://127.0.0.1:{port}"
    with _process(command, env=dict(os.environ), probe=f"{url}/moto-api/"):
        yield url
