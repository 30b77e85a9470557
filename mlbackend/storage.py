"""Where the ML backend server keeps models: a directory or an S3 bucket.

Layout (both): per `<uniqueid>/<dirhash>`, the trained model's files (engine.bundle)
and one log folder per evaluation run (graphs, metrics.json, info.log).

- Directory (MOODLE_MLBACKEND_PYTHON_DIR): `<uniqueid>/<dirhash>/classifier/` is an
  atomic state folder (engine.storage), `<uniqueid>/<dirhash>/logs/<runid>/` is
  created in one rename.
- S3 (MOODLE_MLBACKEND_PYTHON_S3_BUCKET_NAME, boto3 with the usual AWS_* variables):
  `<uniqueid>/<dirhash>/classifier.zip` and `<uniqueid>/<dirhash>/logs/<runid>.zip`;
  each PUT replaces an object whole. Unlike Moodle's server the logs are uploaded too,
  so /evaluationlog works with S3, and nothing is shared between requests.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from django.conf import settings

from mlbackend.engine.bundle import bundle_to_zip, zip_read_members
from mlbackend.engine.storage import (
    StateFolder,
    files_read,
    files_write_atomically,
    identifier_check,
    tree_delete,
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
    def locked(self, uniqueid: str, dirhash: str) -> Iterator[None]:
        with _thread_lock(uniqueid, dirhash), self._state(uniqueid, dirhash).locked():
            yield

    def read(self, uniqueid: str, dirhash: str) -> dict[str, bytes] | None:
        return self._state(uniqueid, dirhash).read()

    def write(self, uniqueid: str, dirhash: str, files: dict[str, bytes]) -> None:
        self._state(uniqueid, dirhash).write(files)

    def log_write(self, uniqueid: str, dirhash: str, files: dict[str, bytes]) -> int:
        """Store one run's files under a fresh runid; returns the runid."""
        logs = self._model_dir(uniqueid, dirhash) / "logs"
        runid = _runid()
        while True:
            try:
                files_write_atomically(logs / str(runid), files)
                return runid
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                runid += 1

    def log_read(self, uniqueid: str, dirhash: str, runid: int) -> dict[str, bytes]:
        folder = self._model_dir(uniqueid, dirhash) / "logs" / str(int(runid))
        return files_read(folder) if folder.is_dir() else {}

    def delete(self, uniqueid: str) -> None:
        identifier_check(uniqueid, name="uniqueid")
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

    @contextlib.contextmanager
    def locked(self, uniqueid: str, dirhash: str) -> Iterator[None]:
        # S3 has no locks: this serialises the writers of one server process.
        with _thread_lock(self.bucket, uniqueid, dirhash):
            yield

    def _get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def _exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError:
            return False
        return True

    def read(self, uniqueid: str, dirhash: str) -> dict[str, bytes] | None:
        data = self._get(f"{self._prefix(uniqueid, dirhash)}/classifier.zip")
        return None if data is None else zip_read_members(data)

    def write(self, uniqueid: str, dirhash: str, files: dict[str, bytes]) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=f"{self._prefix(uniqueid, dirhash)}/classifier.zip",
            Body=bundle_to_zip(files),
        )

    def log_write(self, uniqueid: str, dirhash: str, files: dict[str, bytes]) -> int:
        prefix = self._prefix(uniqueid, dirhash)
        with _thread_lock(self.bucket, uniqueid, dirhash, "logs"):
            runid = _runid()
            while self._exists(f"{prefix}/logs/{runid}.zip"):
                runid += 1
            self.client.put_object(
                Bucket=self.bucket,
                Key=f"{prefix}/logs/{runid}.zip",
                Body=bundle_to_zip(files),
            )
        return runid

    def log_read(self, uniqueid: str, dirhash: str, runid: int) -> dict[str, bytes]:
        data = self._get(f"{self._prefix(uniqueid, dirhash)}/logs/{int(runid)}.zip")
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
