"""Atomic folders on a local or shared filesystem.

A model folder holds immutable state folders and a `CURRENT` file naming the live one.
A write builds a new state in a temporary folder beside it (same filesystem), fsyncs
every file and the folder, renames it into place, then replaces `CURRENT` with
os.replace. A crash at any point leaves the previous state live and readable; a reader
never sees a half-written model. Writers of one folder are serialised with an flock.

A writer killed half-way leaves a `.tmp-*` folder behind; the next write removes it
(at once when that write holds the folder's lock, since no other writer can then be
running; after STALE_SECONDS otherwise), so killed writers do not fill the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from mlbackend.engine.results import EngineError

CURRENT = "CURRENT"
LOCK = ".lock"
_STATE = re.compile(r"^state-[0-9a-f]{32}$")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
#: What Moodle's server keeps of an identifier (webapp/util.py get_request_value).
IDENTIFIER = re.compile(r"[A-Za-z0-9_$-]{1,128}")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_$-]")
_TEMPORARY = re.compile(r"\.(tmp|CURRENT)-[0-9a-f]{32}")
#: Age after which a temporary folder of an unlocked folder counts as abandoned.
STALE_SECONDS = 3600
#: How long a reader waits for CURRENT to name a state that exists.
_READ_ATTEMPTS = 50

_held_guard = threading.Lock()
_held: set[Path] = set()


def identifier_check(value: str, *, name: str) -> str:
    """Model identifiers become path components: 1 to 128 of [A-Za-z0-9_$-].

    A full match: `$` would also match before a trailing newline.
    """
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise EngineError(
            f"Invalid {name}: use 1 to 128 letters, digits, '_', '-' or '$' characters."
        )
    return value


def identifier_clean(value: str) -> str:
    """Delete every character outside [A-Za-z0-9_$-], as Moodle's server does.

    Moodle's own tests send ids such as "whatever0.99380300 1796107895"; its server
    keeps "whatever0993803001796107895" and goes on. The result may be empty or too
    long: check it with identifier_check.
    """
    return _NOT_IDENTIFIER.sub("", value)


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
            if not _SAFE_NAME.fullmatch(name):
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
    """Remove a folder: renamed away first so nobody reads it half-deleted.

    Folders that an earlier, killed deletion renamed away are removed too.
    """
    if path.exists():
        doomed = path.parent / f".deleted-{uuid.uuid4().hex}"
        os.rename(path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        for leftover in path.parent.glob(".deleted-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def temporaries_remove(folder: Path, *, older_than: float = STALE_SECONDS) -> None:
    """Remove the `.tmp-*` folders and `.CURRENT-*` files of writers that died.

    Only entries last modified more than `older_than` seconds ago go: a younger one
    may belong to a writer still at work (0 when the caller holds the lock that all
    writers of `folder` take).
    """
    limit = time.time() - older_than
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return
    for entry in entries:
        if not _TEMPORARY.fullmatch(entry.name):
            continue
        try:
            if older_than > 0 and entry.lstat().st_mtime > limit:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
        except FileNotFoundError:
            continue


class StateFolder:
    """The live state of one model under `path`, replaced atomically as a whole."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise writers (processes and threads) of this folder."""
        self.path.mkdir(parents=True, exist_ok=True)
        key = self.path.absolute()
        with open(self.path / LOCK, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            with _held_guard:
                _held.add(key)
            try:
                yield
            finally:
                with _held_guard:
                    _held.discard(key)
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def current(self) -> Path | None:
        """The live state folder; None only when nothing was ever written.

        A writer replaces `CURRENT` before it deletes the state it replaced, so a
        `CURRENT` that names a missing state was just replaced: read it again.
        """
        for attempt in range(_READ_ATTEMPTS):
            try:
                name = (self.path / CURRENT).read_text().strip()
            except FileNotFoundError:
                return None
            if not _STATE.fullmatch(name):
                raise EngineError(
                    f"The stored model in {self.path} is damaged ({CURRENT} names "
                    f"{name[:80]!r}): delete the model and train it again."
                )
            if (self.path / name).is_dir():
                return self.path / name
            time.sleep(0.001 * attempt)
        raise EngineError(
            f"The stored model in {self.path} is damaged ({CURRENT} names a state "
            "that does not exist): delete the model and train it again."
        )

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
            if _STATE.fullmatch(stale.name) and stale.name != name:
                shutil.rmtree(stale, ignore_errors=True)
        with _held_guard:
            holding = self.path.absolute() in _held
        temporaries_remove(self.path, older_than=0 if holding else STALE_SECONDS)
