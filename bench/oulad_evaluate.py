"""Benchmark: import the OULAD pair, then evaluate the dropout model end to end.

    .venv/bin/python bench/oulad_evaluate.py                       # PostgreSQL
    .venv/bin/python bench/oulad_evaluate.py --database-url sqlite:////tmp/o.sqlite3
    .venv/bin/python bench/oulad_evaluate.py --repeat 3 --interval quarters

Issue 18's measure of a whole small evaluation, as an admin runs it: a fresh
database (PostgreSQL: the URL's database is dropped and created again; SQLite: the file
is removed first; only a database whose name starts with foresight_oulad, unless
`--drop-any-database`), `migrate`, `import_oulad` of each `--data`
directory (default ../shared/data/oulad and ../shared/data/oulad-bbb-2013b: AAA
2013J and BBB 2013B, 2.0M log rows), then `manage.py evaluate_model` of the
default dropout model with `--analysisinterval` (quarters), each in its own
process, right after the import, timed from the shell's side: the evaluation's
seconds include the command's start. `--repeat N` runs the evaluation N times
(`--reuse-prev-analysed false`, so each one analyses again). `--reuse-database`
skips the drop, migrate and imports and evaluates the database as an earlier run
left it (to compare changes of the evaluation itself). Prints JSON: seconds
of each step, the evaluation's score, the load average before and after each
evaluation, and its CPU seconds (less sensitive to a busy machine). The database
is left for inspection.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
DEFAULT_DATA = [DATA / "oulad", DATA / "oulad-bbb-2013b"]
PYTHON = sys.executable


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _manage(env: dict[str, str], *args: str) -> tuple[float, str, float]:
    """(wall seconds, stdout, CPU seconds of the command's process)."""
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout, cpu


def _fresh_database(url: str, *, any_name: bool) -> None:
    """Drop and create the database of `url` (remove the SQLite file). Only a
    database named foresight_oulad... unless `any_name`: a mistyped URL must not
    empty someone's site."""
    import environ

    config = environ.Env.db_url_config(url)
    name = str(config["NAME"])
    if not any_name and not Path(name).name.startswith("foresight_oulad"):
        sys.exit(
            f"Refusing to drop {name!r}: the benchmark starts from an empty "
            "database and drops it first. Use a name starting with foresight_oulad, "
            "or --drop-any-database."
        )
    if "sqlite" in config["ENGINE"]:
        Path(name).unlink(missing_ok=True)
        return
    server = ["-h", str(config.get("HOST") or "127.0.0.1")]
    server += ["-p", str(config.get("PORT") or 5432)]
    server += ["-U", str(config.get("USER") or "postgres"), "-d", "postgres"]
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(
            ["psql", *server, "-qc", sql],
            check=True,
            capture_output=True,
            env={**os.environ, "PGPASSWORD": str(config.get("PASSWORD") or "")},
        )


def _dropout_model_id(env: dict[str, str]) -> int:
    code = (
        "import django; django.setup();"
        "from models_app.models import AnalyticsModel;"
        "print(AnalyticsModel.objects.get(target='course_dropout').pk)"
    )
    done = subprocess.run(
        [PYTHON, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/foresight_oulad_evaluate",
    )
    parser.add_argument("--data", action="append", type=Path)
    parser.add_argument("--interval", default="quarters")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--drop-any-database",
        action="store_true",
        help="Drop the URL's database even if its name does not start with "
        "foresight_oulad.",
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="Evaluate the database an earlier run imported: no drop, migrate or "
        "import.",
    )
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out: dict = {"database": args.database_url.split("://")[0]}
    if not args.reuse_database:
        _fresh_database(args.database_url, any_name=args.drop_any_database)
        out["migrate_seconds"] = round(_manage(env, "migrate", "-v0")[0], 2)
        imports = []
        for directory in args.data or DEFAULT_DATA:
            seconds, _, _ = _manage(env, "import_oulad", str(directory), "-v0")
            imports.append({"data": directory.name, "seconds": round(seconds, 2)})
        out["imports"] = imports
    model = _dropout_model_id(env)
    runs = []
    for _ in range(args.repeat):
        before = _load()
        seconds, stdout, cpu = _manage(
            env,
            "evaluate_model",
            "--modelid",
            str(model),
            "--analysisinterval",
            args.interval,
            "--non-interactive",
            "--reuse-prev-analysed",
            "false",
            "--json",
        )
        results = json.loads(stdout)
        runs.append(
            {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "load_average_before": before,
                "load_average_after": _load(),
                "results": results,
            }
        )
    out["evaluations"] = runs
    out["check_seconds"] = round(_manage(env, "check")[0], 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
