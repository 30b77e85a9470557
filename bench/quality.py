"""How good are the predictions on courses the model never saw? Prints JSON.

    .venv/bin/python bench/quality.py                      # AAA-2013J <-> BBB-2013B
    .venv/bin/python bench/quality.py --targets course_dropout --intervals quarters \\
        --estimators logistic_regression --calibrations none sigmoid isotonic
    .venv/bin/python bench/quality.py --data DIR --presentation BBB-2013B --data DIR2
    .venv/bin/python bench/quality.py --database-url postgres://postgres@127.0.0.1/x
    .venv/bin/python bench/quality.py --generated [--range-means]

Imports each `--data` directory (default: ../shared/data/oulad and
../shared/data/oulad-bbb-2013b; `--presentation MODULE-CODE`, repeatable, keeps only
those, wherever they are; the first two in name order are compared)
into a throw-away SQLite database (or `--database-url`), then for each target,
interval, estimator and calibration trains on one presentation and replays the
nightly prediction on the other at `--at` percent of the course, both ways: the way
a site uses a model, learning from last year and predicting a course it never saw
(models_app.services.backtest, with the real analysis and the built-in processor).
Per point it prints ROC AUC, PR AUC, Brier score, precision and recall of the
flagged students and the weekly-clicks baseline's ROC AUC. The model has the
default dropout model's indicators, `--with-indicators KEY...` added and
`--without-indicators PATTERN...` (such as "mod_*") taken away. `--generated`
compares instead the generated site's earlier finished courses (by end date) with
its later ones (GENERATED sizes), both ways. One target, interval and estimator takes
about 2.5 minutes on two busy cores (1.8 of them importing OULAD); `--generated`
about 30 seconds.
"""

from __future__ import annotations

