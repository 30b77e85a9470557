"""The ML backend client's credentials: any password (colons, any alphabet) goes
as UTF-8 basic auth, and no message shows the password or a part of it."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from models_app.plugins.processors.client import (
    MlbackendClient,
    MlbackendError,
    url_shown,
)
from settings_app.models import AnalyticsSettings
from settings_app.services import analytics_settings_update

PASSWORDS = ["v:pa:ss:word", "contraseña-€-密码:x", ":leading", "trailing:"]
#: Parts that cannot appear in a message by chance.
DISTINCT_PASSWORDS = ["Kq7w:Zx9e:Wm4r", "contraseña-€-密码:Yb3t", ":Lead8q", "Trail5z:"]


class RecordingHandler(BaseHTTPRequestHandler):
    """Records each Authorization header; answers like a Moodle ML server whose
    only user is `v` with the password the test sets on the server."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(200, b"3.0.5")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        header = self.headers.get("Authorization", "")
        self.server.seen.append(header)
        expected = base64.b64encode(f"v:{self.server.password}".encode()).decode()
        if header == f"Basic {expected}":
            self._answer(200, b'{"status": 0, "info": []}')
        else:
            self._answer(401, b"Incorrect user and/or password provided by Moodle.")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    httpd.seen = []
    httpd.password = ""
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("password", PASSWORDS)
def test_any_password_goes_whole_as_utf8_basic_auth(server, password):
    server.password = password
    client = MlbackendClient(url=server.url, username="v", password=password)

    assert client.ready() is None

    decoded = base64.b64decode(server.seen[-1].removeprefix("Basic ")).decode()
    assert decoded == f"v:{password}"
    assert decoded.partition(":")[2] == password  # the server's first-colon split


@pytest.mark.parametrize("password", DISTINCT_PASSWORDS)
def test_a_refused_password_is_not_echoed(server, password, caplog):
    server.password = "the-right-one"
    client = MlbackendClient(url=server.url, username="v", password=password)

    with caplog.at_level(logging.DEBUG):
        reason = client.ready()

    assert "refused the user and password" in reason
    for text in [reason, caplog.text]:
        for part in password.split(":"):
            assert not part or part not in text


def test_credentials_in_the_url_are_not_shown(closed_port_url):
    secret = "in-url-secret"
    url = closed_port_url.replace("http://", f"http://v:{secret}@")
    client = MlbackendClient(url=url, username="v", password="pw")

    with pytest.raises(MlbackendError) as error:
        client.train(uniqueid="a" * 40, dirhash="b" * 32, dataset=b"x")

    assert "Cannot reach" in error.value.message
    assert secret not in error.value.message
    assert secret not in client.ready()


def test_url_shown_keeps_everything_but_the_credentials():
    assert url_shown("https://u:p:q@ml.example.org:5000/a?b=1") == (
        "https://ml.example.org:5000/a?b=1"
    )
    assert url_shown("https://ml.example.org/") == "https://ml.example.org/"


def test_a_username_with_a_colon_is_refused_with_the_reason(server):
    client = MlbackendClient(url=server.url, username="v:x", password="pw")
    assert "contains a colon" in client.ready()
    with pytest.raises(MlbackendError, match="contains a colon"):
        client.delete(uniqueid="a" * 40)
    assert server.seen == []  # nothing was sent


@pytest.mark.django_db
def test_the_settings_refuse_a_username_with_a_colon():
    from django.core.exceptions import ValidationError

    AnalyticsSettings.load()
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"mlbackend_username": "site:one"})
    assert "cannot contain a colon" in str(error.value.message_dict)
    assert AnalyticsSettings.load().mlbackend_username == "default"


@pytest.fixture
def closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.mark.django_db
def test_the_settings_refuse_credentials_in_the_url():
    from django.core.exceptions import ValidationError

    AnalyticsSettings.load()
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(
            values={"mlbackend_url": "https://v:secret@ml.example.org/"}
        )
    assert "not in the URL" in str(error.value.message_dict["mlbackend_url"])
    assert AnalyticsSettings.load().mlbackend_url == ""


@pytest.mark.django_db
def test_an_unreadable_url_is_refused_beside_its_field():
    from django.core.exceptions import ValidationError

    AnalyticsSettings.load()
    with pytest.raises(ValidationError) as error:
        analytics_settings_update(values={"mlbackend_url": "http://[::1/"})
    assert "mlbackend_url" in error.value.message_dict
