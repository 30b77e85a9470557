"""An evaluation's graphs: points kept at evaluation time, PNGs drawn once on demand."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from mlbackend.engine import graphs
from mlbackend.engine.evaluation import evaluation_run
from tests.mlbackend.datasets import noise, separable

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(content: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert content[:8] == PNG
    assert content[12:16] == b"IHDR"
    return struct.unpack(">II", content[16:24])


@pytest.fixture
def folder(tmp_path) -> Path:
    """An evaluation's folder as the processors keep it."""
    _, files = evaluation_run(dataset=noise(400), estimator="logistic_regression")
    run = tmp_path / "evaluation" / "1"
    run.mkdir(parents=True)
    for name, content in files.items():
        (run / name).write_bytes(content)
    return run


def test_an_evaluation_draws_nothing_and_its_data_is_small():
    _, files = evaluation_run(dataset=noise(2000), estimator="logistic_regression")
    assert sorted(files) == ["graphs.json", "info.log", "metrics.json"]
    data = json.loads(files["graphs.json"])
    # 10 rounds of 400 test samples; each curve thinned to at most MAX_POINTS.
    for name in ("roc-curve.png", "precision-recall.png"):
        curves = data[name]["curves"]
        assert len(curves) == 10
        assert max(len(c["x"]) for c in curves) <= graphs.MAX_POINTS
        assert all(len(c["x"]) == len(c["y"]) for c in curves)
    assert len(files["graphs.json"]) < 120_000


def test_thinning_keeps_both_ends_of_a_curve():
    x = [i / 999 for i in range(1000)]
    kept_x, kept_y = graphs._thinned(x, x)
    assert len(kept_x) == graphs.MAX_POINTS
    assert (kept_x[0], kept_x[-1]) == (0.0, 1.0)
    assert kept_x == kept_y == sorted(kept_x)


@pytest.mark.parametrize("name", graphs.GRAPH_NAMES)
def test_each_graph_is_drawn_on_demand_and_kept(folder, name):
    assert not (folder / name).exists()
    assert name in graphs.graphs_available(folder)

    png = graphs.graph_png_kept(folder, name)

    assert png is not None
    assert png_size(png) == (480, 400)  # 6 x 5 inches at 80 dpi
    assert len(png) > 10_000  # axes, curves and text, not an empty canvas
    assert (folder / name).read_bytes() == png
    # Nothing else is left behind: the temporary file was renamed into place.
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["graphs.json", "info.log", "metrics.json", name]
    )


def test_a_graph_without_data_is_not_drawn(tmp_path, folder):
    assert graphs.graph_png_kept(tmp_path / "evaluation", "roc-curve.png") is None
    assert graphs.graph_png_kept(folder, "secrets.txt") is None
    data = json.loads((folder / "graphs.json").read_text())
    del data["learning-curve.png"]
    (folder / "graphs.json").write_text(json.dumps(data))
    assert graphs.graph_png_kept(folder, "learning-curve.png") is None
    assert "learning-curve.png" not in graphs.graphs_available(folder)
    assert not (folder / "learning-curve.png").exists()


@pytest.mark.parametrize(
    "spec",
    [
        {"curves": [{"name": "x", "x": [0, "1"], "y": [0, 1]}]},
        {"curves": [{"name": "x", "x": [0, 1], "y": [0]}]},
        {"curves": [{"name": "x", "x": [0, 1e999], "y": [0, 1]}]},
        {"curves": "none"},
        [1, 2],
    ],
)
def test_data_from_elsewhere_is_checked_before_drawing(tmp_path, spec):
    """A graphs.json downloaded from an ML backend server is not trusted."""
    (tmp_path / "graphs.json").write_text(json.dumps({"roc-curve.png": spec}))
    assert graphs.graph_png_kept(tmp_path, "roc-curve.png") is None
    assert not (tmp_path / "roc-curve.png").exists()
    assert not list(tmp_path.glob(".*"))


def test_a_dollar_in_a_curve_name_is_drawn_as_text(tmp_path):
    spec = {"curves": [{"name": "$\\frac{a}{b}$", "x": [0, 1], "y": [0, 1]}]}
    png = graphs.graph_png({"roc-curve.png": spec}, "roc-curve.png")
    assert png.startswith(PNG)


def test_a_graph_that_cannot_be_kept_is_still_drawn(folder):
    """Kept where possible; a failed write leaves no temporary file behind."""
    (folder / "roc-curve.png").mkdir()  # os.replace onto a folder fails

    png = graphs.graph_png_kept(folder, "roc-curve.png")

    assert png is not None and png.startswith(PNG)
    assert sorted(p.name for p in folder.iterdir()) == [
        "graphs.json",
        "info.log",
        "metrics.json",
        "roc-curve.png",
    ]
    assert (folder / "roc-curve.png").is_dir()


def test_files_drawn_gives_the_pngs_in_place_of_the_data():
    _, files = evaluation_run(dataset=separable(200), estimator="logistic_regression")
    drawn = graphs.files_drawn(files)
    assert sorted(drawn) == sorted(["info.log", "metrics.json", *graphs.GRAPH_NAMES])
    for name in graphs.GRAPH_NAMES:
        assert drawn[name].startswith(PNG), name
    assert drawn["metrics.json"] == files["metrics.json"]
