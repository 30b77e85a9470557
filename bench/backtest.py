"""Backtest both ways between two OULAD presentations; prints JSON.

    .venv/bin/python bench/backtest.py                      # AAA-2013J <-> BBB-2013B
    .venv/bin/python bench/backtest.py --data DIR --data DIR2 --estimators logistic_regression
    .venv/bin/python bench/backtest.py --database-url postgres://postgres@127.0.0.1/x

Imports each directory's presentations (`--presentation` picks them) into a
throw-away SQLite database (or `--database-url`), then for each target, interval
and estimator trains on one presentation and replays on the other at `--at` (the
way a site uses a model: learn from last year, predict a course never seen), both
ways, with the weekly-clicks baseline beside each figure
(models_app.services.backtest). The analysis and processor are the real ones.
"""

from __future__ import annotations

import argparse
import atexit
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


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        scratch = tempfile.mkdtemp(prefix="foresight-backtest-")
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
    from lms.models import Course

    options = [arg for p in presentations for arg in ("--presentation", p)]
    for directory in directories:
        call_command(
            "import_oulad",
            str(directory),
            *options,
            "--if-empty",
            verbosity=0,
            stdout=io.StringIO(),
        )
    return list(
        Course.objects.filter(category__name=CATEGORY_NAME)
        .order_by("shortname")
        .values_list("shortname", flat=True)
    )


def run(args: argparse.Namespace) -> dict:
    from models_app.defaults import DEFAULT_MODELS
    from models_app.models import AnalyticsModel
    from models_app.plugins.processors.builtin import BuiltinProcessor
    from models_app.services.backtest import backtest_run

    started = time.perf_counter()
    courses = _import(args.data, args.presentation or [])
    imported = round(time.perf_counter() - started, 1)
    if len(courses) < 2:
        raise SystemExit("A backtest needs two presentations; found " + str(courses))
    dropout = next(m for m in DEFAULT_MODELS if m.key == "course_dropout")
    results = []
    for target in args.targets:
        for interval in args.intervals:
            model = AnalyticsModel.objects.create(
                name=f"bench {target} {interval}",
                target=target,
                indicators=list(dropout.indicators) + args.extra_indicators,
                interval=interval,
                enabled=False,
            )
            for estimator in args.estimators:
                for train, test in ((courses[0], courses[1]), (courses[1], courses[0])):
                    tick = time.perf_counter()
                    report = backtest_run(
                        model=model,
                        train_courses=train,
                        test_courses=test,
                        at=args.at,
                        processor=BuiltinProcessor(estimator=estimator),
                    )
                    results.append(
                        {
                            "target": target,
                            "interval": interval,
                            "estimator": estimator,
                            "train": train,
                            "test": test,
                            "seconds": round(time.perf_counter() - tick, 1),
                            "lead_days": report.lead_days,
                            "baseline_lead_days": report.baseline_lead_days,
                            "points": [
                                {
                                    "point": row["point"],
                                    "students": row["model"]["students"],
                                    **{
                                        k: row["model"][k]
                                        for k in (
                                            "roc_auc",
                                            "pr_auc",
                                            "brier",
                                            "precision",
                                            "recall",
                                        )
                                    },
                                    "clicks_roc_auc": (
                                        row["clicks_baseline"] or {}
                                    ).get("roc_auc"),
                                }
                                for row in report.points
                            ],
                        }
                    )
            model.delete()
    return {"import_seconds": imported, "courses": courses, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--presentation", action="append")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--targets", nargs="+", default=["course_dropout", "course_gradetopass"]
    )
    parser.add_argument(
        "--intervals", nargs="+", default=["quarters", "quarters_accum"]
    )
    parser.add_argument(
        "--estimators",
        nargs="+",
        default=["logistic_regression", "gradient_boosting", "neural_network"],
    )
    parser.add_argument("--extra-indicators", nargs="*", default=[])
    parser.add_argument(
        "--at", type=lambda v: [float(x) for x in v.split(",")], default=[25.0, 50.0]
    )
    args = parser.parse_args()
    args.data = args.data or DEFAULT_DATA
    _setup(args.database_url)
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
