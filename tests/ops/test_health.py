"""`/healthz`: 200 when every part is up, 503 naming the part that is down.

Parts are really down: a closed port on 127.0.0.1 for the broker and the ML
backend server, a database connection to a closed port, a models output directory
that cannot take a file.
"""

from __future__ import annotations

import json
import os
import socket

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.urls import reverse

from ops.health import broker_check, database_check, directory_writable_check
from settings_app.models import AnalyticsSettings
from tests.conftest import service_required
from tests.fixtures.ml_server import ml_server_running

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("FORESIGHT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _settings(**values) -> None:
    row = AnalyticsSettings.load()
    AnalyticsSettings.objects.filter(pk=row.pk).update(**values)


def _get(client) -> tuple[int, dict]:
    response = client.get(reverse("ops:healthz"))
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def test_all_up_answers_200_without_login(client):
    status, body = _get(client)

    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "models_output_dir"}
    assert all(check["ok"] is True for check in body["checks"].values())


def test_broker_down_answers_503_naming_the_broker(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    status, body = _get(client)

    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert "127.0.0.1" not in json.dumps(body)  # no address, no credentials


def test_a_real_redis_broker_is_up():
    with socket.socket() as sock:
        sock.settimeout(1)
        reachable = sock.connect_ex(("127.0.0.1", 6379)) == 0
    if not reachable and not service_required():
        pytest.skip("Redis is not running on 127.0.0.1:6379")

    assert broker_check(url=REDIS_URL).ok is True
    assert broker_check(url=f"redis://127.0.0.1:{closed_port()}/0").ok is False


def test_unwritable_models_output_dir_answers_503(client, tmp_path):
    # A regular file where a folder should be: no process, root included, can
    # create the directory (root ignores permission bits, so chmod would not do).
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    _settings(models_output_dir=str(blocker / "models"))

    status, body = _get(client)

    assert status == 503
    assert body["checks"]["models_output_dir"] == {
        "ok": False,
        "ms": body["checks"]["models_output_dir"]["ms"],
        "error": "not writable",
    }
    assert str(tmp_path) not in json.dumps(body)


def test_writable_dir_is_created_and_left_empty(tmp_path):
    folder = tmp_path / "new" / "models"

    assert directory_writable_check(directory=folder).ok is True
    assert list(folder.iterdir()) == []


def test_ml_server_is_checked_only_when_it_is_the_processor_in_use(client):
    _settings(mlbackend_url=f"http://127.0.0.1:{closed_port()}/")

    status, body = _get(client)
    assert status == 200  # builtin is in use: the ML server does not matter
    assert "mlbackend" not in body["checks"]

    _settings(default_processor="mlbackend")
    status, body = _get(client)
    assert status == 503
    assert body["checks"]["mlbackend"]["ok"] is False
    assert "127.0.0.1" not in json.dumps(body)

    with ml_server_running() as url:
        _settings(mlbackend_url=url)
        status, body = _get(client)
    assert status == 200
    assert body["checks"]["mlbackend"]["ok"] is True


def test_a_model_of_its_own_on_the_ml_server_brings_the_check_in(client):
    from models_app.models import AnalyticsModel

    _settings(mlbackend_url="")
    AnalyticsModel.objects.create(
        target="course_dropout", enabled=True, processor="mlbackend"
    )

    status, body = _get(client)

    assert status == 503
    assert body["checks"]["mlbackend"] == {
        "ok": False,
        "ms": body["checks"]["mlbackend"]["ms"],
        "error": "not configured",
    }


def test_database_down_is_a_failed_check():
    settings_dict = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": str(closed_port()),
        "NAME": "foresight",
        "USER": "postgres",
        "OPTIONS": {"connect_timeout": 2},
    }
    down = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "down")
    try:
        check = database_check(connection=down)
    finally:
        down.close()

    assert check.ok is False
    assert check.error == "OperationalError"
    assert database_check().ok is True


def test_healthz_refuses_a_post(client):
    assert client.post(reverse("ops:healthz")).status_code == 405
