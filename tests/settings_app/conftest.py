"""Fixtures of the settings tests: fake plug-ins, a real /version server, Spanish."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from models_app.models import AnalyticsModel
from models_app.plugins import registry
from settings_app.models import AnalyticsSettings
from tests.fixtures import fake_processors
from tests.fixtures.catalogues import catalogues_compile

ML_USER = "default"
ML_PASSWORD = "s3cret-ml-password"


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


class _VersionHandler(BaseHTTPRequestHandler):
    """/version like Moodle's server (no credentials needed), but credentials that
    are sent must be right."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        expected = base64.b64encode(f"{ML_USER}:{ML_PASSWORD}".encode()).decode()
        sent = self.headers.get("Authorization")
        if self.path != "/version":
            self.send_response(404)
        elif sent is not None and sent != f"Basic {expected}":
            self.send_response(401)
        else:
            body = b"3.0.5"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def version_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering /version (credentials: ML_USER,
    ML_PASSWORD)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _VersionHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


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
