"""Our ML backend server run standalone (gunicorn mlbackend.wsgi) on 127.0.0.1.

What Moodle's client sends over the wire, and the bad input a server on a network
must survive: wrong credentials, oversize uploads, identifiers that try to leave the
storage folder, broken datasets and zips. Never a stack trace; never a damaged model.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import zipfile

import pytest
import requests

from mlbackend.engine.dataset import dataset_to_csv
from tests.mlbackend.datasets import MOODLE_LABELLED, separable, unlabelled
from tests.mlbackend.servers import (
    PASSWORD,
    ROOT,
    USER,
    mlbackend_server,
    mlbackend_server_process,
)

pytestmark = pytest.mark.integration

AUTH = (USER, PASSWORD)
UNIQUEID = "e0834bc57e49e3b6128ec141d54d9b2d68d19b54"
DIRHASH = "7951873a2cda8823526d098b4c14b9a0"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("root") / "store"


@pytest.fixture(scope="module")
def url(store):
    store.mkdir()
    with mlbackend_server(
        storage_env={"MOODLE_MLBACKEND_PYTHON_DIR": str(store)}
    ) as url:
        yield url


def _train(url, data, *, uniqueid=UNIQUEID, dirhash=DIRHASH, auth=AUTH):
    return requests.post(
        f"{url}/training",
        data={"uniqueid": uniqueid, "dirhash": dirhash},
        files={"dataset": ("1648591452.447.csv", data, "application/octet-stream")},
        auth=auth,
        timeout=120,
    )


def test_the_standalone_server_imports_no_other_app():
    code = (
        "import os, sys\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'mlbackend.standalone_settings'\n"
        "import mlbackend.wsgi, mlbackend.views, mlbackend.services\n"
        "apps = ('access', 'lms', 'logstore', 'settings_app', 'models_app', 'insights')\n"
        "print([m for m in sys.modules if m.split('.')[0] in apps])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_version_is_moodles(url):
    response = requests.get(f"{url}/version", timeout=10)
    assert response.text == "3.0.5"


def test_json_comes_as_text_html_like_moodles_server(url):
    response = _train(url, dataset_to_csv(separable(100)))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert json.loads(response.text) == {"status": 0, "info": []}


def test_wrong_password_is_401(url):
    response = _train(url, MOODLE_LABELLED, auth=(USER, "nope"))
    assert response.status_code == 401
    assert response.text == "Incorrect user and/or password provided by Moodle."


def test_an_oversize_upload_is_413_and_stores_nothing(url, store):
    big = dataset_to_csv(separable(90_000))
    assert len(big) > 5_000_000
    response = _train(url, big, uniqueid="oversize")
    assert response.status_code == 413
    assert not (store / "oversize").exists()


@pytest.mark.parametrize(
    ("uniqueid", "stored"),
    [("../escaped", "escaped"), ("..", None), ("a/../../b", "ab"), ("%2e%2e", "2e2e")],
)
def test_identifiers_cannot_leave_the_storage_folder(url, store, uniqueid, stored):
    """Cleaned as Moodle's server does: what is left is one plain path component."""
    response = _train(url, dataset_to_csv(separable(50)), uniqueid=uniqueid)
    assert "Traceback" not in response.text
    if stored is None:
        assert response.status_code == 400
        assert "Invalid uniqueid" in response.text
    else:
        assert response.json()["status"] == 0
        assert (store / stored / DIRHASH / "classifier" / "CURRENT").exists()
    assert sorted(p.name for p in store.parent.iterdir()) == ["store"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just one line\n",
        MOODLE_LABELLED.replace(b"0.5,1\n", b"0.5\n"),
        MOODLE_LABELLED.replace(b"0.6949", b"x"),
    ],
)
def test_broken_datasets_are_status_1_and_leave_the_model_alone(url, data):
    assert json.loads(_train(url, dataset_to_csv(separable(100))).text)["status"] == 0
    probe = dataset_to_csv(unlabelled(separable(10, seed=3)))
    before = requests.post(
        f"{url}/prediction",
        data={"uniqueid": UNIQUEID, "dirhash": DIRHASH},
        files={"dataset": ("p.csv", probe)},
        auth=AUTH,
        timeout=60,
    ).json()
    response = _train(url, data)
    assert response.status_code == 200
    body = json.loads(response.text)
    assert body["status"] == 1
    assert body["errors"]
    after = requests.post(
        f"{url}/prediction",
        data={"uniqueid": UNIQUEID, "dirhash": DIRHASH},
        files={"dataset": ("p.csv", probe)},
        auth=AUTH,
        timeout=60,
    ).json()
    assert after == before


