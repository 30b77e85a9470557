"""Safe, atomic storage of trained models and the zip form used by export/import."""

from __future__ import annotations

import io
import pickle
import threading
import zipfile

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
from mlbackend.engine.storage import StateFolder, identifier_check
from mlbackend.engine.trained import IncrementalClassifier
from tests.mlbackend.datasets import separable, unlabelled


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
