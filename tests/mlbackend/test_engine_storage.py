"""Safe, atomic storage of trained models and the zip form used by export/import."""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io

from mlbackend.engine.bundle import (
    ESTIMATOR,
    BundleError,
    bundle_from_classifier,
    bundle_from_zip,
    bundle_to_zip,
    classifier_from_bundle,
    zip_read_members,
)
from mlbackend.engine.results import EngineError
from mlbackend.engine.storage import STALE_SECONDS, StateFolder, identifier_check
from mlbackend.engine.trained import IncrementalClassifier
from tests.mlbackend.datasets import separable, unlabelled
from tests.mlbackend.servers import ROOT


class Gadget:
    """A type that is not on the trusted list."""

    def __init__(self) -> None:
        self.value = 1


@pytest.fixture(scope="module")
def bundle():
    classifier = IncrementalClassifier(estimator="logistic_regression").train(
        separable(100)
    )
    return bundle_from_classifier(classifier)


def test_a_bundle_round_trips_to_the_same_predictions(bundle):
    data = unlabelled(separable(20, seed=9))
    first = classifier_from_bundle(bundle).predict(data)
    again = classifier_from_bundle(
        bundle_from_zip(bundle_to_zip(bundle), max_total_bytes=10**8)
    )
    assert [p.score for p in again.predict(data)] == [p.score for p in first]
    assert again.labels_.shape == (100,)


def test_no_member_of_a_bundle_is_a_pickle(bundle):
    for content in bundle.values():
        with pytest.raises(pickle.UnpicklingError):
            pickle.loads(content)  # noqa: S301 - asserting that nothing is a pickle


def test_an_estimator_with_untrusted_types_is_refused(bundle):
    forged = {**bundle, ESTIMATOR: skops.io.dumps({"x": Gadget()})}
    with pytest.raises(BundleError, match="untrusted types"):
        classifier_from_bundle(forged)


def test_moodles_pickled_export_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("classifier.pkl", pickle.dumps({"n_classes": 2}))
        zipped.writestr("model.ckpt/saved_model.pb", b"x")
    with pytest.raises(BundleError, match="Unexpected file"):
        bundle_from_zip(archive.getvalue(), max_total_bytes=10**6)


