"""How good are the predictions on real students? Prints JSON figures.

    .venv/bin/python bench/quality.py                  # all targets, intervals, estimators
    .venv/bin/python bench/quality.py --folds 5 --no-mlbackend --estimators gradient_boosting
    .venv/bin/python bench/quality.py --indicators moodle   # Moodle's dropout indicators

Imports the OULAD presentation in ../shared/data/oulad (383 students, AAA 2013J) into a
throw-away SQLite database (or DATABASE_URL when `--database-url` is given), then for
the targets `course_dropout` and `course_gradetopass`, each interval (`quarters`,
`quarters_accum`, `deciles`), each processor (`builtin` with every estimator, and
`mlbackend`: our ML backend server over HTTP, with its default estimator):

- builds the training dataset with the analysis engine (every registered indicator;
  with `--indicators default` those of the default dropout model; with
  `--indicators moodle` those of Moodle's, to see what Foresight's own add),
- splits the students into `--folds` folds (stratified, seeded); for each fold,
  trains on every range of the other students and predicts the held-out students
  at the range whose prediction time is the last one at or before 25% and 50% of
  the course, keeping only students still enrolled then (no unregistration yet),
- reports, over all held-out predictions: ROC AUC, weighted F1, accuracy, and the
  majority-class baseline (accuracy and weighted F1 of always predicting the
  training majority).

For orientation it also reports a plain logistic regression on per-week click
counts up to the cut-off (log-scaled), on the same students, folds and labels.
Only one presentation is public here, so this is cross-validation across students of
one course, not a train-on-last-year test.
"""

from __future__ import annotations

import argparse
import atexit
import io
import json
import os
import shutil
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
OULAD = ROOT.parent / "shared" / "data" / "oulad"
TARGETS = ["course_dropout", "course_gradetopass"]
INTERVALS = ["quarters", "quarters_accum", "deciles"]
CUTS = [0.25, 0.5]
WEEK = 7 * 86400


