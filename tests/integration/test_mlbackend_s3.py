"""The whole cycle with models in S3: our server (gunicorn) on moto's S3 server.

Both run on 127.0.0.1; the server reaches moto through AWS_ENDPOINT_URL, as it would
reach any S3-compatible store. Unlike Moodle's server, evaluation logs are kept in the
bucket too, so /evaluationlog answers with the graphs.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile

import boto3
import numpy as np
import pytest

from mlbackend.engine.bundle import bundle_to_zip
from mlbackend.engine.dataset import dataset_to_csv
from mlbackend.engine.results import EngineError
from mlbackend.storage import S3Storage
from models_app.plugins.processors.client import MlbackendClient
from tests.mlbackend.datasets import separable, unlabelled
from tests.mlbackend.servers import PASSWORD, USER, mlbackend_server, moto_s3_server

pytestmark = pytest.mark.integration

BUCKET = "foresight-models"
AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3():
    with moto_s3_server() as endpoint:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        client.create_bucket(Bucket=BUCKET)
        yield endpoint, client


@pytest.fixture(scope="module")
def unused_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("unused")


@pytest.fixture(scope="module")
def client(s3, unused_dir):
    endpoint, _ = s3
    env = {
        **AWS,
        "AWS_ENDPOINT_URL": endpoint,
        "MOODLE_MLBACKEND_PYTHON_S3_BUCKET_NAME": BUCKET,
        # Must stay unused: everything goes to the bucket.
        "MOODLE_MLBACKEND_PYTHON_DIR": str(unused_dir),
    }
    with mlbackend_server(storage_env=env) as url:
        yield MlbackendClient(url=url, username=USER, password=PASSWORD)


def _keys(s3_client, prefix: str = "") -> list[str]:
    answer = s3_client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in answer.get("Contents", []))


def test_the_whole_cycle_in_s3(client, s3):
    _, bucket = s3
    model = "a" * 40
    assert client.ready() is None
    assert client.train(uniqueid=model, dirhash="exec", dataset=separable(200)).ok
    assert _keys(bucket, model) == [f"{model}/exec/classifier.zip"]

    probe = separable(30, seed=4)
    result = client.predict(uniqueid=model, dirhash="exec", dataset=unlabelled(probe))
    predicted = np.array([p.prediction for p in result.predictions])
    assert (predicted == probe.labels).mean() >= 0.95

    evaluation = client.evaluate(
        uniqueid=model,
        dirhash="eval",
        dataset=separable(200, seed=1),
        min_score=0.7,
        max_deviation=0.05,
        n_iterations=10,
    )
    assert evaluation.status == 0
    assert evaluation.score == 1.0
    assert evaluation.dir == f"s3://{BUCKET}/{model}/eval/logs/{evaluation.runid}.zip"
    log = client.evaluation_log(uniqueid=model, dirhash="eval", runid=evaluation.runid)
    names = zipfile.ZipFile(io.BytesIO(log)).namelist()
    assert "roc-curve.png" in names and "learning-curve.png" in names

    trained = client.evaluate(
        uniqueid=model,
        dirhash="eval",
        dataset=separable(100, seed=2),
        min_score=0.7,
        max_deviation=0.05,
        n_iterations=10,
        trained_dirhash="exec",
    )
    assert trained.status == 0 and trained.deviation == 0

    exported = client.export(uniqueid=model, dirhash="exec")
    client.import_(uniqueid="b" * 40, dirhash="exec", data=exported)
    copied = client.predict(
        uniqueid="b" * 40, dirhash="exec", dataset=unlabelled(probe)
    )
    assert [p.prediction for p in copied.predictions] == list(predicted)

    client.delete(uniqueid=model)
    assert _keys(bucket, model) == []
    assert _keys(bucket, "b" * 40) == [f"{'b' * 40}/exec/classifier.zip"]
    gone = client.predict(uniqueid=model, dirhash="exec", dataset=unlabelled(probe))
    assert gone.status == 2


def test_three_trainings_at_once_in_s3(client, s3):
    _, bucket = s3
    results = {}

    def train(i: int) -> None:
        results[i] = client.train(
            uniqueid=f"c{i}", dirhash="exec", dataset=separable(150, seed=i)
        )

    threads = [threading.Thread(target=train, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert [results[i].status for i in range(3)] == [0, 0, 0]
    assert _keys(bucket, "c") == [f"c{i}/exec/classifier.zip" for i in range(3)]


def test_a_broken_dataset_never_reaches_the_bucket(client, s3):
    _, bucket = s3
    data = dataset_to_csv(separable(50)).replace(b",0\n", b",zero\n", 1)
    result = client.train(uniqueid="broken", dirhash="exec", dataset=data)
    assert result.status == 1
    assert _keys(bucket, "broken") == []


def test_the_server_kept_nothing_on_local_disk(client, unused_dir):
    client.train(uniqueid="local", dirhash="exec", dataset=separable(50))
    assert list(unused_dir.iterdir()) == []


@pytest.fixture(scope="module")
def second_client(s3, unused_dir):
    """Another server instance on the same bucket (another machine, in production)."""
    endpoint, _ = s3
    env = {
        **AWS,
        "AWS_ENDPOINT_URL": endpoint,
        "MOODLE_MLBACKEND_PYTHON_S3_BUCKET_NAME": BUCKET,
        "MOODLE_MLBACKEND_PYTHON_DIR": str(unused_dir),
    }
    with mlbackend_server(storage_env=env) as url:
        yield MlbackendClient(url=url, username=USER, password=PASSWORD)


def _stored_samples(s3_client, key: str) -> int:
    data = s3_client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    meta = zipfile.ZipFile(io.BytesIO(data)).read("meta.json")
    return json.loads(meta)["n_samples"]


def test_two_instances_training_one_model_lose_no_samples(client, second_client, s3):
    """Eight trainings of one model at once over two instances (four processes)."""
    _, bucket = s3
    results: dict[int, object] = {}

    def train(i: int) -> None:
        server = client if i % 2 else second_client
        results[i] = server.train(
            uniqueid="shared", dirhash="exec", dataset=separable(50, seed=i)
        )

    threads = [threading.Thread(target=train, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert [results[i].status for i in range(8)] == [0] * 8
    assert _stored_samples(bucket, "shared/exec/classifier.zip") == 8 * 50


@pytest.fixture
def storage(s3, monkeypatch):
    endpoint, _ = s3
    for name, value in AWS.items():
        monkeypatch.setenv(name, value)
    return S3Storage(BUCKET, endpoint_url=endpoint)


@pytest.mark.parametrize("exists", [True, False])
def test_a_write_that_lost_a_race_starts_again_from_the_winners_model(
    storage, s3, exists
):
    """IfMatch on the ETag read (IfNoneMatch="*" for a new model) and retry."""
    _, bucket = s3
    uniqueid = f"race{int(exists)}"
    key = f"{uniqueid}/exec/classifier.zip"
    if exists:
        storage.replace(uniqueid, "exec", {"meta.json": b"first"})
    seen: list[dict | None] = []

    def change(files: dict | None) -> dict:
        seen.append(files)
        if len(seen) == 1:  # another instance writes between our read and write
            bucket.put_object(
                Bucket=BUCKET, Key=key, Body=bundle_to_zip({"meta.json": b"other"})
            )
        return {"meta.json": b"mine+" + (files or {}).get("meta.json", b"")}

    storage.update(uniqueid, "exec", change)
    assert seen == [
        {"meta.json": b"first"} if exists else None,
        {"meta.json": b"other"},
    ]
    assert storage.read(uniqueid, "exec") == {"meta.json": b"mine+other"}


def test_a_change_that_fails_writes_nothing(storage, s3):
    _, bucket = s3

    def change(files: dict | None) -> dict:
        raise EngineError("refused")

    with pytest.raises(EngineError):
        storage.update("refused", "exec", change)
    assert _keys(bucket, "refused") == []


def test_two_evaluation_logs_never_share_a_runid(storage):
    runids = {storage.log_write("logs", "eval", {"info.log": b"x"}) for _ in range(5)}
    assert len(runids) == 5
