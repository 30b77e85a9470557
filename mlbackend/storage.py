"""Where the ML backend server keeps models: a directory or an S3 bucket.

Layout (both): per `<uniqueid>/<dirhash>`, the trained model's files (engine.bundle)
and one log folder per evaluation run (graphs, metrics.json, info.log).

- Directory (MOODLE_MLBACKEND_PYTHON_DIR): `<uniqueid>/<dirhash>/classifier/` is an
  atomic state folder (engine.storage), `<uniqueid>/<dirhash>/logs/<runid>/` is
  created in one rename. Every request that writes under `<uniqueid>/` holds
  `.locks/<uniqueid>.lock` shared, and /deletemodel holds it exclusively, so a model
  is never deleted under a training that is writing it (the lock files live outside
  the tree that a deletion renames away, so a waiting writer never locks a ghost).
- S3 (MOODLE_MLBACKEND_PYTHON_S3_BUCKET_NAME, boto3 with the usual AWS_* variables):
  `<uniqueid>/<dirhash>/classifier.zip` and `<uniqueid>/<dirhash>/logs/<runid>.zip`;
  each PUT replaces an object whole. S3 has no locks, and several server instances
  may share a bucket: `update` is a read-modify-write with S3 conditional writes
  (`IfMatch` on the ETag that was read, `IfNoneMatch="*"` for a new object), retried
  on conflict, so two instances never lose each other's training samples. Unlike
  Moodle's server the logs are uploaded too, so /evaluationlog works with S3, and
  nothing is shared between requests.

Both offer: `read`, `update` (atomic read-modify-write), `replace` (store whole),
`log_write`, `log_read`, `delete` and `describe`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from django.conf import settings

from mlbackend.engine.bundle import bundle_to_zip, zip_read_members
from mlbackend.engine.results import EngineError
from mlbackend.engine.storage import (
    StateFolder,
    files_read,
    files_write_atomically,
    identifier_check,
    temporaries_remove,
    tree_delete,
)

Files = dict[str, bytes]
#: A change of a stored model: the stored files (None: never trained) -> new files.
Change = Callable[[Files | None], Files]
#: Conditional writes that lost a race are retried this many times in all.
S3_ATTEMPTS = 8
_S3_CONFLICTS = frozenset(
    {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "412", "409"}
)

_locks_guard = threading.Lock()
_locks: dict[tuple[str, ...], threading.Lock] = {}


def _thread_lock(*key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _runid() -> int:
    return time.time_ns() // 1_000_000


class DirectoryStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _model_dir(self, uniqueid: str, dirhash: str) -> Path:
        identifier_check(uniqueid, name="uniqueid")
        identifier_check(dirhash, name="dirhash")
        return self.root / uniqueid / dirhash

    def _state(self, uniqueid: str, dirhash: str) -> StateFolder:
        return StateFolder(self._model_dir(uniqueid, dirhash) / "classifier")

    def describe(self, uniqueid: str, dirhash: str, runid: int) -> str:
        return str(self._model_dir(uniqueid, dirhash) / "logs" / str(runid))

    @contextlib.contextmanager
    def _model_locked(self, uniqueid: str, *, exclusive: bool) -> Iterator[None]:
        """All writers of a model share this lock; a deletion takes it alone."""
        identifier_check(uniqueid, name="uniqueid")
        folder = self.root / ".locks"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{uniqueid}.lock", "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _locked(self, uniqueid: str, dirhash: str) -> Iterator[StateFolder]:
        state = self._state(uniqueid, dirhash)
        with (
            self._model_locked(uniqueid, exclusive=False),
            _thread_lock(uniqueid, dirhash),
            state.locked(),
        ):
            yield state

    def read(self, uniqueid: str, dirhash: str) -> Files | None:
        return self._state(uniqueid, dirhash).read()

    def update(self, uniqueid: str, dirhash: str, change: Change) -> Files:
        """Apply `change` to the stored files under the model's lock; store the result.

        When `change` raises, nothing is written. Returns what was stored.
        """
        with self._locked(uniqueid, dirhash) as state:
            files = change(state.read())
            state.write(files)
        return files

    def replace(self, uniqueid: str, dirhash: str, files: Files) -> None:
        with self._locked(uniqueid, dirhash) as state:
            state.write(files)

    def log_write(self, uniqueid: str, dirhash: str, files: Files) -> int:
        """Store one run's files under a fresh runid; returns the runid."""
        logs = self._model_dir(uniqueid, dirhash) / "logs"
        runid = _runid()
        with self._model_locked(uniqueid, exclusive=False):
            temporaries_remove(logs)
            while True:
                try:
                    files_write_atomically(logs / str(runid), files)
                    return runid
                except OSError as exc:
                    if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                        raise
                    runid += 1

    def log_read(self, uniqueid: str, dirhash: str, runid: int) -> Files:
        folder = self._model_dir(uniqueid, dirhash) / "logs" / str(int(runid))
        return files_read(folder) if folder.is_dir() else {}

    def delete(self, uniqueid: str) -> None:
        """Delete every folder of the model, waiting for its writers to finish."""
        with self._model_locked(uniqueid, exclusive=True):
            tree_delete(self.root / uniqueid)


