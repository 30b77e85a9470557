"""Fingerprints of every dataset: proof that a refactoring changed no dataset byte.

    createdb -h 127.0.0.1 -U postgres foresight_fp_site
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/foresight_fp_site \\
        .venv/bin/python bench/datasets_fingerprint.py --site generated --prepare
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/foresight_fp_oulad \\
        .venv/bin/python bench/datasets_fingerprint.py --site oulad --prepare

`--prepare` fills an empty database first: `generated` is `generate_site --preset
small --logstore both` at a fixed time and seed; `oulad` imports OULAD AAA 2013J
(../shared/data/oulad) and copies its log into the legacy store (module and action
taken from the event name), then rebuilds the rollups. Without `--prepare` the
database is used as it is.

For every registered target (with its default model's indicators, or the dropout
model's when it has no default model; `--dropout-indicators moodle+foresight` gives
the dropout model Moodle's 49 and Foresight's own instead, the mod_* indicators being
the only readers of per-activity counts), every registered interval, both log stores
and both readers (the raw log, and the rollup forced usable), it builds the
evaluation dataset and a fresh prediction dataset, and prints JSON: one sha256 per
dataset over everything the dataset holds except timings (matrix bytes and dtype,
ids, labels, ranges, messages, refusal, extra) and a sha256 of them all. Then, per
target with its default interval (quarters when it has none), the bookkeeping
sequence of a real site, each step recorded: training, prediction, prediction
again (cached calculations, no new predictions). Everything runs in a transaction
that is rolled back. Run it before and after a change: every hash must be equal.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OULAD = ROOT.parent / "shared" / "data" / "oulad"

#: (evaluation time, prediction time) per site, fixed so runs are comparable.
NOWS = {
    "generated": (1780272000, 1780272000),  # 2026-06-01, the generator's "now"
    "oulad": (1404172800, 1393632000),  # 2014-07-01 (after AAA 2013J), 2014-03-01
}
GENERATED_NOW = "2026-06-01"
STORES = ("standard", "legacy")


class Rollback(Exception):
    pass


def _prepare(site: str) -> None:
    from django.core.management import call_command
    from django.db import connection

    from lms.models import Course

    call_command("migrate", verbosity=0, interactive=False)
    if Course.objects.exists():
        return
    if site == "generated":
        call_command(
            "generate_site",
            "--preset=small",
            "--logstore=both",
            f"--now={GENERATED_NOW}",
            "--seed=1",
            verbosity=0,
            stdout=io.StringIO(),
        )
        return
    call_command("import_oulad", str(OULAD), verbosity=0, stdout=io.StringIO())
    # The legacy log of the same events: '\mod_page\event\course_module_viewed' is
    # module 'page', action 'view'; '\core\event\course_viewed' module 'course'.
    module = (
        "CASE WHEN eventname LIKE '\\mod\\_%' THEN "
        "split_part(split_part(eventname, '\\', 2), '_', 2) ELSE 'course' END"
        if connection.vendor == "postgresql"
        else "CASE WHEN eventname LIKE '\\mod\\_%' ESCAPE '!' THEN "
        "substr(eventname, 6, instr(substr(eventname, 6), '\\') - 1) ELSE 'course' END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO logstore_legacy_log (time, userid, course, module, cmid, "  # noqa: S608
            "action, ip, url, info) "
            f"SELECT timecreated, userid, courseid, {module}, "
            "CASE WHEN contextlevel = 70 THEN contextinstanceid ELSE 0 END, "
            "'view', '', '', '' FROM logstore_standard_log ORDER BY id"
        )
    call_command("rollup_log", "--rebuild", verbosity=0, stdout=io.StringIO())


def _digest(dataset) -> str:
    h = hashlib.sha256()
    for name in (
        "X",
        "sample_ids",
        "range_indexes",
        "labels",
        "analysable_ids",
        "context_ids",
        "range_starts",
        "range_ends",
    ):
        value = getattr(dataset, name)
        if value is None:
            h.update(f"{name}:None;".encode())
            continue
        value = np.ascontiguousarray(value)
        h.update(f"{name}:{value.dtype.str}:{value.shape};".encode())
        h.update(value.tobytes())
    meta = {
        "columns": dataset.columns,
        "sample_origin": dataset.sample_origin,
        "classes": list(dataset.classes),
        "messages": dataset.messages,
        "refused": dataset.refused,
        "counts": [
            dataset.analysables_total,
            dataset.analysables_analysed,
            dataset.analysables_valid,
        ],
        "timed_out": dataset.timed_out,
        "extra": dataset.extra,
    }
    h.update(json.dumps(meta, sort_keys=True, default=str).encode())
    return h.hexdigest()


#: `--dropout-indicators`: the dropout model's indicators in place of its default.
DROPOUT_SETS = ("default", "moodle+foresight")
_dropout_set = "default"


def _indicators(target: str) -> list[str]:
    from models_app.defaults import (
        DEFAULT_MODELS,
        FORESIGHT_DROPOUT_INDICATORS,
        MOODLE_DROPOUT_INDICATORS,
    )

    by_target = {d.target: d for d in DEFAULT_MODELS}
    default = by_target.get(target) or by_target["course_dropout"]
    if default.target == "course_dropout" and _dropout_set == "moodle+foresight":
        return [*MOODLE_DROPOUT_INDICATORS, *FORESIGHT_DROPOUT_INDICATORS]
    return list(default.indicators)


def _default_interval(target: str) -> str:
    from models_app.defaults import DEFAULT_MODELS

    for d in DEFAULT_MODELS:
        if d.target == target and d.interval:
            return d.interval
    return "quarters"


def run(site: str) -> dict:
    from django.db import connection, transaction

    import logstore.rollups
    from logstore.readers import get_reader
    from models_app.models import AnalyticsModel
    from models_app.plugins import registry
    from models_app.services.analysis import dataset_build

    evaluation_now, prediction_now = NOWS[site]
    hashes: dict[str, str] = {}
    rows: dict[str, int] = {}
    started = time.perf_counter()
    saved = logstore.rollups.MIN_COMPRESSION
    try:
        with transaction.atomic():
            for target in sorted(registry.TARGETS):
                model = AnalyticsModel.objects.create(
                    target=target, indicators=_indicators(target), interval=""
                )
                for store in STORES:
                    for reading in ("raw", "rollup"):
                        logstore.rollups.MIN_COMPRESSION = 0.0
                        reader = get_reader(store, rollup=reading == "rollup")
                        for interval in sorted(registry.INTERVALS):
                            for mode, now in (
                                ("evaluation", evaluation_now),
                                ("prediction", prediction_now),
                            ):
                                dataset = dataset_build(
                                    model=model,
                                    mode=mode,
                                    interval=interval,
                                    now=now,
                                    reader=reader,
                                    fresh=True,
                                )
                                key = f"{target}/{interval}/{store}/{reading}/{mode}"
                                hashes[key] = _digest(dataset)
                                rows[key] = len(dataset)
                logstore.rollups.MIN_COMPRESSION = saved
                interval = _default_interval(target)
                for store in STORES:
                    sequence = AnalyticsModel.objects.create(
                        target=target, indicators=_indicators(target), interval=interval
                    )
                    reader = get_reader(store)
                    for step, (mode, now) in enumerate(
                        (
                            ("training", evaluation_now),
                            ("prediction", prediction_now),
                            ("prediction", prediction_now),
                        )
                    ):
                        dataset = dataset_build(
                            model=sequence, mode=mode, now=now, reader=reader
                        )
                        key = f"{target}/{interval}/{store}/sequence{step}-{mode}"
                        hashes[key] = _digest(dataset)
                        rows[key] = len(dataset)
            raise Rollback
    except Rollback:
        pass
    finally:
        logstore.rollups.MIN_COMPRESSION = saved
    overall = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
    return {
        "site": site,
        "database": connection.vendor,
        "dropout_indicators": _dropout_set,
        "datasets": len(hashes),
        "non_empty": sum(1 for n in rows.values() if n),
        "rows": sum(rows.values()),
        "seconds": round(time.perf_counter() - started, 1),
        "all": overall,
        "hashes": hashes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", choices=sorted(NOWS), required=True)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument(
        "--dropout-indicators",
        choices=DROPOUT_SETS,
        default="default",
        help="the dropout model's indicators (and of the targets without a default "
        "model): its default, or Moodle's 49 with Foresight's own (the mod_* "
        "indicators, the only ones reading per-activity counts)",
    )
    args = parser.parse_args()
    global _dropout_set
    _dropout_set = args.dropout_indicators
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if args.prepare:
        _prepare(args.site)
    print(json.dumps(run(args.site), indent=2))


if __name__ == "__main__":
    main()
