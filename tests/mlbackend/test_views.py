"""The ML backend server's endpoints, mounted in the site at /mlbackend/.

Bodies, status codes and content types are Moodle's moodlemlbackend 3.0.5 ones
(shared/reference/moodle-mlbackend-protocol.md §2-§5).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mlbackend.engine.dataset import dataset_to_csv
from tests.mlbackend.datasets import (
    MOODLE_LABELLED,
    MOODLE_UNLABELLED,
    noise,
    separable,
    unlabelled,
)

UNIQUEID = "e0834bc57e49e3b6128ec141d54d9b2d68d19b54"
DIRHASH = "7951873a2cda8823526d098b4c14b9a0"
TRACEBACK = "Traceback"


def _auth(user: str = "moodle", password: str = "s3cret") -> dict[str, str]:  # noqa: S107
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture(autouse=True)
def server(settings, tmp_path):
    salt = "0123456789abcdef0123456789abcdef"
    digest = hashlib.sha256((salt + "hashed-pw").encode()).hexdigest()
    settings.FORESIGHT_MLBACKEND_USERS = f"moodle:s3cret,other:sha256:{salt}:{digest}"
    settings.FORESIGHT_MLBACKEND_DIR = str(tmp_path / "store")
    settings.FORESIGHT_MLBACKEND_S3_BUCKET = ""
    settings.FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES = 2_000_000
    return tmp_path / "store"


def _post(client, path, *, files=None, auth=None, **fields):
    data = dict(fields)
    for name, content in (files or {}).items():
        data[name] = SimpleUploadedFile("1648591452.447.csv", content)
    return client.post(f"/mlbackend/{path}", data, **(auth or _auth()))


def _train(client, dataset, uniqueid=UNIQUEID, dirhash=DIRHASH, **kwargs):
    return _post(
        client,
        "training",
        uniqueid=uniqueid,
        dirhash=dirhash,
        files={
            "dataset": dataset
            if isinstance(dataset, bytes)
            else dataset_to_csv(dataset)
        },
        **kwargs,
    )


def test_version_needs_no_auth_and_answers_the_moodle_version(client):
    response = client.get("/mlbackend/version")
    assert response.status_code == 200
    assert response.content == b"3.0.5"
    assert client.post("/mlbackend/version").status_code == 405


def test_missing_credentials_get_moodles_401(client):
    response = client.post("/mlbackend/training", {"uniqueid": UNIQUEID})
    assert response.status_code == 401
    assert response.content == b"No user and/or password included in the request."
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize(
    ("user", "password"), [("moodle", "wrong"), ("nobody", "s3cret"), ("other", "x")]
)
def test_wrong_credentials_get_moodles_401(client, user, password):
    response = _post(
        client, "deletemodel", uniqueid=UNIQUEID, auth=_auth(user, password)
    )
    assert response.status_code == 401
    assert response.content == b"Incorrect user and/or password provided by Moodle."


def test_hashed_passwords_in_moodles_gen_passwd_format_work(client):
    response = _post(
        client, "deletemodel", uniqueid=UNIQUEID, auth=_auth("other", "hashed-pw")
    )
    assert response.status_code == 200
    assert response.content == b"Ok"


@pytest.mark.parametrize(
    "password",
    [
        "Pz4a:Ss9k:W0rdx",  # three fields, but no hash algorithm named Pz4a
        "sha256:Kq8salt:Nothex9z",  # a known algorithm, but no hex digest
        "md5:Kq8salt:" + "0" * 31,  # one hex digit short of an md5 digest
        "sha256::" + "0" * 64,  # no salt
        "Zx9:Yw8",
        ":::",
    ],
)
def test_plain_passwords_with_colons_work_and_are_never_logged(
    client, settings, caplog, password
):
    settings.FORESIGHT_MLBACKEND_USERS = f"moodle:s3cret,v:{password}"
    caplog.set_level(logging.DEBUG)
    response = _post(
        client, "deletemodel", uniqueid=UNIQUEID, auth=_auth("v", password)
    )
    assert response.status_code == 200
    assert response.content == b"Ok"
    for wrong in ("Pz4a", password + "x", password.rsplit(":", 1)[0]):
        response = _post(
            client, "deletemodel", uniqueid=UNIQUEID, auth=_auth("v", wrong)
        )
        assert response.status_code == 401
    for part in password.split(":"):
        if len(part) >= 3:
            assert part not in caplog.text


@pytest.mark.parametrize("algorithm", ["sha256", "sha512", "md5", "sha3_256"])
def test_every_fixed_size_hashlib_algorithm_counts_as_hashed(
    client, settings, algorithm
):
    salt = "da243a51bce11bf9083d78da99a2544b"
    digest = hashlib.new(algorithm, (salt + "pa:ss").encode()).hexdigest().upper()
    settings.FORESIGHT_MLBACKEND_USERS = f"h:{algorithm}:{salt}:{digest}"
    ok = _post(client, "deletemodel", uniqueid=UNIQUEID, auth=_auth("h", "pa:ss"))
    assert ok.status_code == 200
    stored = f"{algorithm}:{salt}:{digest}"
    as_plain = _post(client, "deletemodel", uniqueid=UNIQUEID, auth=_auth("h", stored))
    assert as_plain.status_code == 401


def test_the_method_is_checked_before_auth(client):
    assert client.get("/mlbackend/training").status_code == 405
    assert client.post("/mlbackend/export").status_code == 405


def test_training_then_prediction_answers_like_moodles_server(client, server):
    response = _train(client, separable(200))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert json.loads(response.content) == {"status": 0, "info": []}
    assert (server / UNIQUEID / DIRHASH / "classifier" / "CURRENT").exists()

    response = _post(
        client,
        "prediction",
        uniqueid=UNIQUEID,
        dirhash=DIRHASH,
        files={"dataset": dataset_to_csv(unlabelled(separable(10, seed=4)))},
    )
    body = json.loads(response.content)
    assert body["status"] == 0
    assert len(body["predictions"]) == 10
    sample, klass, probability = body["predictions"][0]
    assert sample == "s0-0"
    assert klass in ("0", "1")
    assert 0.5 <= float(probability) <= 1.0


def test_moodles_own_example_files_train_and_predict(client):
    rows = MOODLE_LABELLED + b"-0.1,0.2,0.5,0\n0.3,0.1,-0.5,1\n"
    assert json.loads(_train(client, rows).content)["status"] == 0
    response = _post(
        client,
        "prediction",
        uniqueid=UNIQUEID,
        dirhash=DIRHASH,
        files={"dataset": MOODLE_UNLABELLED},
    )
    body = json.loads(response.content)
    assert [row[0] for row in body["predictions"]] == ["1000-0", "1001-0"]


def test_prediction_for_an_untrained_model_is_status_2(client):
    response = _post(
        client,
        "prediction",
        uniqueid=UNIQUEID,
        dirhash=DIRHASH,
        files={"dataset": MOODLE_UNLABELLED},
    )
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": 2,
        "info": ["Provided model have not been trained yet"],
    }


def test_training_with_a_single_class_is_not_enough_data(client, server):
    dataset = separable(50)
    dataset.labels[:] = 1
    body = json.loads(_train(client, dataset).content)
    assert body == {
        "status": 8,
        "info": [],
        "errors": "Training data needs to include samples belonging to all classes",
    }
    assert not (server / UNIQUEID / DIRHASH / "classifier" / "CURRENT").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"nfeatures\n3\n", "three header lines"),
        (MOODLE_LABELLED.replace(b"0.5,1\n", b"0.5,1,1\n"), "columns"),
        (MOODLE_LABELLED.replace(b"0.6949", b"abc"), "not a number"),
        (MOODLE_LABELLED.replace(b"targetclasses", b"other"), "targetclasses"),
    ],
)
def test_bad_datasets_are_a_general_error_and_never_touch_the_model(
    client, server, content, message
):
    _train(client, separable(100))
    before = (server / UNIQUEID / DIRHASH / "classifier" / "CURRENT").read_text()
    response = _train(client, content)
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == 1
    assert message in body["errors"]
    assert TRACEBACK not in response.content.decode()
    assert (
        server / UNIQUEID / DIRHASH / "classifier" / "CURRENT"
    ).read_text() == before


def test_missing_fields_are_400_without_a_stack_trace(client):
    response = _post(
        client, "training", uniqueid=UNIQUEID, files={"dataset": MOODLE_LABELLED}
    )
    assert response.status_code == 400
    assert response.content == b"Missing parameter: dirhash."
    response = _post(client, "training", uniqueid=UNIQUEID, dirhash=DIRHASH)
    assert response.status_code == 400
    assert b"dataset" in response.content


@pytest.mark.parametrize(
    ("uniqueid", "stored"),
    [("../../etc", "etc"), ("a/b", "ab"), ("a b", "ab"), ("..\\..\\x", "x")],
)
def test_identifiers_are_cleaned_as_moodles_server_does(
    client, server, uniqueid, stored
):
    """Every character outside [A-Za-z0-9_$-] is deleted: nothing can escape."""
    response = _train(client, separable(50), uniqueid=uniqueid)
    assert json.loads(response.content)["status"] == 0
    assert sorted(p.name for p in server.iterdir()) == [".locks", stored]
    assert (server / stored / DIRHASH / "classifier" / "CURRENT").exists()
    assert _post(client, "deletemodel", uniqueid=uniqueid).content == b"Ok"
    assert not (server / stored).exists()


def test_moodles_phpunit_identifiers_are_accepted(client, server):
    """analytics/tests/prediction_test.php sends ids with a dot and a space."""
    moodle_id = "whatever0.99380300 1796107895"
    response = _train(client, separable(50), uniqueid=moodle_id, dirhash=moodle_id)
    assert json.loads(response.content)["status"] == 0
    cleaned = "whatever0993803001796107895"
    assert (server / cleaned / cleaned / "classifier" / "CURRENT").exists()


@pytest.mark.parametrize("uniqueid", ["..", "/", " . ", "\n", "é", "x" * 200])
def test_identifiers_empty_or_too_long_once_cleaned_are_refused(
    client, server, uniqueid
):
    response = _train(client, separable(50), uniqueid=uniqueid)
    assert response.status_code == 400
    assert b"Invalid uniqueid" in response.content
    assert not server.exists() or not any(server.iterdir())
    response = _post(client, "deletemodel", uniqueid=uniqueid)
    assert response.status_code == 400


def test_an_upload_over_the_limit_is_413(client, settings):
    settings.FORESIGHT_MLBACKEND_MAX_UPLOAD_BYTES = 1000
    response = _train(client, separable(200))
    assert response.status_code == 413
    assert b"1000 bytes" in response.content


def test_evaluation_answers_moodles_keys_and_its_log_has_the_graphs(client):
    response = _post(
        client,
        "evaluation",
        uniqueid=UNIQUEID,
        dirhash=DIRHASH,
        minscore="0.7",
        maxdeviation="0.05",
        niterations="10",
        files={"dataset": dataset_to_csv(separable(200))},
    )
    body = json.loads(response.content)
    assert list(body)[:15] == [
        "auc",
        "auc_deviation",
        "balanced accuracy",
        "accuracy",
        "precision",
        "recall",
        "f1_score",
        "score_deviation",
        "score",
        "min_score",
        "accepted_deviation",
        "dir",
        "status",
        "info",
        "runid",
    ]
    assert body["status"] == 0
    assert body["score"] == 1.0
    assert isinstance(body["runid"], int)

    log = client.get(
        "/mlbackend/evaluationlog",
        {"uniqueid": UNIQUEID, "dirhash": DIRHASH, "runid": body["runid"]},
        **_auth(),
    )
    assert log.status_code == 200
    assert log["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(log.content))
    # Moodle's clients read the graphs from the log: drawn at evaluation time, as
    # PNG files, never as the data the site's own evaluations keep instead.
    graphs = [
        "calibration.png",
        "learning-curve.png",
        "precision-recall.png",
        "roc-curve.png",
    ]
    assert sorted(archive.namelist()) == sorted([*graphs, "info.log", "metrics.json"])
    for name in graphs:
        assert archive.read(name).startswith(b"\x89PNG\r\n\x1a\n"), name
    assert body["graphs"] == graphs


def test_two_evaluations_get_different_runids(client):
    runids = set()
    for _ in range(2):
        response = _post(
            client,
            "evaluation",
            uniqueid=UNIQUEID,
            dirhash=DIRHASH,
            minscore="0.7",
            maxdeviation="0.05",
            niterations="1",
            files={"dataset": dataset_to_csv(noise(60))},
        )
        runids.add(json.loads(response.content)["runid"])
    assert len(runids) == 2


def test_evaluation_with_labels_outside_the_classes_is_a_general_error(client):
    dataset = separable(60)
    dataset.target_classes = [0, 1, 2]
    response = _post(
        client,
        "evaluation",
        uniqueid=UNIQUEID,
        dirhash=DIRHASH,
        minscore="0.7",
        maxdeviation="0.05",
        niterations="10",
        files={"dataset": dataset_to_csv(dataset)},
    )
    body = json.loads(response.content)
    assert body["status"] == 1
    assert body["info"] == [
        "The labels from the provided dataset do not match the targetclasses from the header"
    ]
    assert "runid" in body


def test_an_unknown_evaluation_run_is_an_empty_zip(client):
    response = client.get(
        "/mlbackend/evaluationlog",
        {"uniqueid": UNIQUEID, "dirhash": DIRHASH, "runid": "123"},
        **_auth(),
    )
    assert response.status_code == 200
    assert len(response.content) == 22
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == []


def test_export_of_nothing_is_503_and_export_import_round_trips(client):
    query = {"uniqueid": UNIQUEID, "dirhash": DIRHASH}
    response = client.get("/mlbackend/export", query, **_auth())
    assert response.status_code == 503
    assert response.content == b"There is nothing to export."

    _train(client, separable(100))
    exported = client.get("/mlbackend/export", query, **_auth())
    assert exported.status_code == 200
    response = client.post(
        "/mlbackend/import",
        {
            "uniqueid": "copy",
            "dirhash": DIRHASH,
            "importzip": SimpleUploadedFile("import.zip", exported.content),
        },
        **_auth(),
    )
    assert response.content == b"Ok"
    again = client.get(
        "/mlbackend/export", {"uniqueid": "copy", "dirhash": DIRHASH}, **_auth()
    )
    assert again.status_code == 200


def test_a_corrupted_import_is_refused_and_the_model_kept(client):
    _train(client, separable(100))
    query = {"uniqueid": UNIQUEID, "dirhash": DIRHASH}
    before = client.get("/mlbackend/export", query, **_auth()).content
    corrupted = before[:200] + b"\0" * 300 + before[500:]
    for upload in (corrupted, b"garbage"):
        response = client.post(
            "/mlbackend/import",
            {**query, "importzip": SimpleUploadedFile("import.zip", upload)},
            **_auth(),
        )
        assert response.status_code == 400
        assert response.content.startswith(b"The model could not be imported")
    assert client.get("/mlbackend/export", query, **_auth()).content == before


def test_deletemodel_removes_every_folder_of_the_model(client, server):
    _train(client, separable(100))
    _train(client, separable(100), dirhash="other")
    response = _post(client, "deletemodel", uniqueid=UNIQUEID)
    assert response.content == b"Ok"
    assert not (server / UNIQUEID).exists()
    assert _post(client, "deletemodel", uniqueid=UNIQUEID).content == b"Ok"


def test_a_crash_is_a_plain_500(client, monkeypatch):
    from mlbackend import services

    def explode(**kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(services, "training_handle", explode)
    response = _train(client, separable(50))
    assert response.status_code == 500
    assert response.content == b"Internal server error."


def test_djangos_request_limits_are_a_400_in_the_site_too(client):
    fields = {f"f{i}": "x" for i in range(1_500)}
    response = client.post("/mlbackend/training", fields, **_auth())
    assert response.status_code == 400
    assert b"fields" in response.content
    response = client.post(
        "/mlbackend/training",
        b"uniqueid=abc",
        content_type="multipart/form-data",
        **_auth(),
    )
    assert response.status_code == 400
    assert b"boundary" in response.content