@cache
def _s3_client(endpoint_url: str | None):
    import boto3

    # boto3 also reads AWS_ENDPOINT_URL itself; passing it keeps old botocores working.
    return boto3.client("s3", endpoint_url=endpoint_url or None)


class S3Storage:
    def __init__(self, bucket: str, *, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url

    @property
    def client(self):
        return _s3_client(self.endpoint_url)

    def _prefix(self, uniqueid: str, dirhash: str) -> str:
        identifier_check(uniqueid, name="uniqueid")
        identifier_check(dirhash, name="dirhash")
        return f"{uniqueid}/{dirhash}"

    def describe(self, uniqueid: str, dirhash: str, runid: int) -> str:
        return f"s3://{self.bucket}/{self._prefix(uniqueid, dirhash)}/logs/{runid}.zip"

    def _get(self, key: str) -> tuple[bytes | None, str | None]:
        """The object's content and ETag; (None, None) when it does not exist."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None, None
        return answer["Body"].read(), answer["ETag"]

    def _put(self, key: str, body: bytes, **conditions: str) -> bool:
        """PUT under `conditions`; False when they failed (another writer won)."""
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, **conditions)
        except self.client.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
            if conditions and (
                error.get("Code") in _S3_CONFLICTS or status in _S3_CONFLICTS
            ):
                return False
            raise
        return True

    def _model_key(self, uniqueid: str, dirhash: str) -> str:
        return f"{self._prefix(uniqueid, dirhash)}/classifier.zip"

    def read(self, uniqueid: str, dirhash: str) -> Files | None:
        data, _ = self._get(self._model_key(uniqueid, dirhash))
        return None if data is None else zip_read_members(data)

    def update(self, uniqueid: str, dirhash: str, change: Change) -> Files:
        """Read, change, write only if nobody wrote meanwhile; else start again.

        The thread lock spares conflicts between the threads of one process; the
        conditional PUT settles those between processes and machines.
        """
        key = self._model_key(uniqueid, dirhash)
        with _thread_lock(self.bucket, uniqueid, dirhash):
            for attempt in range(S3_ATTEMPTS):
                data, etag = self._get(key)
                files = change(None if data is None else zip_read_members(data))
                condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
                if self._put(key, bundle_to_zip(files), **condition):
                    return files
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))  # noqa: S311
        raise EngineError(
            f"The model was changed by other requests {S3_ATTEMPTS} times while this "
            "one was training: send the request again."
        )

    def replace(self, uniqueid: str, dirhash: str, files: Files) -> None:
        self._put(self._model_key(uniqueid, dirhash), bundle_to_zip(files))

    def log_write(self, uniqueid: str, dirhash: str, files: Files) -> int:
        """Store one run's files under a fresh runid (a new object, never replaced)."""
        prefix = self._prefix(uniqueid, dirhash)
        body = bundle_to_zip(files)
        runid = _runid()
        while not self._put(f"{prefix}/logs/{runid}.zip", body, IfNoneMatch="*"):
            runid += 1
        return runid

    def log_read(self, uniqueid: str, dirhash: str, runid: int) -> Files:
        data, _ = self._get(f"{self._prefix(uniqueid, dirhash)}/logs/{int(runid)}.zip")
        return {} if data is None else zip_read_members(data)

    def delete(self, uniqueid: str) -> None:
        identifier_check(uniqueid, name="uniqueid")
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{uniqueid}/"):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )


def storage_from_settings() -> DirectoryStorage | S3Storage:
    """The configured storage, read from the settings on each call (never at import)."""
    bucket = getattr(settings, "FORESIGHT_MLBACKEND_S3_BUCKET", "")
    if bucket:
        return S3Storage(bucket, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    return DirectoryStorage(Path(settings.FORESIGHT_MLBACKEND_DIR))