@pytest.mark.parametrize("name", ["../meta.json", "/etc/passwd", "a/../../b", "C:x"])
def test_zip_members_that_escape_are_refused(name):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(name, b"{}")
    with pytest.raises(BundleError, match="unsafe path"):
        zip_read_members(archive.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("meta.json", b"\0" * 5_000_000)
    assert len(archive.getvalue()) < 50_000
    with pytest.raises(BundleError, match="larger than allowed"):
        zip_read_members(archive.getvalue(), max_total_bytes=1_000_000)


def test_a_corrupted_zip_is_refused(bundle):
    data = bytearray(bundle_to_zip(bundle))
    data[40:400] = b"\0" * 360
    with pytest.raises(BundleError):
        bundle_from_zip(bytes(data), max_total_bytes=10**8)
    with pytest.raises(BundleError, match="not a valid zip"):
        bundle_from_zip(b"not a zip at all", max_total_bytes=10**8)


def test_state_folder_replaces_the_model_whole(tmp_path, bundle):
    state = StateFolder(tmp_path / "m")
    assert state.read() is None
    state.write(bundle)
    assert state.read() == bundle
    state.write({"meta.json": b"second"})
    assert state.read() == {"meta.json": b"second"}
    assert (
        len([p for p in (tmp_path / "m").iterdir() if p.name.startswith("state-")]) == 1
    )


def test_a_failed_write_leaves_the_previous_model_in_place(tmp_path, bundle):
    state = StateFolder(tmp_path / "m")
    state.write(bundle)
    with pytest.raises(EngineError):
        state.write({"meta.json": b"new", "../escape": b"x"})
    assert state.read() == bundle
    leftovers = [
        p.name for p in (tmp_path / "m").iterdir() if p.name.startswith(".tmp")
    ]
    assert leftovers == []
    assert not (tmp_path / "escape").exists()


def test_readers_never_see_a_half_written_model(tmp_path):
    state = StateFolder(tmp_path / "m")
    versions = [{"a": bytes([i]) * 1000, "b": bytes([i]) * 1000} for i in range(30)]
    state.write(versions[0])
    seen: list[dict] = []

    def read_many() -> None:
        for _ in range(200):
            seen.append(state.read())

    reader = threading.Thread(target=read_many)
    reader.start()
    for files in versions[1:]:
        with state.locked():
            state.write(files)
    reader.join()
    assert all(files in versions for files in seen)


@pytest.mark.parametrize("value", ["", "../x", "a/b", "a" * 129, "x y", "é", "..", "."])
def test_identifiers_that_could_escape_are_refused(value):
    with pytest.raises(EngineError):
        identifier_check(value, name="uniqueid")


def test_identifiers_like_moodles_are_accepted():
    assert identifier_check("e0834bc57e49e3b6128ec141d54d9b2d68d19b54", name="u")
    assert identifier_check("12-1700000000_x", name="u")


def test_incremental_training_equals_training_on_all_samples_at_once():
    first, second = separable(120, seed=1), separable(80, seed=2)
    stepwise = IncrementalClassifier(estimator="gradient_boosting", random_state=3)
    stepwise.train(first).train(second)
    together = IncrementalClassifier(estimator="gradient_boosting", random_state=3)
    together.train(
        type(first)(
            features=np.vstack([first.features, second.features]),
            labels=np.concatenate([first.labels, second.labels]),
            columns=first.columns,
            target_classes=[0, 1],
        )
    )
    probe = separable(50, seed=7).features
    assert np.array_equal(stepwise.predict_proba(probe), together.predict_proba(probe))
    assert stepwise.labels_.shape == (200,)


def test_an_identifier_with_a_trailing_newline_is_refused():
    """`$` matches before a final newline: the pattern must match in full."""
    with pytest.raises(EngineError):
        identifier_check("e0834bc57e49e3b6128ec141d54d9b2d68d19b54\n", name="uniqueid")


def _reader_process(path: str, rounds: int, queue) -> None:
    state = StateFolder(Path(path))
    never = sum(state.read() is None for _ in range(rounds))
    queue.put(never)


def test_readers_racing_a_writer_never_hear_never_trained(tmp_path):
    """CURRENT may name a state the writer has just replaced: read it again."""
    state = StateFolder(tmp_path / "m")
    state.write({"a": b"0"})
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    readers = [
        context.Process(target=_reader_process, args=(str(state.path), 3000, queue))
        for _ in range(3)
    ]
    for reader in readers:
        reader.start()
    while any(reader.is_alive() for reader in readers):
        with state.locked():
            state.write({"a": os.urandom(8)})
    never = [queue.get(timeout=60) for _ in readers]
    for reader in readers:
        reader.join()
    assert never == [0, 0, 0]


def test_a_missing_current_is_never_trained_and_a_dangling_one_is_an_error(tmp_path):
    state = StateFolder(tmp_path / "m")
    assert state.read() is None
    state.write({"a": b"1"})
    (state.path / "CURRENT").write_text("state-" + "0" * 32)
    with pytest.raises(EngineError, match="damaged"):
        state.read()


_KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from mlbackend.engine import storage

def die(fd):
    os.kill(os.getpid(), signal.SIGKILL)

state = storage.StateFolder(Path(sys.argv[1]))
with state.locked():
    storage.os.fsync = die  # killed half-way, as by the OOM killer or kill -9
    state.write({"big": b"x" * 1_000_000})
"""


def _kill_a_writer(path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(path)],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr


def _temporaries(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith(".tmp-"))


def test_a_later_write_removes_what_killed_writers_left(tmp_path):
    state = StateFolder(tmp_path / "m")
    state.write({"a": b"1"})
    _kill_a_writer(state.path)
    _kill_a_writer(state.path)
    assert len(_temporaries(state.path)) == 2
    assert state.read() == {"a": b"1"}
    with state.locked():
        state.write({"a": b"2"})
    assert _temporaries(state.path) == []
    assert state.read() == {"a": b"2"}


def test_an_unlocked_write_removes_only_old_temporaries(tmp_path):
    state = StateFolder(tmp_path / "m")
    state.write({"a": b"1"})
    _kill_a_writer(state.path)
    _kill_a_writer(state.path)
    old, young = _temporaries(state.path)
    stale = time.time() - STALE_SECONDS - 60
    os.utime(state.path / old, (stale, stale))
    state.write({"a": b"2"})  # without the lock: another writer may be at work
    assert _temporaries(state.path) == [young]


def test_a_zip_declaring_far_more_than_its_size_is_refused_before_inflating(bundle):
    """1 MB of zeros per kB of zip: refused from the directory, whatever the cap."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("meta.json", bundle["meta.json"])
        zipped.writestr("estimator.skops", bundle["estimator.skops"])
        zipped.writestr("training.npz", b"\0" * 50_000_000)
    assert len(archive.getvalue()) < 200_000
    with pytest.raises(BundleError, match="larger than allowed"):
        bundle_from_zip(archive.getvalue(), max_total_bytes=10**10)


def test_a_bomb_inside_the_npz_is_refused_before_numpy_inflates_it(bundle):
    npz = io.BytesIO()
    np.savez_compressed(
        npz, features=np.zeros((50_000, 125)), labels=np.zeros(50_000, dtype=np.int64)
    )
    assert len(npz.getvalue()) < 200_000
    with pytest.raises(BundleError, match="training.npz declares"):
        classifier_from_bundle({**bundle, "training.npz": npz.getvalue()})


def test_the_same_bundle_zips_to_the_same_bytes_at_any_time(monkeypatch):
    """No clock in a bundle zip: an export taken a second later is the same file."""
    import time as time_module

    files = {"model.skops": b"weights", "meta.json": b"{}"}
    first = bundle_to_zip(files)
    later = time_module.time() + 3600
    monkeypatch.setattr(time_module, "time", lambda: later)
    monkeypatch.setattr(time_module, "localtime", lambda *_: time_module.gmtime(later))
    assert bundle_to_zip(files) == first
