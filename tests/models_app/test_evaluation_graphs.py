"""An evaluation's graphs on the log page: drawn when the page asks, not when it runs.

The evaluation keeps the graphs' points (graphs.json); the graph view draws a PNG from
them on the first request, keeps it beside them and serves the file from then on.
Evaluations that kept PNGs (older ones, an ML backend server's logs) show them as
they are. Only users who may see the model's logs get a graph, drawn or not.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from django.urls import reverse

from models_app.models import ModelLog
from models_app.services.running import Status, model_evaluate
from tests.models_app.running_site import (
    NOW,
    dropout_model,
    finished_course,
    running_course,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"
GRAPHS = ["roc-curve.png", "precision-recall.png", "calibration.png"]


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def evaluated() -> tuple[ModelLog, Path]:
    """A real evaluation of a dropout model on a small site, by the builtin processor."""
    finished_course(), finished_course(), running_course()
    outcome = model_evaluate(
        model=dropout_model(enabled=False), interval="quarters", now=NOW
    )
    assert outcome.status == Status.OK
    [result] = outcome.results
    return ModelLog.objects.get(pk=outcome.log_id), Path(result["dir"])


def _url(log: ModelLog, name: str) -> str:
    return reverse("models_app:graph", args=[log.pk, 0, name])


def test_evaluating_writes_no_png_and_the_page_draws_each_graph_once(
    client, manager, evaluated
):
    log, folder = evaluated
    assert sorted(p.name for p in folder.glob("*.png")) == []
    assert (folder / "graphs.json").is_file()
    client.force_login(manager)

    page = client.get(reverse("models_app:log_detail", args=[log.pk]))
    for name in GRAPHS:
        assert _url(log, name) in page.content.decode(), name

    for name in GRAPHS:
        response = client.get(_url(log, name))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "image/png"
        png = _content(response)
        assert png[:8] == PNG
        assert struct.unpack(">II", png[16:24]) == (480, 400)
        assert len(png) > 10_000
        # Kept beside the data, whole; the next request reads that file.
        assert (folder / name).read_bytes() == png
        again = client.get(_url(log, name))
        assert again.streaming is True
        assert _content(again) == png
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("persona", ["teacher", "outsider"])
def test_users_who_may_not_see_the_logs_get_no_graph_and_draw_none(
    client, request, persona, evaluated
):
    log, folder = evaluated
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(log, "roc-curve.png")).status_code == 403
    assert not (folder / "roc-curve.png").exists()


def test_anonymous_users_get_no_graph(client, evaluated):
    log, folder = evaluated
    response = client.get(_url(log, "roc-curve.png"))
    assert response.status_code == 302
    assert not (folder / "roc-curve.png").exists()


def test_an_older_evaluation_with_png_files_shows_them_as_they_are(
    client, manager, evaluated
):
    log, folder = evaluated
    for path in [folder / "graphs.json", *folder.glob("*.png")]:
        path.unlink(missing_ok=True)
    kept = PNG + b"an earlier evaluation's drawing"
    (folder / "roc-curve.png").write_bytes(kept)
    client.force_login(manager)

    page = client.get(reverse("models_app:log_detail", args=[log.pk])).content
    assert _url(log, "roc-curve.png") in page.decode()
    assert _url(log, "calibration.png") not in page.decode()
    assert _content(client.get(_url(log, "roc-curve.png"))) == kept
    assert client.get(_url(log, "calibration.png")).status_code == 404


def test_a_graph_the_evaluation_has_no_data_for_is_not_found(
    client, manager, evaluated
):
    log, folder = evaluated
    client.force_login(manager)
    assert client.get(_url(log, "secrets.txt")).status_code == 404
    response = client.get(reverse("models_app:graph", args=[log.pk, 1, GRAPHS[0]]))
    assert response.status_code == 404
