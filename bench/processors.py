"""Benchmark of the predictions processors: train, predict and evaluate time and score.

    .venv/bin/python bench/processors.py            # synthetic datasets, prints JSON
    .venv/bin/python bench/processors.py --oulad    # estimator comparison on OULAD

Synthetic datasets have 20 indicator-like columns in [-1, 1] and a label that depends
non-linearly on a few of them, with noise (so no estimator scores 1). The `builtin`
processor runs every estimator in process; the `mlbackend` processor talks HTTP to our
ML backend server (started here with gunicorn on 127.0.0.1) with the default estimator,
so its figures include CSV writing, upload, parsing and storage.

`--oulad` builds the dataset Moodle's "students at risk of dropping out" model would
see from the OULAD presentation in ../shared/data/oulad (383 students): weekly click
counts from the start of the course until the prediction time (log-scaled to [-1, 1]),
label 1 when the final result is Fail or Withdrawn. It evaluates each estimator as
Moodle does (10 rounds of 80/20 splits, weighted F1) at the end of each quarter.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mlbackend.engine.dataset import Dataset, dataset_build  # noqa: E402
from mlbackend.engine.estimators import DEFAULT_ESTIMATOR, ESTIMATORS  # noqa: E402
from mlbackend.engine.evaluation import evaluation_run  # noqa: E402
from mlbackend.engine.trained import IncrementalClassifier  # noqa: E402

OULAD = ROOT.parent / "shared" / "data" / "oulad"
N_FEATURES = 20


def synthetic(n: int, *, seed: int = 0) -> tuple[Dataset, Dataset]:
    """A labelled dataset of n samples and an unlabelled one of n samples."""
    rng = np.random.default_rng(seed)
    features = rng.uniform(-1, 1, size=(2 * n, N_FEATURES))
    signal = (
        2.0 * features[:, 0]
        - 1.5 * features[:, 1] * features[:, 2]
        + np.where(features[:, 3] > 0.3, 1.5, -0.5)
        + 0.5 * features[:, 4:8].sum(axis=1)
    )
    labels = (signal + rng.normal(0, 1.0, 2 * n) > 0).astype(int)
    labelled = dataset_build(
        features=features[:n], labels=labels[:n], target_classes=[0, 1]
    )
    unlabelled = dataset_build(
        features=features[n:],
        target_classes=[0, 1],
        sample_ids=[f"{i}-0" for i in range(n)],
    )
    unlabelled.metadata["truth"] = labels[n:]
    return labelled, unlabelled


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, round(time.perf_counter() - start, 3)


def _accuracy(predictions, truth: np.ndarray) -> float:
    predicted = np.array([p.prediction for p in predictions])
    return round(float((predicted == truth).mean()), 4)


def bench_builtin(sizes: list[int], eval_sizes: list[int], estimators: list[str]):
    rows = []
    for n in sizes:
        labelled, unlabelled = synthetic(n)
        for estimator in estimators:
            classifier = IncrementalClassifier(estimator=estimator, random_state=0)
            _, train_s = _timed(classifier.train, labelled)
            predictions, predict_s = _timed(classifier.predict, unlabelled)
            row = {
                "processor": "builtin",
                "estimator": estimator,
                "samples": n,
                "train_s": train_s,
                "predict_s": predict_s,
                "accuracy": _accuracy(predictions, unlabelled.metadata["truth"]),
            }
            if n in eval_sizes:
                (result, _files), evaluate_s = _timed(
                    evaluation_run, dataset=labelled, estimator=estimator
                )
                row.update(
                    evaluate_s=evaluate_s,
                    score=round(result.score, 4),
                    deviation=round(result.deviation, 4),
                    auc=round(result.metrics.get("auc", 0.0), 4),
                    status=result.status,
                )
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_mlbackend(sizes: list[int], eval_sizes: list[int]):
    """Our client against our server over HTTP on loopback (default estimator)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlbackend.standalone_settings")
    from models_app.plugins.processors.client import MlbackendClient

    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="bench-mlbackend-")
    env = {
        **os.environ,
        "MOODLE_MLBACKEND_PYTHON_USERS": "bench:bench",
        "MOODLE_MLBACKEND_PYTHON_DIR": workdir,
        "DJANGO_SETTINGS_MODULE": "mlbackend.standalone_settings",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "mlbackend.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "600",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        client = MlbackendClient(
            url=f"http://127.0.0.1:{port}",
            username="bench",
            password="bench",  # noqa: S106
        )
        for _ in range(100):
            if client.ready() is None:
                break
            time.sleep(0.1)
        for n in sizes:
            labelled, unlabelled = synthetic(n)
            model = f"bench{n}"
            _, train_s = _timed(
                client.train, uniqueid=model, dirhash="exec", dataset=labelled
            )
            result, predict_s = _timed(
                client.predict, uniqueid=model, dirhash="exec", dataset=unlabelled
            )
            row = {
                "processor": "mlbackend",
                "estimator": DEFAULT_ESTIMATOR,
                "samples": n,
                "train_s": train_s,
                "predict_s": predict_s,
                "accuracy": _accuracy(result.predictions, unlabelled.metadata["truth"]),
            }
            if n in eval_sizes:
                result, evaluate_s = _timed(
                    client.evaluate,
                    uniqueid=model,
                    dirhash="eval",
                    dataset=labelled,
                    min_score=0.7,
                    max_deviation=0.05,
                    n_iterations=10,
                )
                row.update(
                    evaluate_s=evaluate_s,
                    score=round(result.score, 4),
                    deviation=round(result.deviation, 4),
                    status=result.status,
                )
            client.delete(uniqueid=model)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def oulad_dataset(*, until_day: int) -> Dataset:
    """Weekly clicks from day 0 to `until_day` per student; label = Fail or Withdrawn."""
    with open(OULAD / "studentInfo.csv", newline="") as handle:
        students = {
            int(row["id_student"]): row["final_result"]
            for row in csv.DictReader(handle)
        }
    order = sorted(students)
    index = {student: i for i, student in enumerate(order)}
    n_weeks = until_day // 7 + 1
    clicks = np.zeros((len(order), n_weeks + 1))  # column 0: before the start
    with gzip.open(OULAD / "studentVle.csv.gz", "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            day = int(row["date"])
            student = int(row["id_student"])
            if day > until_day or student not in index:
                continue
            week = 0 if day < 0 else day // 7 + 1
            clicks[index[student], week] += int(row["sum_click"])
    features = np.log1p(clicks) / np.log1p(clicks.max()) * 2 - 1
    labels = np.array([students[s] in ("Fail", "Withdrawn") for s in order], dtype=int)
    return dataset_build(
        features=features,
        labels=labels,
        target_classes=[0, 1],
        columns=["before"] + [f"week{w}" for w in range(n_weeks)],
    )


def bench_oulad() -> list[dict]:
    rows = []
    length = 268  # days of AAA 2013J (courses.csv)
    for quarter in (1, 2, 3, 4):
        dataset = oulad_dataset(until_day=length * quarter // 4)
        for estimator in ESTIMATORS:
            (result, _), seconds = _timed(
                evaluation_run, dataset=dataset, estimator=estimator, draw_graphs=False
            )
            rows.append(
                {
                    "until": f"quarter {quarter}",
                    "samples": dataset.n_samples,
                    "features": dataset.features.shape[1],
                    "positives": int(dataset.labels.sum()),
                    "estimator": estimator,
                    "score": round(result.score, 4),
                    "deviation": round(result.deviation, 4),
                    "auc": round(result.metrics.get("auc", 0.0), 4),
                    "status": result.status,
                    "evaluate_s": seconds,
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--oulad", action="store_true", help="OULAD comparison only")
    parser.add_argument(
        "--sizes", default="1000,10000,100000,1000000", help="train/predict sizes"
    )
    parser.add_argument("--eval-sizes", default="1000,10000", help="evaluate sizes")
    parser.add_argument(
        "--mlbackend-sizes",
        default="1000,10000,100000",
        help="sizes for the mlbackend processor (HTTP, CSV); empty to skip",
    )
    parser.add_argument("--estimators", default=",".join(ESTIMATORS))
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.oulad:
        print(json.dumps({"oulad": bench_oulad()}, indent=1))
        return

    def ints(text: str) -> list[int]:
        return [int(v) for v in text.split(",") if v]

    output = {
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg()[0],
        "builtin": bench_builtin(
            ints(args.sizes), ints(args.eval_sizes), args.estimators.split(",")
        ),
    }
    if args.mlbackend_sizes:
        output["mlbackend"] = bench_mlbackend(
            ints(args.mlbackend_sizes), ints(args.eval_sizes)
        )
    output["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(output, indent=1))


if __name__ == "__main__":
    main()
