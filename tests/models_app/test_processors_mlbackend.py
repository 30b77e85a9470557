"""The `mlbackend` processor against the server mounted inside the site (/mlbackend/).

pytest-django's live server runs the whole site on a real port; the processor reads
its URL, user and password from the analytics settings, as in production.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest

from mlbackend import services
from models_app.plugins.processors.builtin import BuiltinProcessor
from models_app.plugins.processors.client import MlbackendClient, MlbackendError
from models_app.plugins.processors.mlbackend import MlbackendProcessor
from settings_app.models import AnalyticsSettings
from tests.mlbackend.datasets import separable, unlabelled

MODEL = "0123456789abcdef0123456789abcdef01234567"


def _configure(*, url: str, username: str = "site", password: str = "pw") -> None:  # noqa: S107
    config = AnalyticsSettings.load()
    config.mlbackend_url = url
    config.mlbackend_username = username
    config.mlbackend_password = password
    config.save()


@pytest.fixture
def mounted(live_server, settings, tmp_path):
    settings.FORESIGHT_MLBACKEND_USERS = "site:pw"
    settings.FORESIGHT_MLBACKEND_DIR = str(tmp_path / "server")
    settings.FORESIGHT_MLBACKEND_S3_BUCKET = ""
    _configure(url=f"{live_server.url}/mlbackend/")
    return tmp_path / "server"


@pytest.mark.django_db
def test_not_ready_without_a_url_or_a_password(settings):
    settings.FORESIGHT_MLBACKEND_PASSWORD = ""
    _configure(url="")
    assert MlbackendProcessor().is_ready() == "No ML backend server URL is configured."
    _configure(url="http://127.0.0.1:9", password="")
    assert "username and password" in MlbackendProcessor().is_ready()


@pytest.mark.django_db
def test_the_password_may_come_from_the_environment(settings):
    settings.FORESIGHT_MLBACKEND_PASSWORD = "from-env"
    _configure(url="http://127.0.0.1:9", password="")
    assert MlbackendProcessor().client().password == "from-env"


@pytest.mark.django_db(transaction=True)
def test_ready_and_a_short_cycle_against_the_mounted_server(mounted, tmp_path):
    processor = MlbackendProcessor()
    assert processor.is_ready() is None
    output = tmp_path / "models"
    assert processor.train(model_id=MODEL, dataset=separable(150), output_dir=output).ok
    dirhash = hashlib.md5(
        str(output / MODEL / "execution").encode(), usedforsecurity=False
    ).hexdigest()
    assert (mounted / MODEL / dirhash / "classifier" / "CURRENT").exists()
    result = processor.predict(
        model_id=MODEL, dataset=unlabelled(separable(10, seed=3)), output_dir=output
    )
    assert result.ok and len(result.predictions) == 10
    evaluation = processor.evaluate(
        model_id=MODEL, dataset=separable(150), output_dir=output, n_iterations=2
    )
    assert evaluation.metrics["rounds"] == 2
    assert (Path(evaluation.dir) / "metrics.json").exists()
    processor.clear(model_id=MODEL, output_dir=output)
    assert not (mounted / MODEL).exists()


@pytest.mark.django_db(transaction=True)
def test_a_server_of_another_major_version_is_not_ready(mounted, monkeypatch):
    monkeypatch.setattr(services, "VERSION", "2.6.6")
    reason = MlbackendProcessor().is_ready()
    assert "version '2.6.6'" in reason
    assert "3.0.5" in reason


@pytest.mark.django_db(transaction=True)
def test_a_url_that_is_not_an_ml_backend_is_explained(live_server):
    client = MlbackendClient(
        url=f"{live_server.url}/nothing-here", username="a", password="b"
    )
    assert "answered HTTP status code 404" in client.ready()
    with pytest.raises(MlbackendError, match="nothing-here/training"):
        client.train(uniqueid=MODEL, dirhash="x", dataset=separable(10))


def _with_range_means(n: int, *, seed: int = 0):
    """Moodle's dataset shape: each indicator beside its range mean ("/mean")."""
    from mlbackend.engine.dataset import dataset_build

    base = separable(n, seed=seed, n_features=2)
    names = ["\\core\\analytics\\indicator\\read_actions", "\\x\\indicator\\noise"]
    features = np.column_stack(
        [base.features[:, 0], np.full(n, 0.2), base.features[:, 1], np.full(n, -0.1)]
    )
    return dataset_build(
        features=features,
        labels=base.labels,
        target_classes=[0, 1],
        columns=[names[0], f"{names[0]}/mean", names[1], f"{names[1]}/mean"],
    )


@pytest.mark.django_db(transaction=True)
def test_a_builtin_model_exported_predicts_on_the_ml_server_with_full_datasets(
    mounted, tmp_path
):
    """The built-in processor learns without the range means; the server it is
    imported into still gets Moodle's full datasets, and picks the columns by name."""
    builtin, server = BuiltinProcessor(), MlbackendProcessor()
    assert builtin.train(
        model_id=MODEL, dataset=_with_range_means(200), output_dir=tmp_path / "b"
    ).ok
    exported = builtin.export(model_id=MODEL, output_dir=tmp_path / "b")
    output = tmp_path / "models"
    server.import_(model_id=MODEL, output_dir=output, data=exported)

    probe = unlabelled(_with_range_means(30, seed=4))
    assert probe.features.shape[1] == 4
    result = server.predict(model_id=MODEL, dataset=probe, output_dir=output)
    assert result.ok, result.info
    here = builtin.predict(model_id=MODEL, dataset=probe, output_dir=tmp_path / "b")
    assert [p.prediction for p in result.predictions] == [
        p.prediction for p in here.predictions
    ]
    assert server.train(
        model_id=MODEL, dataset=_with_range_means(50, seed=5), output_dir=output
    ).ok

    missing = dataclasses.replace(
        probe, features=probe.features[:, 1:], columns=probe.columns[1:]
    )
    refused = server.predict(model_id=MODEL, dataset=missing, output_dir=output)
    assert not refused.ok
    assert "\\core\\analytics\\indicator\\read_actions" in " ".join(refused.info)
