"""One evaluation path for both processors: the built-in one in process and the ML
backend server (ours, mounted in the site) give the same figures and keep the same
files under `<output_dir>/<model_id>/evaluation/<runid>/`, except that the server's
log has its graphs drawn (Moodle's clients read them) where the built-in processor
keeps their points, drawn when a page asks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlbackend.engine.graphs import files_drawn, graphs_available
from models_app.plugins.processors.builtin import BuiltinProcessor
from models_app.plugins.processors.mlbackend import MlbackendProcessor
from tests.mlbackend.datasets import separable
from tests.models_app.test_processors_mlbackend import mounted  # noqa: F401

MODEL = "0123456789abcdef0123456789abcdef01234567"


def _evaluate(processor, output: Path, dataset, **options):
    result = processor.evaluate(
        model_id=MODEL, dataset=dataset, output_dir=output, **options
    )
    folder = Path(result.dir)
    assert folder.parent == output / MODEL / "evaluation"
    assert folder.name == str(result.runid)
    return result, {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trained_model", [False, True])
def test_builtin_and_server_evaluate_alike(mounted, tmp_path, trained_model):  # noqa: F811
    # The server calibrates nothing: compare with the built-in processor's raw model.
    builtin = BuiltinProcessor(calibration="none")
    server = MlbackendProcessor()
    dataset = separable(160)
    for processor, output in ((builtin, tmp_path / "a"), (server, tmp_path / "b")):
        assert processor.train(model_id=MODEL, dataset=dataset, output_dir=output).ok
    probe = separable(120, seed=5)
    ours, our_files = _evaluate(
        builtin, tmp_path / "a", probe, n_iterations=3, trained_model=trained_model
    )
    theirs, their_files = _evaluate(
        server, tmp_path / "b", probe, n_iterations=3, trained_model=trained_model
    )
    assert (ours.status, ours.score, ours.deviation) == (
        theirs.status,
        theirs.score,
        theirs.deviation,
    )
    assert ours.info == theirs.info
    assert "graphs.json" in our_files
    assert not [name for name in our_files if name.endswith(".png")]
    assert sorted(files_drawn(our_files)) == sorted(their_files)
    assert graphs_available(Path(ours.dir)) == graphs_available(Path(theirs.dir))
    assert json.loads(our_files["metrics.json"]) == json.loads(
        their_files["metrics.json"]
    )
    assert our_files["info.log"] == their_files["info.log"]


@pytest.mark.django_db
def test_two_evaluations_in_the_same_millisecond_keep_both(tmp_path, monkeypatch):
    import time

    monkeypatch.setattr(time, "time_ns", lambda: 1_700_000_000_000_000_000)
    processor = BuiltinProcessor()
    first = processor.evaluate(
        model_id=MODEL, dataset=separable(100), output_dir=tmp_path, n_iterations=1
    )
    second = processor.evaluate(
        model_id=MODEL, dataset=separable(100), output_dir=tmp_path, n_iterations=1
    )
    assert second.runid == first.runid + 1
    assert Path(first.dir).is_dir() and Path(second.dir).is_dir()
