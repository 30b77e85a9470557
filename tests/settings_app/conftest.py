"""Fixtures of the settings tests: fake plug-ins, a real /version server, Spanish."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from models_app.models import AnalyticsModel
from models_app.plugins import registry
from settings_app.models import AnalyticsSettings
from tests.fixtures import fake_processors
from tests.fixtures.catalogues import catalogues_compile
from tests.fixtures.ml_server import ml_server_running


@pytest.fixture
def fake_plugins(monkeypatch) -> Iterator[type]:
    """Registries holding only the fake processors and targets (a fake plug-in set)."""
    module = "tests.fixtures.fake_processors"
    registry._load.cache_clear()
    monkeypatch.setattr(
        registry,
        "PROCESSORS",
        {
            "fake_ready": f"{module}.ReadyProcessor",
            "fake_other": f"{module}.OtherReadyProcessor",
            "fake_broken": f"{module}.BrokenProcessor",
            "mlbackend": f"{module}.VersionCheckProcessor",
        },
    )
    monkeypatch.setattr(
        registry,
        "TARGETS",
        {
            "fake_rule_based": f"{module}.RuleBasedTarget",
            "fake_learned": f"{module}.LearnedTarget",
        },
    )
    fake_processors.ReadyProcessor.cleared.clear()
    yield fake_processors
    registry._load.cache_clear()


@pytest.fixture
def settings_row(db, fake_plugins) -> AnalyticsSettings:
    """The analytics settings row, with a registered (fake) default processor.

    The default models the migrations install are removed, so each test counts
    only the models it creates.
    """
    AnalyticsModel.objects.all().delete()
    row = AnalyticsSettings.load()
    row.default_processor = "fake_ready"
    row.save()
    return row


@pytest.fixture
def version_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering /version and checking the login on
    /deletemodel (credentials: ML_USER, ML_PASSWORD)."""
    with ml_server_running() as url:
        yield url


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="session")
def spanish_catalogue() -> None:
    catalogues_compile()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """admin_client's superuser is hashed on every test; the real hasher is slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
