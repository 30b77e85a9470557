"""Atomic folders on a local or shared filesystem.

A model folder holds immutable state folders and a `CURRENT` file naming the live one.
A write builds a new state in a temporary folder beside it (same filesystem), fsyncs
every file and the folder, renames it into place, then replaces `CURRENT` with
os.replace. A crash at any point leaves the previous state live and readable; a reader
never sees a half-written model. Writers of one folder are serialised with an flock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from mlbackend.engine.results import EngineError

CURRENT = "CURRENT"
LOCK = ".lock"
_STATE = re.compile(r"^state-[0-9a-f]{32}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
IDENTIFIER = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def identifier_check(value: str, *, name: str) -> str:
    """Model identifiers become path components: letters, digits, '_' and '-' only."""
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise EngineError(
            f"Invalid {name}: use 1 to 128 letters, digits, '_' or '-' characters."
        )
    return value


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def files_write_atomically(target: Path, files: dict[str, bytes]) -> None:
    """Create folder `target` with `files` (flat names) in one step; it must not exist."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".tmp-{uuid.uuid4().hex}"
    temporary.mkdir()
    try:
        for name, content in files.items():
            if not _SAFE_NAME.match(name):
                raise EngineError(f"Unsafe file name {name!r}.")
            with open(temporary / name, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        _fsync_dir(temporary)
        os.rename(temporary, target)
        _fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def files_read(folder: Path) -> dict[str, bytes]:
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.is_file()
    }


def tree_delete(path: Path) -> None:
    """Remove a folder: renamed away first so nobody reads it half-deleted."""
    if not path.exists():
        return
    doomed = path.parent / f".deleted-{uuid.uuid4().hex}"
    os.rename(path, doomed)
    shutil.rmtree(doomed, ignore_errors=True)


class StateFolder:
    """The live state of one model under `path`, replaced atomically as a whole."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise writers (processes and threads) of this folder."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / LOCK, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def current(self) -> Path | None:
        try:
            name = (self.path / CURRENT).read_text().strip()
        except FileNotFoundError:
            return None
        if not _STATE.match(name) or not (self.path / name).is_dir():
            return None
        return self.path / name

    def read(self) -> dict[str, bytes] | None:
        """The live files, or None when nothing was ever written.

        A state replaced while being read may be half deleted already: the read
        counts only if `CURRENT` still names the same state afterwards.
        """
        for _attempt in range(20):
            state = self.current()
            if state is None:
                return None
            try:
                files = files_read(state)
            except FileNotFoundError:
                continue
            if self.current() == state:
                return files
        raise EngineError("The model is being replaced too often to be read.")

    def write(self, files: dict[str, bytes]) -> None:
        """Make `files` the live state. Call inside `locked()` when writers compete."""
        name = f"state-{uuid.uuid4().hex}"
        files_write_atomically(self.path / name, files)
        pointer = self.path / f".{CURRENT}-{uuid.uuid4().hex}"
        with open(pointer, "w") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.path / CURRENT)
        _fsync_dir(self.path)
        for stale in self.path.iterdir():
            if _STATE.match(stale.name) and stale.name != name:
                shutil.rmtree(stale, ignore_errors=True)
