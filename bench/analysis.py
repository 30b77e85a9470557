"""Benchmark of the analysis engine: the dropout model's full training dataset.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/foresight_bench \\
        .venv/bin/python bench/analysis.py                 # the generated bench site
    .venv/bin/python bench/analysis.py --interval quarters --store legacy

Builds the training dataset of the default dropout model (Moodle's 49 indicators
and Foresight's 4; `--indicators moodle` for Moodle's alone) with `deciles` over every course of the site, and prints JSON: log rows per second
end to end (rows in the log table / seconds of the whole build), seconds per phase,
peak memory of the process (max RSS), dataset shape and analysable counts.

Everything runs in a transaction that is rolled back: the benchmark leaves the
database as it found it (no model, no bookkeeping rows).

Measured on 2026-11-25 on the same two-core machine, idle (load average < 1),
default chunks of 250 courses: PostgreSQL 17.4 s, 576,000 log rows/s, peak 829 MB;
SQLite, `small` preset (400,000 rows): 1.4 s, 290,000 rows/s, peak 181 MB.

On 2026-11-25, on another two-core machine about twice as slow (generate_site took
152 s there against 62 s), idle: Moodle's 49 indicators 33.6-36.1 s (298,000-277,000
log rows/s, the aggregate queries 22-23 s), peak 832 MB; the default model's 53 (with
Foresight's 4) 37.2 s, 269,000 rows/s, peak 883 MB, 111 columns: Foresight's
indicators cost about 10% (their grade and activity queries 1.5 s, facts 0.9 s).

Earlier, on 2026-11-24, on the shared two-core machine while other sessions kept
its load average at 8-13 (so each process had a fraction of a core), 1,000
courses, 51,524 enrolments, 10,000,000 log rows, 416,102 rows x 104 columns:

- PostgreSQL, chunks of 400 (default): 81 s, 123,000 log rows/s, peak 1,034 MB
  (load average 8; the aggregate queries 56 s, numpy facts 13 s); 116 s at load
  average 12. Chunks of 500: 84 s, 119,000 rows/s,
  peak 1,250 MB. Chunks of 200: 122 s, peak 766 MB.
- SQLite, `generate_site --preset small` (60 courses, 400,000 rows): 6.7 s,
  59,500 rows/s, peak 148 MB; the legacy store 8.4 s, 47,800 rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", default="deciles")
    parser.add_argument("--target", default="course_dropout")
    parser.add_argument("--store", choices=["standard", "legacy"], default="standard")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--now", type=int, default=None, help="Unix time of the run")
    parser.add_argument(
        "--indicators",
        choices=["default", "moodle"],
        default="default",
        help="The default dropout model's indicators, or Moodle's (without "
        "Foresight's own).",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from logstore.readers import get_reader
    from models_app.analysis import dataset as dataset_module
    from models_app.defaults import DEFAULT_MODELS, FORESIGHT_DROPOUT_INDICATORS
    from models_app.models import AnalyticsModel
    from models_app.services.analysis import dataset_build

    indicators = [
        key
        for key in next(
            d for d in DEFAULT_MODELS if d.key == "course_dropout"
        ).indicators
        if args.indicators == "default" or key not in FORESIGHT_DROPOUT_INDICATORS
    ]
    reader = get_reader(args.store)
    log_rows = reader.total_rows()
    result: dict = {}
    try:
        with transaction.atomic():
            model = AnalyticsModel.objects.create(
                target=args.target,
                indicators=indicators,
                interval=args.interval,
            )
            started = time.perf_counter()
            dataset = dataset_build(
                model=model,
                mode="training",
                now=args.now,
                reader=reader,
                record=False,
                chunk_size=args.chunk_size or dataset_module.CHUNK_SIZE,
            )
            seconds = time.perf_counter() - started
            result = {
                "database": connection.vendor,
                "store": args.store,
                "interval": args.interval,
                "target": args.target,
                "indicators": len(indicators),
                "log_rows": log_rows,
                "seconds": round(seconds, 2),
                "log_rows_per_second": round(log_rows / seconds),
                "phases": {k: round(v, 2) for k, v in dataset.timings.items()},
                "peak_memory_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
                "rows": len(dataset),
                "columns": len(dataset.columns),
                "analysables": dataset.analysables_total,
                "analysables_valid": dataset.analysables_valid,
                "messages": len(dataset.messages),
                "positive_labels": int((dataset.labels == 1).sum())
                if dataset.labels is not None
                else None,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
            raise Rollback
    except Rollback:
        pass
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
