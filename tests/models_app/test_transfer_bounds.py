"""The models page import bounds what a zip may expand to by the upload's size."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from mlbackend.engine.dataset import dataset_build
from models_app.models import AnalyticsModel
from models_app.plugins.processors import model_unique_id
from models_app.plugins.processors.builtin import BuiltinProcessor
from models_app.services import archives
from models_app.services.transfer import analytics_model_import
from tests.fixtures.fuzz.models_import import corpus

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _peak_bytes_of(function) -> tuple[int, object]:
    """Peak Python allocation while `function` runs, and what it raised."""
    tracemalloc.start()
    try:
        try:
            function()
        except ValidationError as exc:
            raised = exc
        else:
            raised = None
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, raised


@pytest.mark.parametrize("case", ["nested_bomb", "nested_npz_bomb"])
def test_a_nested_zip_bomb_is_refused_without_expanding(case):
    data = (corpus.FOLDER / f"{case}.zip").read_bytes()
    assert len(data) < 4000

    def run() -> None:
        analytics_model_import(data=data)

    peak, raised = _peak_bytes_of(run)
    assert peak < 20 * MB
    assert isinstance(raised, ValidationError)
    assert "unpacks to far more than its own size" in raised.messages[0]
    assert AnalyticsModel.objects.filter(name__gt="").exists() is False


def test_a_deflate_bomb_in_the_configuration_is_refused_while_streaming():
    data = corpus.config_deflate_bomb()
    peak, raised = _peak_bytes_of(lambda: analytics_model_import(data=data))
    assert peak < 20 * MB
    assert isinstance(raised, ValidationError)
    assert "unpacks to far more" in raised.messages[0]


def test_the_running_cap_holds_when_the_headers_understate_the_size(monkeypatch):
    """Declared sizes pass, but the streamed bytes are counted all the same."""
    monkeypatch.setattr(archives.ExpansionBudget, "check", lambda self, size: None)
    data = corpus.nested_bomb()
    # Once untraced first: what the import path loads on first use (scikit-learn's
    # modules, some 70 MB of Python objects) is not the expansion being measured,
    # and is loaded already or not depending on the tests run before this one.
    _peak_bytes_of(lambda: analytics_model_import(data=data))
    peak, raised = _peak_bytes_of(lambda: analytics_model_import(data=data))
    assert isinstance(raised, ValidationError)
    assert peak < 60 * MB


def test_the_budget_grows_with_the_upload_between_a_floor_and_a_ceiling():
    small = archives.expansion_budget(upload_bytes=1000).remaining
    assert small == archives.MIN_EXPANSION_BYTES
    middle = archives.expansion_budget(upload_bytes=200_000).remaining
    assert middle == 200_000 * archives.EXPANSION_RATIO
    huge = archives.expansion_budget(upload_bytes=40 * MB).remaining
    assert huge == archives.MAX_EXPANSION_BYTES


def test_zips_nested_deeper_than_an_export_are_refused():
    with pytest.raises(ValidationError, match="more than 3 levels deep"):
        analytics_model_import(data=corpus.zip_in_zip_in_zip())


def _trained_export(features: np.ndarray, tmp_path) -> bytes:
    labels = (features[:, 0] > 0).astype(int)
    dataset = dataset_build(features=features, labels=labels, target_classes=[0, 1])
    processor = BuiltinProcessor()
    processor.train(model_id="source", dataset=dataset, output_dir=tmp_path)
    weights = processor.export(model_id="source", output_dir=tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model-config.json", json.dumps(corpus.CONFIG))
        archive.writestr("mlbackend/model.zip", weights)
        archive.writestr("mlbackend/processor.json", '{"processor": "builtin"}')
    return buffer.getvalue()


def test_a_real_export_of_near_constant_indicators_still_imports(tmp_path):
    """Such a model expands about 300 times: well within the ratio allowed."""
    rng = np.random.default_rng(0)
    features = np.zeros((20_000, 53))
    features[:, 0] = rng.choice([-1.0, 1.0], size=20_000)
    data = _trained_export(features, tmp_path)
    model = analytics_model_import(data=data)
    assert model.trained is True
    processor = BuiltinProcessor()
    unique_id = model_unique_id(model_pk=model.pk, version=model.version)
    from settings_app.selectors import models_output_dir

    assert processor.export(model_id=unique_id, output_dir=models_output_dir())


def test_an_oversized_upload_is_refused_before_the_page_reads_it(
    client, manager, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    def never(**kwargs):
        raise AssertionError("the upload was read and imported")

    monkeypatch.setattr("models_app.services.transfer.MAX_UPLOAD_BYTES", 1000)
    monkeypatch.setattr("models_app.views.analytics_model_import", never)
    client.force_login(manager)
    response = client.post(
        reverse("models_app:import"),
        {"file": SimpleUploadedFile("big.zip", b"x" * 2000)},
    )
    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
