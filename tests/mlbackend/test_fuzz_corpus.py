"""Replay the ML backend fuzz corpus against a real server (gunicorn on 127.0.0.1).

Every input in tests/fixtures/fuzz/mlbackend/ (see its README) and every large input
generated below must get the protocol's error answer: HTTP 400 with a sentence, or
HTTP 200 with a non-zero Moodle status and a message, never HTTP 500, never a stack
trace in the answer or in the server's output, and nothing stored by a refused import.
"""

from __future__ import annotations

import base64
import http.client
import io
import itertools
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from mlbackend.engine.bundle import META, bundle_from_classifier
from mlbackend.engine.dataset import dataset_to_csv
from mlbackend.engine.trained import IncrementalClassifier
from tests.mlbackend.datasets import separable, unlabelled
from tests.mlbackend.servers import (
    PASSWORD,
    ROOT,
    USER,
    RunningServer,
    mlbackend_server_process,
    peak_rss_bytes,
    worker_pids,
)

pytestmark = pytest.mark.integration

CORPUS = ROOT / "tests" / "fixtures" / "fuzz" / "mlbackend"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
AUTH = (USER, PASSWORD)
TRAINED = "fuzztrained"
DIRHASH = "exec"
MB = 1024**2
_IMPORTS = itertools.count()


def _files(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).iterdir())


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> RunningServer:
    store = tmp_path_factory.mktemp("fuzz") / "store"
    store.mkdir()
    with mlbackend_server_process(
        storage_env={"MOODLE_MLBACKEND_PYTHON_DIR": str(store)}
    ) as running:
        response = requests.post(
            f"{running.url}/training",
            data={"uniqueid": TRAINED, "dirhash": DIRHASH},
            files={"dataset": ("t.csv", dataset_to_csv(separable(100)))},
            auth=AUTH,
            timeout=120,
        )
        assert response.json()["status"] == 0
        yield running


@pytest.fixture(scope="module")
def bundle() -> dict[str, bytes]:
    classifier = IncrementalClassifier(estimator="logistic_regression")
    return bundle_from_classifier(classifier.train(separable(100)))


