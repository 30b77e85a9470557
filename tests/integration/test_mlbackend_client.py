"""The `mlbackend` processor driven through the whole cycle against a real server.

By default the server is ours, started with gunicorn on 127.0.0.1. With
FORESIGHT_TEST_MLBACKEND_URL, _USERNAME and _PASSWORD set, the same tests run against
that server instead (e.g. Moodle's moodlemlbackend 3.0.5, or a server an operator is
about to switch the site to): it works when every test here passes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mlbackend.engine.dataset import dataset_to_csv
from models_app.plugins.processors.client import MlbackendClient, MlbackendError
from models_app.plugins.processors.mlbackend import MlbackendProcessor
from models_app.plugins.registry import processor_class
from settings_app.models import AnalyticsSettings
from tests.mlbackend.datasets import separable, unlabelled
from tests.mlbackend.servers import PASSWORD, USER, free_port, mlbackend_server

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

EXTERNAL = bool(os.environ.get("FORESIGHT_TEST_MLBACKEND_URL"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(url, username, password) of the server under test."""
    if EXTERNAL:
        yield (
            os.environ["FORESIGHT_TEST_MLBACKEND_URL"],
            os.environ.get("FORESIGHT_TEST_MLBACKEND_USERNAME", ""),
            os.environ.get("FORESIGHT_TEST_MLBACKEND_PASSWORD", ""),
        )
        return
    store = tmp_path_factory.mktemp("mlbackend-store")
    with mlbackend_server(
        storage_env={"MOODLE_MLBACKEND_PYTHON_DIR": str(store)}
    ) as url:
        yield url, USER, PASSWORD


@pytest.fixture
def processor(server):
    url, username, password = server
    config = AnalyticsSettings.load()
    config.mlbackend_url = url
    config.mlbackend_username = username
    config.mlbackend_password = password
    config.save()
    return processor_class("mlbackend")()


def _model_id(request) -> str:
    """Unique per test and run, so a shared external server never mixes models."""
    raw = f"{request.node.nodeid}-{os.getpid()}-{id(request)}"
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def test_the_whole_cycle(processor, tmp_path, request):
    model_id, output = _model_id(request), tmp_path
    assert processor.is_ready() is None

    trained = processor.train(
        model_id=model_id, dataset=separable(300), output_dir=output
    )
    assert trained.status == 0, trained.info

    probe = separable(40, seed=8)
    result = processor.predict(
        model_id=model_id, dataset=unlabelled(probe), output_dir=output
    )
    assert result.status == 0
    assert [p.sample_id for p in result.predictions] == [f"s{i}-0" for i in range(40)]
    predicted = np.array([p.prediction for p in result.predictions])
    assert (predicted == probe.labels).mean() >= 0.95
    assert all(0.5 <= p.score <= 1.0 for p in result.predictions)

    evaluation = processor.evaluate(
        model_id=model_id, dataset=separable(300, seed=2), output_dir=output
    )
    assert evaluation.status == 0, evaluation.info
    assert evaluation.score >= 0.95
    assert evaluation.deviation <= 0.05
    log_dir = Path(evaluation.dir)
    assert log_dir.parent == output / model_id / "evaluation"
    assert (log_dir / "roc-curve.png").read_bytes().startswith(b"\x89PNG")

    on_trained = processor.evaluate(
        model_id=model_id,
        dataset=separable(100, seed=3),
        output_dir=output,
        trained_model=True,
    )
    assert on_trained.status == 0, on_trained.info
    assert on_trained.deviation == 0

    exported = processor.export(model_id=model_id, output_dir=output)
    assert zipfile.ZipFile(io.BytesIO(exported)).namelist()
    copy_id = hashlib.sha1(model_id.encode(), usedforsecurity=False).hexdigest()
    processor.import_(model_id=copy_id, output_dir=output, data=exported)
    copied = processor.predict(
        model_id=copy_id, dataset=unlabelled(probe), output_dir=output
    )
    assert [p.prediction for p in copied.predictions] == list(predicted)

    processor.clear(model_id=model_id, output_dir=output)
    processor.clear(model_id=copy_id, output_dir=output)
    gone = processor.predict(
        model_id=model_id, dataset=unlabelled(probe), output_dir=output
    )
    assert gone.status == 2
    assert not (output / model_id).exists()