def _scratch(prefix: str) -> str:
    """A temporary folder removed when the script exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _setup(database_url: str | None) -> float:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["FORESIGHT_DATA_DIR"] = _scratch("foresight-quality-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command(
        "import_oulad",
        str(OULAD),
        "--if-empty",
        verbosity=0,
        stdout=io.StringIO(),
    )
    return round(time.perf_counter() - started, 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mlbackend_start():
    from models_app.plugins.processors.client import MlbackendClient

    port = _free_port()
    env = {
        **os.environ,
        "MOODLE_MLBACKEND_PYTHON_USERS": "quality:quality",
        "MOODLE_MLBACKEND_PYTHON_DIR": _scratch("quality-mlbackend-"),
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
    client = MlbackendClient(
        url=f"http://127.0.0.1:{port}",
        username="quality",
        password="quality",  # noqa: S106
    )
    for _ in range(300):
        if client.ready() is None:
            return server, client
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("The ML backend server did not start.")


def _course_facts():
    from lms.models import Course, Enrolment

    course = Course.objects.get(shortname="AAA-2013J")
    start, end = int(course.startdate.timestamp()), int(course.enddate.timestamp())
    timeend = {
        pk: (int(t.timestamp()) if t else None)
        for pk, t in Enrolment.objects.filter(course=course).values_list(
            "pk", "timeend"
        )
    }
    users = dict(Enrolment.objects.filter(course=course).values_list("pk", "user_id"))
    return course, start, end, timeend, users


def _range_times(interval: str, course, start: int, end: int) -> list[int]:
    from models_app.plugins import registry
    from models_app.plugins.base import Analysable

    analysable = Analysable(id=course.pk, kind="course", start=start, end=end)
    ranges = registry.interval_class(interval)().ranges(analysable, now=end + 86400)
    return [r.time for r in ranges]


def _cut_index(times: list[int], start: int, end: int, cut: float) -> int:
    moment = start + cut * (end - start)
    eligible = [i for i, t in enumerate(times) if t <= moment + 1]
    return eligible[-1] if eligible else 0


def _weekly_clicks(
    course_id: int, start: int, until: int, users: list[int]
) -> np.ndarray:
    from django.db.models import F
    from django.db.models.functions import Floor

    from logstore.models import StandardLogEntry

    weeks = max(
        1, int(np.ceil((until - start) / WEEK)) + 2
    )  # two weeks before start too
    rows = (
        StandardLogEntry.objects.filter(
            courseid=course_id, timecreated__lte=until, userid__in=users
        )
        .annotate(week=Floor((F("timecreated") - start + 2 * WEEK) / WEEK))
        .values_list("userid", "week")
    )
    index = {u: i for i, u in enumerate(users)}
    counts = np.zeros((len(users), weeks))
    for user, week in rows.iterator(chunk_size=50000):
        counts[index[user], min(max(int(week), 0), weeks - 1)] += 1
    return np.log1p(counts)


def _metrics(
    truth: np.ndarray,
    predicted: np.ndarray,
    score: np.ndarray | None,
    majority: np.ndarray,
) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    out = {
        "n": int(len(truth)),
        "positives": int(truth.sum()),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "f1_weighted": round(float(f1_score(truth, predicted, average="weighted")), 4),
        "baseline_accuracy": round(float(accuracy_score(truth, majority)), 4),
        "baseline_f1_weighted": round(
            float(f1_score(truth, majority, average="weighted")), 4
        ),
    }
    if score is not None and len(np.unique(truth)) == 2:
        out["roc_auc"] = round(float(roc_auc_score(truth, score)), 4)
    return out


def _subset(dataset, rows: np.ndarray, mode: str):
    """The rows `rows` of `dataset` (every per-row array is cut alike)."""
    from dataclasses import fields, replace

    n = len(dataset.sample_ids)
    cut = {
        f.name: getattr(dataset, f.name)[rows]
        for f in fields(dataset)
        if isinstance(getattr(dataset, f.name), np.ndarray)
        and len(getattr(dataset, f.name)) == n
    }
    return replace(dataset, mode=mode, **cut)


def evaluate(args) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from mlbackend.engine.estimators import DEFAULT_ESTIMATOR, ESTIMATORS
    from models_app.analysis.dataset import dataset_build
    from models_app.defaults import DEFAULT_MODELS, FORESIGHT_DROPOUT_INDICATORS
    from models_app.models import AnalyticsModel
    from models_app.plugins import registry
    from models_app.plugins.processors.builtin import BuiltinProcessor

    course, start, end, timeend, enrolment_users = _course_facts()
    dropout = next(d for d in DEFAULT_MODELS if d.key == "course_dropout")
    indicators = {
        "all": list(registry.INDICATORS),
        "default": list(dropout.indicators),
        "moodle": [
            key for key in dropout.indicators if key not in FORESIGHT_DROPOUT_INDICATORS
        ],
    }[args.indicators]
    estimators = args.estimators or list(ESTIMATORS)
    runners: list[tuple[str, str, object]] = [
        ("builtin", e, BuiltinProcessor(estimator=e, random_state=0))
        for e in estimators
    ]
    server = client = None
    if not args.no_mlbackend:
        server, client = _mlbackend_start()
        runners.append(("mlbackend", DEFAULT_ESTIMATOR, client))
    output_dir = Path(_scratch("quality-models-"))
    results = []
    try:
        for target in args.targets:
            for interval in args.intervals:
                model, _created = AnalyticsModel.objects.update_or_create(
                    name=f"Quality: {target}",
                    defaults={
                        "target": target,
                        "indicators": indicators,
                        "interval": interval,
                        "processor": "builtin",
                    },
                )
                began = time.perf_counter()
                dataset = dataset_build(
                    model=model,
                    mode="training",
                    interval=interval,
                    now=end + 86400,
                    record=False,
                )
                build_s = round(time.perf_counter() - began, 1)
                if dataset.refused or not len(dataset):
                    results.append(
                        {
                            "target": target,
                            "interval": interval,
                            "refused": dataset.refused,
                            "messages": [str(m) for m in dataset.messages[:5]],
                        }
                    )
                    continue
                labelled = ~np.isnan(dataset.labels)
                times = _range_times(interval, course, start, end)
                samples = np.unique(dataset.sample_ids[labelled])
                # One label per sample (the target's label does not depend on the range).
                label_of = {
                    int(s): int(
                        dataset.labels[labelled][dataset.sample_ids[labelled] == s][0]
                    )
                    for s in samples
                }
                strata = np.array([label_of[int(s)] for s in samples])
                folds = list(
                    StratifiedKFold(
                        n_splits=args.folds, shuffle=True, random_state=0
                    ).split(samples, strata)
                )
                entry = {
                    "target": target,
                    "interval": interval,
                    "rows": int(len(dataset)),
                    "features": dataset.n_features,
                    "dataset_build_s": build_s,
                    "cuts": {},
                }
                for cut in CUTS:
                    index = _cut_index(times, start, end, cut)
                    moment = times[index]
                    still = {
                        s
                        for s in samples.tolist()
                        if timeend.get(s) is None or timeend[s] > moment
                    }
                    cut_entry = {
                        "range_index": index,
                        "prediction_day": round((moment - start) / 86400, 1),
                        "students": len(still),
                        "processors": [],
                    }
                    for processor_key, estimator, runner in runners:
                        truth, predicted, score, majority = [], [], [], []
                        for fold, (train_idx, test_idx) in enumerate(folds):
                            train_samples = set(samples[train_idx].tolist())
                            test_samples = set(samples[test_idx].tolist()) & still
                            train_rows = np.flatnonzero(
                                labelled
                                & np.isin(dataset.sample_ids, list(train_samples))
                            )
                            test_rows = np.flatnonzero(
                                labelled
                                & (dataset.range_indexes == index)
                                & np.isin(dataset.sample_ids, list(test_samples))
                            )
                            if not len(test_rows):
                                continue
                            train_set = _subset(
                                dataset, train_rows, "training"
                            ).for_processor()
                            test_set = _subset(
                                dataset, test_rows, "prediction"
                            ).for_processor()
                            model_id = f"q-{target}-{interval}-{cut}-{processor_key}-{estimator}-{fold}".replace(
                                "_", ""
                            ).replace(".", "")
                            if processor_key == "mlbackend":
                                runner.train(
                                    uniqueid=model_id, dirhash="exec", dataset=train_set
                                )
                                result = runner.predict(
                                    uniqueid=model_id, dirhash="exec", dataset=test_set
                                )
                            else:
                                runner.train(
                                    model_id=model_id,
                                    dataset=train_set,
                                    output_dir=output_dir,
                                )
                                result = runner.predict(
                                    model_id=model_id,
                                    dataset=test_set,
                                    output_dir=output_dir,
                                )
                            by_id = {p.sample_id: p for p in result.predictions}
                            train_labels = dataset.labels[train_rows].astype(int)
                            major = int(np.bincount(train_labels).argmax())
                            for row in test_rows.tolist():
                                p = by_id.get(
                                    f"{dataset.sample_ids[row]}-{dataset.range_indexes[row]}"
                                )
                                if p is None:
                                    continue
                                truth.append(int(dataset.labels[row]))
                                predicted.append(int(p.prediction))
                                score.append(
                                    p.score if int(p.prediction) == 1 else 1 - p.score
                                )
                                majority.append(major)
                        cut_entry["processors"].append(
                            {
                                "processor": processor_key,
                                "estimator": estimator,
                                **_metrics(
                                    np.array(truth),
                                    np.array(predicted),
                                    np.array(score),
                                    np.array(majority),
                                ),
                            }
                        )
                    # Orientation: logistic regression on weekly clicks, same folds and labels.
                    users = [enrolment_users[s] for s in samples.tolist()]
                    clicks = _weekly_clicks(course.pk, start, moment, users)
                    truth, predicted, score, majority = [], [], [], []
                    for train_idx, test_idx in folds:
                        keep = np.array(
                            [samples[i] in still for i in test_idx], dtype=bool
                        )
                        test_idx = test_idx[keep]
                        if not len(test_idx):
                            continue
                        fitted = LogisticRegression(max_iter=2000).fit(
                            clicks[train_idx], strata[train_idx]
                        )
                        truth += strata[test_idx].tolist()
                        predicted += fitted.predict(clicks[test_idx]).tolist()
                        score += fitted.predict_proba(clicks[test_idx])[:, 1].tolist()
                        majority += [
                            int(np.bincount(strata[train_idx]).argmax())
                        ] * len(test_idx)
                    cut_entry["weekly_clicks_logistic_regression"] = _metrics(
                        np.array(truth),
                        np.array(predicted),
                        np.array(score),
                        np.array(majority),
                    )
                    entry["cuts"][f"{int(cut * 100)}%"] = cut_entry
                results.append(entry)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", help="Use this database instead of a throw-away SQLite file."
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--targets", nargs="+", default=TARGETS)
    parser.add_argument("--intervals", nargs="+", default=INTERVALS)
    parser.add_argument("--estimators", nargs="+")
    parser.add_argument(
        "--indicators",
        choices=["all", "default", "moodle"],
        default="all",
        help="Every registered indicator, those of the default dropout model, or "
        "those of Moodle's (the default without Foresight's own).",
    )
    parser.add_argument(
        "--no-mlbackend", action="store_true", help="Skip the ML backend server."
    )
    args = parser.parse_args()
    started = time.perf_counter()
    import_s = _setup(args.database_url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = evaluate(args)
    print(
        json.dumps(
            {
                "data": "OULAD AAA-2013J",
                "folds": args.folds,
                "indicators": args.indicators,
                "import_s": import_s,
                "total_s": round(time.perf_counter() - started, 1),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