import argparse
import atexit
import fnmatch
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
DEFAULT_DATA = [DATA / "oulad", DATA / "oulad-bbb-2013b"]
FIGURES = ("roc_auc", "pr_auc", "brier", "precision", "recall", "flagged")


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        scratch = tempfile.mkdtemp(prefix="foresight-quality-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        os.environ["FORESIGHT_DATA_DIR"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _import(directories: list[Path], presentations: list[str]) -> list[str]:
    from django.core.management import call_command

    from lms.importers.oulad import CATEGORY_NAME
    from lms.importers.oulad.reading import presentations_read
    from lms.models import Course

    for directory in directories:
        # Each --presentation is looked for in every --data directory.
        here = {f"{m}-{c}" for m, c in presentations_read(directory, None)}
        wanted = [p for p in presentations if p in here] if presentations else []
        if presentations and not wanted:
            continue
        call_command(
            "import_oulad",
            str(directory),
            *[arg for p in wanted for arg in ("--presentation", p)],
            "--if-empty",
            verbosity=0,
            stdout=io.StringIO(),
        )
    return list(
        Course.objects.filter(category__name=CATEGORY_NAME)
        .order_by("shortname")
        .values_list("shortname", flat=True)
    )


#: The generated site: its finished courses, split by end date, are the two sides.
GENERATED = {"courses": 40, "students_per_course": 30, "events": 150_000, "seed": 5}
GENERATED_NOW = 1_780_272_000  # 2026-06-01 UTC, the generator's "today"


def _generate() -> list[str]:
    """Generate the site; the two sides as course-id lists (earlier, later)."""
    import datetime as dt

    from lms.generator import site_generate
    from lms.generator.config import site_config_build
    from lms.models import Course

    now = dt.datetime.fromtimestamp(GENERATED_NOW, tz=dt.UTC)
    site_generate(config=site_config_build(**GENERATED, now=now))
    done = list(
        Course.objects.filter(enddate__lt=now)
        .exclude(startdate=None)
        .order_by("enddate", "pk")
        .values_list("pk", flat=True)
    )
    half = len(done) // 2
    return [",".join(map(str, done[:half])), ",".join(map(str, done[half:]))]


def _indicators(added: list[str], removed: list[str]) -> list[str]:
    """The default dropout model's indicators, plus `added`, less those matching
    a pattern of `removed` (fnmatch: "mod_*")."""
    from models_app.defaults import DEFAULT_MODELS

    dropout = next(m for m in DEFAULT_MODELS if m.key == "course_dropout")
    keys = list(dict.fromkeys([*dropout.indicators, *added]))  # each once
    return [k for k in keys if not any(fnmatch.fnmatch(k, p) for p in removed)]


def _point(row: dict) -> dict:
    return {
        "point": row["point"],
        "students": row["model"]["students"],
        **{key: row["model"][key] for key in FIGURES},
        "clicks_roc_auc": (row["clicks_baseline"] or {}).get("roc_auc"),
    }


def run(args: argparse.Namespace) -> dict:
    from models_app.models import AnalyticsModel
    from models_app.plugins.processors.builtin import BuiltinProcessor
    from models_app.services.backtest import backtest_run

    started = time.perf_counter()
    if args.generated:
        courses, now = _generate(), GENERATED_NOW
    else:
        courses, now = _import(args.data, args.presentation or []), None
    imported = round(time.perf_counter() - started, 1)
    if len(courses) < 2:
        raise SystemExit(f"The backtest needs two presentations; found {courses}.")
    indicators = _indicators(args.with_indicators, args.without_indicators)
    results = []
    for target in args.targets:
        for interval in args.intervals:
            model = AnalyticsModel.objects.create(
                name=f"bench {target} {interval}",
                target=target,
                indicators=indicators,
                interval=interval,
                enabled=False,
            )
            for estimator in args.estimators:
                for calibration in args.calibrations:
                    processor = BuiltinProcessor(
                        estimator=estimator,
                        calibration=calibration,
                        range_means=args.range_means,
                    )
                    for train, test in (courses[:2], courses[1::-1]):
                        tick = time.perf_counter()
                        report = backtest_run(
                            model=model,
                            train_courses=train,
                            test_courses=test,
                            at=args.at,
                            now=now,
                            processor=processor,
                        )
                        results.append(
                            {
                                "target": target,
                                "interval": interval,
                                "estimator": estimator,
                                "calibration": calibration,
                                "train": train,
                                "test": test,
                                "seconds": round(time.perf_counter() - tick, 1),
                                "lead_days": report.lead_days,
                                "baseline_lead_days": report.baseline_lead_days,
                                "points": [_point(row) for row in report.points],
                            }
                        )
            model.delete()
    return {
        "import_seconds": imported,
        "courses": courses,
        "indicators": indicators,
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--presentation", action="append")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--generated",
        action="store_true",
        help="the generated site instead: its earlier finished courses against "
        "its later ones",
    )
    parser.add_argument(
        "--range-means",
        action="store_true",
        help="let the processor learn from Moodle's range-mean columns",
    )
    parser.add_argument(
        "--targets", nargs="+", default=["course_dropout", "course_gradetopass"]
    )
    parser.add_argument("--intervals", nargs="+", default=["quarters"])
    parser.add_argument("--estimators", nargs="+", help="default: every one")
    parser.add_argument("--calibrations", nargs="+", help="default: the default")
    parser.add_argument("--with-indicators", nargs="*", default=[], metavar="KEY")
    parser.add_argument(
        "--without-indicators", nargs="*", default=[], metavar="PATTERN"
    )
    parser.add_argument(
        "--at", type=lambda v: [float(x) for x in v.split(",")], default=[25.0, 50.0]
    )
    args = parser.parse_args()
    args.data = args.data or DEFAULT_DATA
    _setup(args.database_url)
    from models_app.plugins.processors.builtin import (
        DEFAULT_CALIBRATION,
        ESTIMATOR_LABELS,
    )

    args.estimators = args.estimators or list(ESTIMATOR_LABELS)
    args.calibrations = args.calibrations or [DEFAULT_CALIBRATION]
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
