"""The ML server's model storage in a directory: locks between trainings and deletions,
and what killed writers leave behind (S3: tests/integration/test_mlbackend_s3.py)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from mlbackend import services
from mlbackend.engine import storage as engine_storage
from mlbackend.engine.dataset import dataset_to_csv
from mlbackend.engine.storage import STALE_SECONDS
from mlbackend.storage import DirectoryStorage
from tests.mlbackend.datasets import separable

UNIQUEID = "e0834bc57e49e3b6128ec141d54d9b2d68d19b54"
DIRHASH = "7951873a2cda8823526d098b4c14b9a0"


@pytest.fixture
def slow_write(monkeypatch):
    """Make the next model write pause half-way, inside its temporary folder."""
    inside = threading.Event()
    fsync_dir = engine_storage._fsync_dir

    def pausing(path):
        if path.name.startswith(".tmp-") and not inside.is_set():
            inside.set()
            time.sleep(0.5)
        fsync_dir(path)

    monkeypatch.setattr(engine_storage, "_fsync_dir", pausing)
    return inside


def test_deletemodel_waits_for_a_training_of_the_same_model(tmp_path, slow_write):
    storage = DirectoryStorage(tmp_path / "store")
    data = dataset_to_csv(separable(100))
    outcome: dict[str, object] = {}
    order: list[str] = []

    def train() -> None:
        try:
            outcome["training"] = services.training_handle(
                storage=storage, uniqueid=UNIQUEID, dirhash=DIRHASH, data=data
            )
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome["training"] = exc
        order.append("trained")

    def delete() -> None:
        try:
            storage.delete(UNIQUEID)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome["delete"] = exc
        order.append("deleted")

    trainer = threading.Thread(target=train)
    trainer.start()
    assert slow_write.wait(timeout=60)
    deleter = threading.Thread(target=delete)
    deleter.start()
    trainer.join(timeout=60)
    deleter.join(timeout=60)
    assert outcome == {"training": {"status": 0, "info": []}}
    assert order == ["trained", "deleted"]
    assert not (tmp_path / "store" / UNIQUEID).exists()
    assert storage.read(UNIQUEID, DIRHASH) is None


def test_a_training_after_deletemodel_starts_afresh(tmp_path):
    storage = DirectoryStorage(tmp_path / "store")
    for _ in range(2):
        data = dataset_to_csv(separable(100))
        body = services.training_handle(
            storage=storage, uniqueid=UNIQUEID, dirhash=DIRHASH, data=data
        )
        assert body["status"] == 0
        storage.delete(UNIQUEID)
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [".locks"]


def test_a_deletion_that_was_killed_is_finished_by_the_next(tmp_path):
    root = tmp_path / "store"
    leftover = root / ".deleted-0123456789abcdef0123456789abcdef"
    (leftover / "m" / "classifier").mkdir(parents=True)
    (leftover / "m" / "classifier" / "big").write_bytes(b"x" * 1000)
    DirectoryStorage(root).delete("other")
    assert not leftover.exists()


def test_evaluation_logs_of_killed_writers_are_removed_when_old(tmp_path):
    storage = DirectoryStorage(tmp_path / "store")
    logs = tmp_path / "store" / UNIQUEID / DIRHASH / "logs"
    old, young = logs / f".tmp-{'a' * 32}", logs / f".tmp-{'b' * 32}"
    for folder in (old, young):
        folder.mkdir(parents=True)
        (folder / "roc-curve.png").write_bytes(b"x" * 1000)
    stale = time.time() - STALE_SECONDS - 60
    os.utime(old, (stale, stale))
    runid = storage.log_write(UNIQUEID, DIRHASH, {"info.log": b"ok\n"})
    assert storage.log_read(UNIQUEID, DIRHASH, runid) == {"info.log": b"ok\n"}
    assert not old.exists()
    assert young.exists()  # may belong to an evaluation still running