def test_three_trainings_at_once(processor, tmp_path, request):
    client = processor.client()  # settings are read here, in the test's thread
    base = _model_id(request)
    models = [f"{base[:30]}-{i}" for i in range(3)]
    datasets = [separable(200, seed=i) for i in range(3)]
    results: dict[str, object] = {}

    def train(model: str, dataset) -> None:
        try:
            results[model] = client.train(
                uniqueid=model, dirhash="exec", dataset=dataset
            )
        except Exception as exc:  # reported below, never lost in the thread
            results[model] = exc

    threads = [
        threading.Thread(target=train, args=pair)
        for pair in zip(models, datasets, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert all(getattr(results[m], "status", None) == 0 for m in models), results
    for model in models:
        answer = client.predict(
            uniqueid=model, dirhash="exec", dataset=unlabelled(separable(20, seed=5))
        )
        assert answer.status == 0 and len(answer.predictions) == 20
        client.delete(uniqueid=model)


def test_three_trainings_of_one_model_at_once_keep_every_sample(processor, request):
    client = processor.client()
    model = _model_id(request)
    errors: list[Exception] = []

    def train(seed: int) -> None:
        try:
            assert (
                client.train(
                    uniqueid=model, dirhash="exec", dataset=separable(100, seed=seed)
                ).status
                == 0
            )
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=train, args=(seed,)) for seed in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    exported = client.export(uniqueid=model, dirhash="exec")
    if not EXTERNAL:  # our export format says how many samples the model holds
        meta = json.loads(zipfile.ZipFile(io.BytesIO(exported)).read("meta.json"))
        assert meta["n_samples"] == 300
    client.delete(uniqueid=model)


def test_training_with_one_class_is_not_enough_data(processor, tmp_path, request):
    dataset = separable(60)
    dataset.labels[:] = 0
    result = processor.train(
        model_id=_model_id(request), dataset=dataset, output_dir=tmp_path
    )
    assert result.status == 8
    assert "all classes" in " ".join(result.info)


def test_prediction_before_training_is_status_2(processor, tmp_path, request):
    result = processor.predict(
        model_id=_model_id(request),
        dataset=unlabelled(separable(5)),
        output_dir=tmp_path,
    )
    assert result.status == 2
    assert result.predictions == []


def test_export_before_training_says_there_is_nothing(processor, tmp_path, request):
    with pytest.raises(MlbackendError, match="nothing to export"):
        processor.export(model_id=_model_id(request), output_dir=tmp_path)


def test_wrong_credentials_are_refused(server, request):
    url, username, _ = server
    client = MlbackendClient(url=url, username=username, password="wrong-password")
    with pytest.raises(MlbackendError) as caught:
        client.train(uniqueid=_model_id(request), dirhash="x", dataset=separable(20))
    assert "401" in caught.value.message
    assert url in caught.value.message


def test_readiness_checks_the_credentials_not_only_the_version(server):
    url, username, password = server
    good = MlbackendClient(url=url, username=username, password=password)
    assert good.ready() is None
    wrong = MlbackendClient(url=url, username=username, password="wrong-password")
    reason = wrong.ready()
    assert reason is not None
    assert "refused the user and password" in reason
    assert "401" in reason


def test_an_unreachable_server_is_named_with_the_reason(db):
    url = f"http://127.0.0.1:{free_port()}"
    config = AnalyticsSettings.load()
    config.mlbackend_url = url
    config.mlbackend_password = "x"
    config.save()
    processor = MlbackendProcessor()
    reason = processor.is_ready()
    assert reason.startswith(f"Cannot reach the ML backend server at {url}/version")
    assert "refused" in reason.lower()
    with pytest.raises(MlbackendError, match=f"{url}/training"):
        processor.train(model_id="m", dataset=separable(20), output_dir=Path("/tmp"))


def test_moodles_csv_bytes_are_sent_as_they_are(processor, tmp_path, request):
    model_id = _model_id(request)
    data = dataset_to_csv(separable(120))
    assert (
        processor.train(model_id=model_id, dataset=data, output_dir=tmp_path).status
        == 0
    )
    rows = dataset_to_csv(unlabelled(separable(4, seed=6)))
    result = processor.predict(model_id=model_id, dataset=rows, output_dir=tmp_path)
    assert [p.sample_id for p in result.predictions] == ["s0-0", "s1-0", "s2-0", "s3-0"]
    processor.clear(model_id=model_id, output_dir=tmp_path)
