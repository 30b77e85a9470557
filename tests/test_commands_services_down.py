"""manage.py with the database or the task queue down: one plain line, exit 69;
with a configuration that cannot be loaded: one plain line, exit 78.

Real subprocesses against a real closed port on 127.0.0.1 (a socket bound but not
listening, so the refusal is immediate and no other process can take the port).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.commandline import EX_CONFIG, EX_UNAVAILABLE

ROOT = Path(__file__).resolve().parent.parent
OULAD = ROOT.parent / "shared/data/oulad"
SECRET = "pw-that-must-not-show"


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "FORESIGHT_DATA_DIR": str(tmp_path), **env}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


def assert_one_plain_line(
    result: subprocess.CompletedProcess, *names: str, status: int = EX_UNAVAILABLE
) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == status, output
    assert "Traceback" not in output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for name in names:
        assert name in result.stderr
    assert SECRET not in output


@pytest.mark.parametrize(
    "command",
    [
        ["train_models"],
        ["predict_models", "--modelid", "1"],
        ["migrate"],
        ["enable_model", "--list"],
        ["import_oulad", str(OULAD)],
    ],
    ids=lambda command: command[0],
)
def test_command_with_the_database_down_says_so_in_one_line(
    command, closed_port, tmp_path
):
    assert OULAD.is_dir(), f"the OULAD sample is expected in {OULAD}"
    url = f"postgres://foresight:{SECRET}@127.0.0.1:{closed_port}/foresight"
    result = manage(*command, tmp_path=tmp_path, DATABASE_URL=url)
    assert_one_plain_line(
        result, "PostgreSQL", f"127.0.0.1:{closed_port}", "DATABASE_URL"
    )
    assert "Connection refused" in result.stderr


def test_sqlite_database_that_cannot_be_opened_says_so_in_one_line(tmp_path):
    folder = tmp_path / "db-is-a-folder"
    folder.mkdir()
    result = manage(
        "enable_model", "--list", tmp_path=tmp_path, DATABASE_URL=f"sqlite:///{folder}"
    )
    assert_one_plain_line(result, "SQLite", str(folder), "FORESIGHT_DATA_DIR")


def test_a_data_folder_that_cannot_be_created_says_so_in_one_line(tmp_path):
    result = manage(
        "migrate", tmp_path=tmp_path, FORESIGHT_DATA_DIR="/proc/foresight-data"
    )
    assert_one_plain_line(
        result, "SQLite", "/proc/foresight-data/db.sqlite3", "FORESIGHT_DATA_DIR"
    )


@pytest.mark.parametrize("scheme", ["redis", "amqp"])
def test_queueing_with_the_broker_down_says_so_in_one_line(
    scheme, closed_port, tmp_path
):
    url = f"{scheme}://guest:{SECRET}@127.0.0.1:{closed_port}/0"
    code = "from models_app.tasks import train_models_task; train_models_task.delay()"
    result = manage(
        "shell", "-v", "0", "-c", code, tmp_path=tmp_path, CELERY_BROKER_URL=url
    )
    assert_one_plain_line(
        result, "task queue", f"127.0.0.1:{closed_port}", "CELERY_BROKER_URL"
    )


def test_a_query_error_on_a_database_that_answers_keeps_its_traceback(tmp_path):
    code = (
        "from django.db import connection; "
        "connection.cursor().execute('SELECT * FROM no_such_table')"
    )
    result = manage("shell", "-c", code, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "no_such_table" in result.stderr


def test_traceback_option_keeps_the_traceback(closed_port, tmp_path):
    url = f"postgres://foresight@127.0.0.1:{closed_port}/foresight"
    result = manage("migrate", "--traceback", tmp_path=tmp_path, DATABASE_URL=url)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "OperationalError" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "names"),
    [
        ("FORESIGHT_LOGIN_FAILURE_LIMIT", "five", ["'five'", "FORESIGHT_LOGIN_"]),
        (
            "DATABASE_URL",
            f"postgres://u:{SECRET}@127.0.0.1:no/x",
            ["Port", "DATABASE_URL"],
        ),
        ("DATABASE_URL", "nosuch://somewhere/x", ["'nosuch'", "database backend"]),
    ],
)
def test_a_configuration_that_cannot_be_loaded_says_so_in_one_line(
    variable, value, names, tmp_path
):
    result = manage("migrate", tmp_path=tmp_path, **{variable: value})
    assert_one_plain_line(result, *names, status=EX_CONFIG)
    assert ".env.example" in result.stderr