class Replay:
    """Sends one input and checks the server's output for stack traces meanwhile."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.offset = len(server.output())

    def new_output(self) -> str:
        # Gunicorn writes its log lines asynchronously: give it a moment.
        time.sleep(0.05)
        return self.server.output()[self.offset :]

    def check(self, response: requests.Response) -> None:
        assert response.status_code != 500, response.text
        assert "Traceback" not in response.text
        output = self.new_output()
        assert "Traceback" not in output, output
        assert "Internal Server Error" not in output, output


def _refused_with_message(response: requests.Response, expected: str) -> str:
    """The error sentence of a 400 or of a status-1 JSON answer."""
    if response.status_code == 400:
        message = response.text
    else:
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] != 0, body
        message = body.get("errors") or " ".join(body.get("info") or [])
    assert message.strip(), response.text
    assert expected.lower() in message.lower(), message
    return message


def _post_dataset(url: str, endpoint: str, data: bytes, uniqueid: str = TRAINED):
    fields = {"uniqueid": uniqueid, "dirhash": DIRHASH}
    if endpoint == "evaluation":
        fields.update(minscore="0.7", maxdeviation="0.05", niterations="1")
    return requests.post(
        f"{url}/{endpoint}",
        data=fields,
        files={"dataset": ("1648591452.447.csv", data, "application/octet-stream")},
        auth=AUTH,
        timeout=120,
    )


@pytest.mark.parametrize("path", _files("datasets"), ids=lambda p: p.name)
def test_corpus_datasets_get_the_protocols_error_answer(server, path):
    expected = EXPECTED["datasets"][path.name]
    data = path.read_bytes()
    for endpoint in ("training", "prediction", "evaluation"):
        replay = Replay(server)
        uniqueid = (
            f"fuzztraining{next(_IMPORTS)}" if endpoint == "training" else TRAINED
        )
        response = _post_dataset(server.url, endpoint, data, uniqueid)
        replay.check(response)
        if endpoint != "training":
            continue
        if expected == "accepted":
            assert response.json()["status"] == 0, response.text
        else:
            _refused_with_message(response, expected)


def _import(url: str, data: bytes, uniqueid: str):
    return requests.post(
        f"{url}/import",
        data={"uniqueid": uniqueid, "dirhash": DIRHASH},
        files={"importzip": ("import.zip", data)},
        auth=AUTH,
        timeout=120,
    )


def _assert_import_refused(server, data: bytes, expected: str) -> None:
    uniqueid = f"fuzzimport{next(_IMPORTS)}"
    replay = Replay(server)
    response = _import(server.url, data, uniqueid)
    replay.check(response)
    assert response.status_code == 400, response.text
    assert response.text.startswith("The model could not be imported: ")
    assert expected.lower() in response.text.lower(), response.text
    exported = requests.get(
        f"{server.url}/export",
        params={"uniqueid": uniqueid, "dirhash": DIRHASH},
        auth=AUTH,
        timeout=60,
    )
    assert exported.status_code == 503  # nothing was stored


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("path", _files("meta"), ids=lambda p: p.name)
def test_corpus_meta_files_make_the_import_refused(server, bundle, path):
    data = _zip({**bundle, META: path.read_bytes()})
    _assert_import_refused(server, data, EXPECTED["meta"][path.name])


@pytest.mark.parametrize("path", _files("members"), ids=lambda p: p.name)
def test_corpus_members_make_the_import_refused(server, bundle, path):
    member = path.name.split("--")[0]
    data = _zip({**bundle, member: path.read_bytes()})
    _assert_import_refused(server, data, EXPECTED["members"][path.name])


@pytest.mark.parametrize("path", _files("zips"), ids=lambda p: p.name)
def test_corpus_zips_are_refused(server, path):
    _assert_import_refused(server, path.read_bytes(), EXPECTED["zips"][path.name])


def _raw(url: str, text: bytes) -> tuple[int, str]:
    """Send a corpus request: `METHOD PATH`, header lines, a blank line, the body."""
    head, _, body = text.partition(b"\n\n")
    first, *lines = head.decode("latin-1").split("\n")
    method, path = first.split(" ", 1)
    headers = dict(line.split(": ", 1) for line in lines if line)
    if "Authorization" not in headers:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.parametrize("path", _files("requests"), ids=lambda p: p.name)
def test_corpus_requests_get_a_clear_answer(server, path):
    status, message = EXPECTED["requests"][path.name]
    replay = Replay(server)
    answer_status, text = _raw(server.url, path.read_bytes())
    assert answer_status == status, text
    assert "Traceback" not in text and "Internal server error" not in text
    assert message.lower() in text.lower(), text
    output = replay.new_output()
    assert "Traceback" not in output, output
    assert "Internal Server Error" not in output, output


def _nested_classes(depth: int) -> bytes:
    classes = "[" * depth + "]" * depth
    return (
        (CORPUS / "datasets" / "targetclasses-nan.csv")
        .read_bytes()
        .replace(b'"[NaN,0]"', f'"{classes}"'.encode())
    )


def _long_cell() -> bytes:
    return dataset_to_csv(separable(20)).replace(b"\n", b"\n" + b"1" * 200_000, 4)


GENERATED_DATASETS: dict[str, tuple[Callable[[], bytes], str]] = {
    # 200 KB in one header cell: over the CSV field limit.
    "targetclasses-nested-100000-deep": (
        lambda: _nested_classes(100_000),
        "field larger than field limit",
    ),
    # Within the field limit, deeper than json.loads can recurse.
    "targetclasses-nested-60000-deep": (
        lambda: _nested_classes(60_000),
        "targetclasses",
    ),
    "a-cell-over-the-csv-field-limit": (_long_cell, "field larger than field limit"),
    "prediction-ids-over-the-field-limit": (
        lambda: dataset_to_csv(unlabelled(separable(5))).replace(
            b"\ns0-0", b"\n" + b"s" * 200_000, 1
        ),
        "field larger than field limit",
    ),
}


@pytest.mark.parametrize("name", sorted(GENERATED_DATASETS))
def test_generated_datasets_get_the_protocols_error_answer(server, name):
    make, expected = GENERATED_DATASETS[name]
    replay = Replay(server)
    response = _post_dataset(server.url, "training", make(), "fuzzgenerated")
    replay.check(response)
    _refused_with_message(response, expected)


def _many_fields() -> dict:
    return {"data": {f"f{i}": "x" for i in range(1_500)}}


def _big_field() -> dict:
    return {"files": {"uniqueid": (None, "a" * (3 * MB))}}


def _many_files() -> dict:
    return {"files": [(f"dataset{i}", (f"{i}.csv", b"x")) for i in range(150)]}


def _big_urlencoded() -> dict:
    return {
        "data": "uniqueid=" + "a" * (3 * MB),
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }


GENERATED_REQUESTS: dict[str, tuple[Callable[[], dict], str]] = {
    "too-many-fields": (_many_fields, "fields"),
    "a-field-over-the-memory-limit": (_big_field, "bytes"),
    "too-many-files": (_many_files, "files"),
    "an-urlencoded-body-over-the-memory-limit": (_big_urlencoded, "bytes"),
}


@pytest.mark.parametrize("name", sorted(GENERATED_REQUESTS))
def test_djangos_request_limits_are_a_400_that_says_which(server, name):
    make, expected = GENERATED_REQUESTS[name]
    replay = Replay(server)
    response = requests.post(f"{server.url}/training", auth=AUTH, timeout=120, **make())
    replay.check(response)
    assert response.status_code == 400, response.text
    assert expected in response.text


def test_a_query_string_with_too_many_fields_is_a_400(server):
    replay = Replay(server)
    response = requests.get(
        f"{server.url}/export?" + "a&" * 1_500, auth=AUTH, timeout=60
    )
    replay.check(response)
    assert response.status_code == 400
    assert "fields" in response.text


def test_a_meta_json_nested_100000_deep_is_refused(server, bundle):
    deep = b'{"format": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    _assert_import_refused(server, _zip({**bundle, META: deep}), "meta.json")


def test_a_zip_with_thousands_of_members_is_refused(server):
    files = {f"m{i}": b"" for i in range(5_000)}
    _assert_import_refused(server, _zip(files), "more than")


# ---------------------------------------------------------------- zip bombs


def _bomb(bundle: dict[str, bytes], *, declared_mb: int) -> bytes:
    """An export whose training.npz inflates to `declared_mb` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(META, bundle[META])
        archive.writestr("estimator.skops", bundle["estimator.skops"])
        with archive.open("training.npz", "w", force_zip64=True) as member:
            chunk = b"\0" * MB
            for _ in range(declared_mb):
                member.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def single_worker(tmp_path_factory) -> RunningServer:
    store = tmp_path_factory.mktemp("bomb") / "store"
    store.mkdir()
    # The default upload limit (500 MB), where the zip bomb used to get through.
    with mlbackend_server_process(
        storage_env={"MOODLE_MLBACKEND_PYTHON_DIR": str(store)},
        workers=1,
        extra_env={"FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES": str(500 * MB)},
    ) as running:
        yield running


def test_a_zip_declaring_1000_mb_is_refused_before_expansion(single_worker, bundle):
    data = _bomb(bundle, declared_mb=1000)
    assert len(data) < 1.2 * MB
    (worker,) = worker_pids(single_worker.pid)
    before = peak_rss_bytes(worker)
    replay = Replay(single_worker)
    response = _import(single_worker.url, data, "bomb")
    replay.check(response)
    after = peak_rss_bytes(worker)
    print(f"peak RSS of the worker: {before / MB:.0f} MB -> {after / MB:.0f} MB")
    assert response.status_code == 400
    assert "larger than" in response.text
    assert after - before < 60 * MB
