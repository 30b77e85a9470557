"""The `mlbackend` processor against the server mounted inside the site (/mlbackend/).

pytest-django's live server runs the whole site on a real port; the processor reads
its URL, user and password from the analytics settings, as in production.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mlbackend import services
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
