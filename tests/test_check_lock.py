"""bin/check_lock.py: `make test` stops when a requirements file outran its lock."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements.lock",
    "requirements-dev.lock",
    "requirements-mlbackend.txt",
    "requirements-mlbackend.lock",
)


def check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "bin" / "check_lock.py"), str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def pinned_line(path: Path, name: str) -> str:
    [line] = [
        line for line in path.read_text().splitlines() if line.startswith(name + "==")
    ]
    return line


def test_the_committed_locks_match_the_requirements():
    result = check(ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_every_lock_entry_has_hashes():
    for lock in ("requirements.lock", "requirements-dev.lock"):
        entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
        packages = [entry for entry in entries if not entry.startswith("#")]
        assert len(packages) > 30
        for entry in packages:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_a_new_version_without_make_lock_fails_with_what_to_do(checkout):
    line = pinned_line(checkout / "requirements.txt", "tqdm")
    edit(checkout / "requirements.txt", line, "tqdm==99.0.0")
    result = check(checkout)
    assert result.returncode == 1
    assert "requirements.txt pins tqdm==99.0.0 but requirements.lock has" in (
        result.stderr
    )
    assert "Run `make lock`" in result.stderr


def test_a_new_dev_pin_without_make_lock_fails(checkout):
    with (checkout / "requirements-dev.txt").open("a") as file:
        file.write("left-pad==1.0.0  # added today\n")
    result = check(checkout)
    assert result.returncode == 1
    assert (
        "requirements-dev.txt pins left-pad==1.0.0, which requirements-dev.lock "
        "does not have" in result.stderr
    )
    assert "requirements.lock" not in result.stderr.replace("requirements-dev", "")


def test_a_dropped_pin_without_make_lock_fails(checkout):
    line = pinned_line(checkout / "requirements.txt", "tqdm")
    edit(checkout / "requirements.txt", line + "\n", "")
    result = check(checkout)
    assert result.returncode == 1
    assert "requirements.lock still has tqdm==" in result.stderr
    assert "which no longer pins it" in result.stderr


def test_an_unpinned_requirement_is_refused(checkout):
    with (checkout / "requirements.txt").open("a") as file:
        file.write("requests-toolbelt>=1\n")
    result = check(checkout)
    assert result.returncode == 1
    assert "'requests-toolbelt>=1' is not pinned as name==version" in result.stderr


def test_names_compare_as_pip_does(checkout):
    """Case, "_" and "." do not matter: PyMySQL in the .txt is pymysql in the lock."""
    edit(checkout / "requirements.txt", "PyMySQL==", "pymysql==")
    result = check(checkout)
    assert result.returncode == 0, result.stderr


def test_the_makefile_and_the_site_image_install_from_the_locks_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert "$(BIN)/.installed: requirements.lock requirements-dev.lock" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r /tmp/requirements.lock" in dockerfile
    assert (
        "pip install --require-hashes -r /tmp/requirements-mlbackend.lock" in dockerfile
    )


def test_the_ml_server_lock_follows_its_requirements(checkout):
    """requirements.txt includes the ML server's file; a pin changed there and
    not in its lock is caught for that lock too."""
    edit(checkout / "requirements-mlbackend.txt", "boto3==1.44.8", "boto3==1.44.9")
    result = check(checkout)
    assert result.returncode == 1
    assert "requirements-mlbackend.lock has boto3==1.44.8" in result.stderr
