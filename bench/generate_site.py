"""Benchmark: generate the bench site (1,000 courses, 50,000 enrolments, 10M log rows).

Runs on the database of DATABASE_URL (migrated first) and prints JSON: seconds per
phase, total seconds, log rows per second and the database size. Use an empty
database of its own; the analysis benchmark reuses it afterwards:

    createdb -h 127.0.0.1 -U postgres foresight_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/foresight_bench \\
        .venv/bin/python bench/generate_site.py

Measured 2026-11-24 on PostgreSQL 15, 2 shared cores under load from other jobs:
10,000,000 log rows, 50,000 enrolments, 31,586 users, 13,044 activities in 220 s
(plan 3.5 s, site 42 s, log 175 s including 57 s of index building: 57,000 log
rows/s overall, about 85,000 rows/s while copying); database size 3.2 GiB.

2026-12-01, same machine at load average 3-6: 198 s (plan 4.2 s, site 35 s, log
106 s, then 53.5 s to build the activity rollup and ANALYZE: 7.6M rollup rows,
1.45 GB); database size 4.6 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _database_size() -> int:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        return sum(
            p.stat().st_size
            for p in (name, Path(f"{name}-wal"), Path(f"{name}-shm"))
            if p.exists()
        )
    return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logstore", default="standard")
    parser.add_argument("--now", default="2026-01-15T00:00:00+00:00")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from lms.generator import site_config_build, site_generate

    call_command("migrate", verbosity=0, interactive=False)
    config = site_config_build(
        preset=args.preset,
        seed=args.seed,
        now=dt.datetime.fromisoformat(args.now),
        logstore=args.logstore,
    )
    result = site_generate(
        config=config, progress=lambda message: print(message, file=sys.stderr)
    )
    figures = {
        "benchmark": "generate_site",
        "database": connection.vendor,
        "preset": args.preset,
        "logstore": args.logstore,
        "counts": result.counts,
        "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
        "total_seconds": round(result.total_seconds, 2),
        "log_rows_per_second": round(result.log_rows_per_second),
        "database_bytes": _database_size(),
    }
    figures["database_size"] = f"{figures['database_bytes'] / 2**30:.2f} GiB"
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