def test_a_corrupted_import_is_400_and_the_model_kept(url):
    _train(url, dataset_to_csv(separable(100)), uniqueid="keeper")
    query = {"uniqueid": "keeper", "dirhash": DIRHASH}
    exported = requests.get(
        f"{url}/export", params=query, auth=AUTH, timeout=60
    ).content
    assert zipfile.ZipFile(io.BytesIO(exported)).testzip() is None
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../../../tmp/evil.json", b"{}")
    for upload in (exported[: len(exported) // 2], evil.getvalue(), b"PK\x03\x04junk"):
        response = requests.post(
            f"{url}/import",
            data=query,
            files={"importzip": ("import.zip", upload)},
            auth=AUTH,
            timeout=60,
        )
        assert response.status_code == 400, response.text
        assert "Traceback" not in response.text
    again = requests.get(f"{url}/export", params=query, auth=AUTH, timeout=60).content
    assert again == exported


def test_urlencoded_and_query_string_fields_work_too(url):
    """Moodle's server reads request.values: form or query string."""
    _train(url, dataset_to_csv(separable(50)), uniqueid="querystring")
    response = requests.post(
        f"{url}/deletemodel?uniqueid=querystring", auth=AUTH, timeout=30
    )
    assert response.text == "Ok"
    response = requests.get(
        f"{url}/export",
        params={"uniqueid": "querystring", "dirhash": DIRHASH},
        auth=AUTH,
        timeout=30,
    )
    assert response.status_code == 503


def test_a_plain_password_with_colons_works_and_no_log_line_shows_it(tmp_path):
    """USERS "v:pa:ss:word": user v, plain password "pa:ss:word" (not a hash)."""
    password = "Pz4a:Ss9k:W0rdx"
    store = tmp_path / "store"
    store.mkdir()
    with mlbackend_server_process(
        storage_env={"MOODLE_MLBACKEND_PYTHON_DIR": str(store)},
        users=f"v:{password}",
        extra_env={"DJANGO_LOG_LEVEL": "DEBUG"},
    ) as server:
        good = _train(server.url, MOODLE_LABELLED, auth=("v", password))
        assert good.status_code == 200
        for wrong in ("Pz4a", "Pz4a:Ss9k", password + "x"):
            assert (
                _train(server.url, MOODLE_LABELLED, auth=("v", wrong)).status_code
                == 401
            )
        output = server.output()
    for part in password.split(":"):
        assert part not in output


def test_deletemodel_while_the_model_trains_is_never_a_500(tmp_path):
    """/deletemodel waits for the model's lock instead of pulling the folder away."""
    store = tmp_path / "store"
    store.mkdir()
    statuses: list[int] = []
    with mlbackend_server_process(
        storage_env={"MOODLE_MLBACKEND_PYTHON_DIR": str(store)}
    ) as server:
        data = dataset_to_csv(separable(3000))

        def train() -> None:
            for _ in range(6):
                statuses.append(_train(server.url, data, uniqueid="busy").status_code)

        trainer = threading.Thread(target=train)
        trainer.start()
        while trainer.is_alive():
            response = requests.post(
                f"{server.url}/deletemodel",
                data={"uniqueid": "busy"},
                auth=AUTH,
                timeout=120,
            )
            statuses.append(response.status_code)
        trainer.join()
        output = server.output()
    assert set(statuses) == {200}
    assert "Traceback" not in output
    assert not any(p.name.startswith(".tmp-") for p in store.rglob("*"))
