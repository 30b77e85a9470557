"""Every upload of the models-import corpus is refused through the real page:
no 500, one clear message, nothing written (rows or model files)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.fixtures.fuzz.models_import import corpus

pytestmark = pytest.mark.django_db

KEPT = sorted(corpus.FOLDER.glob("*.zip"))
#: Every table an import could write to, directly or through a processor.
TABLES = [
    ("models_app", "AnalyticsModel"),
    ("models_app", "ModelLog"),
    ("models_app", "TrainSample"),
    ("models_app", "PredictSample"),
    ("models_app", "UsedAnalysable"),
]


def _snapshot(output_dir) -> tuple:
    counts = tuple(apps.get_model(*table).objects.count() for table in TABLES)
    files = (
        sorted(str(path) for path in output_dir.rglob("*"))
        if output_dir.exists()
        else []
    )
    return counts, files


def _refusal(response) -> str:
    assert response.status_code == 200
    errors = re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>',
        response.content.decode(),
        re.S,
    )
    assert len(errors) == 1, response.content.decode()[:2000]
    return unescape(errors[0])


def test_the_kept_corpus_is_the_one_the_builder_makes():
    assert {path.stem for path in KEPT} == set(corpus.SMALL)
    assert all(path.stat().st_size < 4096 for path in KEPT)


@pytest.mark.parametrize(
    "name",
    [path.stem for path in KEPT] + sorted(corpus.LARGE),
)
def test_every_corpus_upload_is_refused_with_a_message_and_writes_nothing(
    client, manager, name
):
    from settings_app.selectors import models_output_dir

    if name in corpus.LARGE:
        data = corpus.LARGE[name]()
    else:
        data = (corpus.FOLDER / f"{name}.zip").read_bytes()
    client.force_login(manager)
    before = _snapshot(models_output_dir())
    response = client.post(
        reverse("models_app:import"), {"file": SimpleUploadedFile(f"{name}.zip", data)}
    )
    message = _refusal(response)
    assert len(message) < 400
    assert "Traceback" not in message
    assert _snapshot(models_output_dir()) == before
