"""Benchmark of the analysis engine: the dropout model's full training dataset.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/foresight_bench \\
        .venv/bin/python bench/analysis.py                 # the generated bench site
    .venv/bin/python bench/analysis.py --interval quarters --store legacy
    DATABASE_URL=... .venv/bin/python bench/analysis.py --nightly --now 1768435200

Builds the training dataset of the default dropout model (16 indicators since
2026-12-02: Moodle's 7 course-level ones and Foresight's 9; 15, without assessments
handed in on time, on 2026-12-01; `--indicators moodle` for Moodle's own 49,
`moodle+foresight` for those and Foresight's 9; the figures below dated before
2026-12-01 had Moodle's 49 and Foresight's first 4) with `deciles` over every course of the site, and prints JSON: log rows per second
end to end (rows in the log table / seconds of the whole build), seconds per phase,
this process's CPU seconds (per 10M log rows too; the database's are not in it),
peak memory of the process (max RSS), dataset shape and analysable counts.

The first run reads the raw log (`LogReader(rollup=False)`). In the same run, the
floor: PostgreSQL's (SQLite's) own GROUP BY bucket and user over the same rows and
thresholds (each chunk's buckets as the analysis asked for them), and the ratios
of the first run and of its aggregate queries to it. `--nightly` then adds the
last day's events again a day later (as a sync would, then the writers' hook that
refreshes the rollup and ANALYZEs) and times the next night's training and
prediction with the default reader (the rollup when it compresses the log enough;
`--rollup-always` forces it). Load averages before and after are in the output.

Everything runs in a transaction that is rolled back: the benchmark leaves the
database as it found it (no model, no bookkeeping rows, no new events).

`--nightly-only --record` times the nightly part alone, as on a real site:
tonight's training and prediction recorded first (trained samples, predicted
ranges), then the day of new events, then the next night's runs (`--profile F`
writes a cProfile of that prediction). Measured on 2026-12-01 (load average
2.1-4.4, other engineers' jobs), 60,409 new rows, `--now 1768435200`: the next
night's prediction (335 rows) took 13.2 s and 16.1 s before (11.1-14.1 s of it
the aggregate queries over every course of the chunks: 4 chunks with a new row
read the whole log of their 1,000 courses); 2.0 s with only the courses with
new rows analysed again (raw log, while datasets_fingerprint.py ran beside it),
0.44 s and 0.56 s with their queries on the rollup (logstore.rollups.FEW_COURSES;
log queries 0.06-0.07 s; tonight's prediction, 16,133 rows, 5.6-7.4 s against
12.0-24.3 s, as its chunks too read only the courses with rows). The next
night's training, with nothing new to train on, took 9-22 s: the target's
validity (students' events inside the course) read every finished course's log.
Since the courses whose samples all trained the model are left before that check
(Moodle's filter_out_train_samples, see chunk._trained_already): 0.41 s and
0.86 s (530 courses left, no log query), training and prediction 0.96 s and
1.95 s (`training_and_prediction_seconds`; load average 3.2-4.4, the slower run
beside datasets_fingerprint.py); tonight's runs 19.5-28.7 s and 10.6-13.8 s.

Since 2026-12-02 the first run runs outside a transaction, as the nightly task
does (the model is committed, then deleted), because each chunk's aggregate is then
split by course over FORESIGHT_ANALYSIS_DB_CONNECTIONS connections at once
(LogReader.aggregate_parts; one PostgreSQL query groups in one process, its workers
only scan). `floor.bucketed_scan_split_seconds` is the floor split the same way.
Measured on 2026-12-02 on a new two-core machine, idle (load average 0.6-0.9),
10M-row bench site, deciles: before the split 8.39 s and 8.15 s (1.19M-1.23M rows/s;
aggregate queries 6.7 and 6.6 s; floor 3.74 and 3.73 s: 2.24x and 2.19x); with it
4.98 s (2.01M rows/s), aggregate queries 3.44 s, floor 3.63 s (1.37x; the split
floor 2.06 s, 2.42x), CPU 1.65 s per 10M rows, peak 339 MB. Three or four
connections: 5.6-5.7 s. The datasets are identical, column by column (here and in
tests/logstore/test_split_aggregate.py). The next night (`--nightly-only --record
--now 1768435200`, 60,409 new rows): training 0.40 s and prediction 0.40 s.
SQLite, the same 10M-row site (generate_site 182 s), load average 0.8-1.1: before
the split 17.31 s (578,000 rows/s; aggregate queries 15.88 s; floor 3.44 s, 5.0x;
same-groups floor 10.30 s), with it (two SQLite connections read the file at
once) 12.87 s (777,000 rows/s; aggregate 11.32 s; floor 3.53 s, 3.65x;
same-groups floor 10.51 s, the aggregate 1.08x it), this process's
CPU 20.1 s (SQLite runs in it), peak 333 MB; next night 0.38 s + 0.39 s. On SQLite
the gap to the two-key floor is the six-key grouping itself (its sorter), as the
same-groups floor shows.

The 16th indicator (assessments handed in on time, 2026-12-02) reads the
assessment facts the others already load: the same PostgreSQL site, another
two-core machine (load average 1.4-1.5), alternating the commits before and after,
three runs each: first run 7.65, 6.36, 6.78 s after against 6.75, 5.87, 6.79 s
before, CPU 2.12-2.44 s against 1.84-2.17 s, the facts phase 0.52-0.56 s against
0.46-0.53 s, 33 columns against 31, peak 345-347 MB against 332-337 MB.

The floor has a second form, `same_groups_scan_seconds`: the same scan grouped
by every key of the aggregate query (bucket, user, context, education level, named
event) with COUNT(*) alone, the cost of the aggregate's 731,875 groups per chunk
(the floor's two keys make 79,367) before any of its sums. `log_pages_all_visible`
is the log table's share of all-visible pages: near 1 (after VACUUM) the floor is
an index-only scan of the (course, time, user) index, near 0 (never vacuumed: the
bench server runs with autovacuum off) it reads the heap as the aggregate does.
The same-groups floor groups by the context instance as the aggregate did: every
activity's with `activity_detail` (some indicator reads per-activity counts, the
mod_* ones), else only named events' modules and the course context
(LogReader.aggregate); `aggregate_groups` is the groups the queries returned.

Measured on 2026-12-01 for issue 18.2's instances (the default model's 15
indicators read no per-activity counts, so its aggregate keeps no instance of an
activity's ordinary events; every dataset hash of datasets_fingerprint.py, both
sites, with the default and with `--dropout-indicators moodle+foresight`,
unchanged; load average 0.6-2.0, interleaved runs): first run 12.5-13.6 s
(734,000-801,000 rows/s) against 15.6-20.8 s before, aggregate queries 9.9-10.9
s against 12.2-16.7 s, floor 5.2-6.5 s (aggregate 1.5-2.1x it, 2.1-2.5x
before), same-groups floor 6.6-8.3 s (7.8-9.9 s before, every activity's
groups), 625,655 groups over the 4 chunks (156,000 a chunk; 2,823,591 with every
activity's, the floor's bucket and user 79,000 a chunk), this process's CPU
2.9-3.2 s per 10M rows (5.0-5.5 s: fewer groups to sum into ranges), peak
370-371 MB (452-459 MB). `--indicators moodle+foresight` (57, the detailed
path) unchanged: 24.0-25.5 s against 24.4-28.9 s, aggregate queries 16.1-16.8 s
against 16.1-20.5 s, 10.4-11.2 s CPU per 10M rows, peak 894-895 MB.

Measured on 2026-12-01 for issue 18.2's SQL side (load average 2.9-4.2 from other
engineers' jobs; floors now with JIT off, as the aggregate runs): first run
25.4-27.1 s (369,000-394,000 rows/s), aggregate queries 20.3-21.9 s, floor
6.7-11.4 s (1.9-3.0x), same-groups floor 8.8-12.2 s (1.8-2.3x), all-visible 0.0;
on a vacuumed copy (all-visible 1.0) 26.6 s, floor 7.4 s (3.6x), same groups
20.2 s (1.3x). Timed alone by binary COPY, two interleaved rounds, load 3.7-4.2:
the four chunks' aggregate queries 17.4 s (fastest of each), same groups 15.5 s,
floor 8.3 s: the sums and the event-name CASE cost 12-24% over the groups alone,
and the rest of the gap to the floor is the aggregate's 9x more groups, which no
rewrite of its expressions removes. Tried on a copy of the bench database, none
worth its cost: an `eventcode` smallint generated column (STORED; adding it
rewrote the 10M-row table in 99 s) compared instead of the ~18 event names, 0-5%
less backend CPU (texteq is about 3% of the query's profile: unequal lengths fail
fast); COUNT(*) FILTER instead of SUM(CASE), no gain; the courses of a chunk by
bitmap index scan instead of the parallel seq scan (max_parallel_workers_per_gather
= 0), 5% slower; a partial aggregate in the workers, never planned: the group
estimate equals the rows estimate (the bucket expression has no statistics), so
partial groups look like no saving, and PostgreSQL 15 puts no Parallel Append over
aggregated UNION ALL branches; one width_bucket over a global array instead of the
VALUES join, 15% slower; a covering index (course, time, user) INCLUDE (context,
education level, crud, anonymous, event code), 644 MB, index-only, 20% faster
than the parallel scan, not worth the index on every log write; sort-based grouping
(enable_hashagg off), parallel_leader_participation off, and the per-row inputs
projected in the workers (an OFFSET 0 subquery, so the leader's aggregate sums plain
columns: its share fell from 3.8 s to 1.7 s of a chunk) all within noise on two
cores, where the scan and the aggregate share the same CPU. The legacy store (the
same 10M events copied in, vacuumed) took 4.6-5.8 s a chunk against the standard
store's 4.2-4.9 s (load 1.9-2.5): its crud LIKEs and mapped event names cost less
than a third more, evaluated by the leader.

Measured on 2026-12-01 after issue 18.2's Python side (load average 3.7-3.9): first
run 15.4 s (649,000 rows/s), aggregate queries 12.1 s, floor 4.7-5.0 s (3.1-3.3x),
this process's CPU 4.1 s per 10M rows (6.3-7.5 s before: psycopg's per-row COPY
wait, the range regrouping's six-key sort, datetime objects), peak 648 MB; the same
run before it 19.1-22.6 s (443,000-523,000 rows/s, 4.8-6.6x the floor), 612-619 MB.

Measured on 2026-12-01 on the shared two-core machine (load average 3.2-3.6 from
other engineers' jobs), bench site (10M rows; its rollup has 7.6M rows, 1.3 events
per row, so the reader keeps to the raw log): first run 24.3-27.7 s
(361,000-412,000 rows/s), aggregate queries 15.7-17.9 s, floor 4.7-5.2 s (first run
4.7-5.9x the floor, aggregate queries 3.0-3.8x); nightly after 60,409 new rows:
hook 5.1-7.3 s, training 18.5-20.6 s, prediction 40.0 s with the indicator cache
written as model objects (27 s of it), 19.1 s with rows by COPY (5.4 s), peak
886-917 MB; third run at load 1.9-3.6: first run 21.9 s, floor 5.2 s (4.2x). With the rollup forced
the nightly training took 30.3 s: on this site the rollup is slower than the log.

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


class Done(Exception):
    """The nightly part alone is done: report, then roll back."""


def _build(dataset_build, model, mode, now, reader, chunk_size, record=False):
    from models_app.analysis import dataset as dataset_module

    started = time.perf_counter()
    dataset = dataset_build(
        model=model,
        mode=mode,
        now=now,
        reader=reader,
        record=record,
        chunk_size=chunk_size or dataset_module.CHUNK_SIZE,
    )
    return time.perf_counter() - started, dataset


def _record_aggregates(reader) -> dict:
    """Wrap reader.aggregate to keep each chunk's buckets, event names and
    activity detail, the queries' time and their groups."""
    recorded: dict = {"buckets": [], "seconds": 0.0, "groups": 0}
    original = reader.aggregate

    def aggregate(*, buckets, eventnames=(), activity_detail=True):
        started = time.perf_counter()
        groups = None
        try:
            groups = original(
                buckets=buckets,
                eventnames=eventnames,
                activity_detail=activity_detail,
            )
            return groups
        finally:
            recorded["seconds"] += time.perf_counter() - started
            recorded["groups"] += 0 if groups is None else len(groups)
            recorded["buckets"].append((buckets, tuple(eventnames), activity_detail))

    reader.aggregate = aggregate
    return recorded


def _floor(reader, recorded, *, same_groups: bool = False, parts: int = 1) -> float:
    """PostgreSQL's (or SQLite's) own cost of reading the same rows bucketed by the
    same thresholds: per chunk, one GROUP BY bucket, user and count, nothing else.

    `same_groups`: GROUP BY every key of the aggregate query (bucket, user,
    context, education level, named event; the context instance as the query
    had it, with or without activity detail), still with COUNT(*) alone: what
    the database needs for the aggregate's groups before any of its sums.
    `parts` (PostgreSQL): each chunk's scan split by course over that many
    connections at once, as LogReader.aggregate_parts splits the aggregate."""
    from django.db import connection

    from logstore.readers import _values, _values_arrays
    from logstore.readers.concurrent import ints_concurrently
    from logstore.readers.sql import _event_code, _part, instance_key

    c = reader.col
    t = f"l.{c['timecreated']}"
    seconds = 0.0
    for buckets, eventnames, activity_detail in recorded:
        if not buckets.course_ids:
            continue
        keys, group = f"l.{c['userid']}", "1, 2"
        if same_groups:
            event = _event_code(c["eventname"], list(eventnames))
            instance = instance_key(
                level=c["contextlevel"],
                instance=c["contextinstanceid"],
                course=f"l.{c['courseid']}",
                event=event,
                activity_detail=activity_detail,
            )
            keys += (
                f", {c['contextlevel']}, {instance}, "
                f"{c['edulevel']}, CASE WHEN {c['contextlevel']} = 70 "
                f"THEN {event} ELSE 0 END"
            )
            group = "1, 2, 3, 4, 5, 6"
        if connection.vendor == "postgresql":
            sqls = []
            for k in range(parts):
                ids = _part(buckets.course_ids, (k, parts))
                if not ids:
                    continue
                courses = ", ".join(str(int(x)) for x in ids)
                arrays = _values_arrays(buckets, (k, parts))
                sqls.append(f"""
                    SELECT COUNT(*) FROM (
                        SELECT b.base + width_bucket({t}, b.th), {keys}, COUNT(*)
                        FROM {reader.table} l
                        JOIN (VALUES {arrays}) AS b(courseid, base, th)
                          ON l.{c["courseid"]} = b.courseid
                        WHERE l.{c["courseid"]} IN ({courses})
                        GROUP BY {group}
                    ) s
                """)  # noqa: S608 - our own SQL
        else:
            course, lo, hi = buckets.bounds()
            rows = _values(zip(course, range(len(course)), lo, hi, strict=True))
            sqls = [
                f"""
                SELECT COUNT(*) FROM (
                    WITH b(courseid, bucket, lo, hi) AS (VALUES {rows})
                    SELECT b.bucket, {keys}, COUNT(*)
                    FROM b CROSS JOIN {reader.table} l
                    WHERE l.{c["courseid"]} = b.courseid AND {t} >= b.lo
                      AND {t} < b.hi
                    GROUP BY {group}
                ) s
            """  # noqa: S608 - our own SQL
            ]
        started = time.perf_counter()
        # As the aggregate is read: work_mem and JIT as there, one connection
        # per part at once.
        ints_concurrently(sqls, 1, reader._fetch_ints)
        seconds += time.perf_counter() - started
    return seconds


def _all_visible(reader) -> float | None:
    """PostgreSQL: the share of the log table's pages marked all-visible (set by
    VACUUM). Near 1 the floor reads only the (course, time, user) index (an
    index-only scan); near 0 (a table never vacuumed, e.g. autovacuum off) it
    reads the heap too, and takes 2-3x longer."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relallvisible, relpages FROM pg_class WHERE relname = %s",
            [reader.table],
        )
        visible, pages = cursor.fetchone()
    return round(visible / pages, 3) if pages else None


def _nightly(args, model, dataset_build) -> dict:
    """One more day: the last day's events again a day later (inserted as the
    sync would, then the writers' hook), and the next night's runs.

    With `--record`, tonight's training and prediction run first with Moodle's
    bookkeeping (trained samples, predicted ranges, analysed analysables), so the
    next night's runs do only new work, as on a real site."""
    from django.db import connection

    from logstore.models import LegacyLogEntry, StandardLogEntry
    from logstore.readers import get_reader
    from logstore.rollups import FEW_COURSES
    from logstore.services.rollup import bulk_write_finished

    model_class = {"standard": StandardLogEntry, "legacy": LegacyLogEntry}[args.store]
    reader = get_reader(args.store)
    c = reader.col
    now = args.now or int(time.time())
    out: dict = {}
    if args.record:
        for mode in ("training", "prediction"):
            seconds, dataset = _build(
                dataset_build, model, mode, now, reader, args.chunk_size, True
            )
            out[f"tonight_{mode}"] = {
                "seconds": round(seconds, 2),
                "rows": len(dataset),
            }
    columns = [f.column for f in model_class._meta.concrete_fields if not f.primary_key]
    shifted = [
        f"{name} + 86400" if name == c["timecreated"] else name for name in columns
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        sql = (
            f"INSERT INTO {reader.table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(shifted)} FROM {reader.table} "
            f"WHERE {c['timecreated']} > {now - 86400} "
            f"AND {c['timecreated']} <= {now}"
        )
        cursor.execute(sql)
        added = cursor.rowcount
    insert = time.perf_counter() - started
    started = time.perf_counter()
    bulk_write_finished(models_=[model_class])
    hook = time.perf_counter() - started
    out |= {
        "new_log_rows": added,
        "insert_seconds": round(insert, 2),
        "rollup_and_analyze_seconds": round(hook, 2),
        "rollup_used": reader._rollup_usable(),
        # A nightly prediction's narrowed queries (a few courses each).
        "rollup_used_for_few_courses": reader._rollup_usable(FEW_COURSES),
    }
    for mode in ("training", "prediction"):
        profile = None
        if args.profile and mode == "prediction":
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        seconds, dataset = _build(
            dataset_build,
            model,
            mode,
            now + 86400,
            reader,
            args.chunk_size,
            args.record,
        )
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
        out[mode] = {
            "seconds": round(seconds, 2),
            "rows": len(dataset),
            "analysables_valid": dataset.analysables_valid,
            # Training: the courses left as all their samples trained the model.
            "analysables_without_new_samples": sum(
                m.startswith("No new samples to train on") for m in dataset.messages
            ),
            "phases": {k: round(v, 2) for k, v in dataset.timings.items()},
        }
    out["training_and_prediction_seconds"] = round(
        out["training"]["seconds"] + out["prediction"]["seconds"], 2
    )
    return out


def _first_run(args, model, raw, dataset_build, n_indicators: int) -> dict:
    """The first run from the raw log, and the floors measured right after it."""
    from django.conf import settings
    from django.db import connection

    log_rows = raw.total_rows()
    recorded = _record_aggregates(raw)
    cpu = time.process_time()
    seconds, dataset = _build(
        dataset_build, model, "training", args.now, raw, args.chunk_size
    )
    cpu = time.process_time() - cpu
    parts = max(
        (raw.aggregate_parts(b) for b, _e, _d in recorded["buckets"]), default=1
    )
    result = {
        "store": args.store,
        "interval": args.interval,
        "target": args.target,
        "indicators": n_indicators,
        "first_run_raw": {
            "seconds": round(seconds, 2),
            "log_rows_per_second": round(log_rows / seconds),
            "aggregate_query_seconds": round(recorded["seconds"], 2),
            # Connections each chunk's aggregate ran on at once (aggregate_parts;
            # FORESIGHT_ANALYSIS_DB_CONNECTIONS).
            "aggregate_connections": parts,
            "analysis_db_connections_setting": settings.FORESIGHT_ANALYSIS_DB_CONNECTIONS,
            # Groups the aggregate queries returned, and whether they kept every
            # activity's (LogReader.aggregate).
            "aggregate_groups": recorded["groups"],
            "activity_detail": sorted(
                {detail for _b, _e, detail in recorded["buckets"]}
            ),
            # This process's CPU (Python and numpy; not the database's).
            "python_cpu_seconds": round(cpu, 2),
            "python_cpu_seconds_per_10m_rows": round(
                cpu * 10_000_000 / max(log_rows, 1), 2
            ),
            "phases": {k: round(v, 2) for k, v in dataset.timings.items()},
        },
        "rows": len(dataset),
        "columns": len(dataset.columns),
        "analysables": dataset.analysables_total,
        "analysables_valid": dataset.analysables_valid,
        "messages": len(dataset.messages),
        "positive_labels": int((dataset.labels == 1).sum())
        if dataset.labels is not None
        else None,
    }
    floor = _floor(raw, recorded["buckets"])
    same = _floor(raw, recorded["buckets"], same_groups=True)
    result["floor"] = {
        # PostgreSQL's own plan of one bucketed scan per chunk (its parallel
        # workers scan, one process groups): the floor.
        "bucketed_scan_seconds": round(floor, 2),
        "first_run_over_floor": round(seconds / floor, 2),
        "aggregate_queries_over_floor": round(recorded["seconds"] / floor, 2),
        "same_groups_scan_seconds": round(same, 2),
        "aggregate_queries_over_same_groups": round(recorded["seconds"] / same, 2),
        "log_pages_all_visible": _all_visible(raw),
    }
    if parts > 1 and connection.vendor == "postgresql":
        # The same floor split over as many connections as the aggregate was:
        # what the split itself gains on a plain scan (PostgreSQL's form).
        split = _floor(raw, recorded["buckets"], parts=parts)
        result["floor"].update(
            {
                "bucketed_scan_split_seconds": round(split, 2),
                "first_run_over_split_floor": round(seconds / split, 2),
                "aggregate_queries_over_split_floor": round(
                    recorded["seconds"] / split, 2
                ),
            }
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", default="deciles")
    parser.add_argument("--target", default="course_dropout")
    parser.add_argument("--store", choices=["standard", "legacy"], default="standard")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--now", type=int, default=None, help="Unix time of the run")
    parser.add_argument(
        "--indicators",
        choices=["default", "moodle", "moodle+foresight"],
        default="default",
        help="The default dropout model's indicators (15 since 2026-12-01); "
        "Moodle's own dropout model's 49; or those 49 and Foresight's 8 (the "
        "heaviest, nearest to the default model of the figures before "
        "2026-12-01, which had Moodle's 49 and Foresight's first 4).",
    )
    parser.add_argument(
        "--nightly",
        action="store_true",
        help="Then add one day of events and time the next night's runs, which "
        "read the rollup.",
    )
    parser.add_argument(
        "--nightly-only",
        action="store_true",
        help="Only the nightly part (implies --nightly): no first run, no floor.",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="Nightly runs keep Moodle's bookkeeping: tonight's training and "
        "prediction are recorded first, so the next night's do only new work.",
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="Write a cProfile of the next night's prediction to this file.",
    )
    parser.add_argument(
        "--rollup-always",
        action="store_true",
        help="Read the rollup in the nightly runs however little it compresses "
        "the log (logstore.rollups.MIN_COMPRESSION = 0).",
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    import logstore.rollups
    from logstore.readers import get_reader
    from models_app.defaults import (
        DEFAULT_MODELS,
        FORESIGHT_DROPOUT_INDICATORS,
        MOODLE_DROPOUT_INDICATORS,
    )
    from models_app.models import AnalyticsModel
    from models_app.services.analysis import dataset_build

    indicators = {
        "default": list(
            next(d for d in DEFAULT_MODELS if d.key == "course_dropout").indicators
        ),
        "moodle": list(MOODLE_DROPOUT_INDICATORS),
        "moodle+foresight": [
            *MOODLE_DROPOUT_INDICATORS,
            *FORESIGHT_DROPOUT_INDICATORS,
        ],
    }[args.indicators]
    if args.rollup_always:
        logstore.rollups.MIN_COMPRESSION = 0.0
    raw = get_reader(args.store, rollup=False)
    log_rows = raw.total_rows()
    result: dict = {"load_average_before": os.getloadavg()}
    # The model is committed: the first run runs as the nightly task does, outside
    # a transaction (LogReader.aggregate_parts splits the aggregate only there),
    # and is deleted at the end. The nightly part runs in a transaction that is
    # rolled back.
    model = AnalyticsModel.objects.create(
        target=args.target,
        indicators=indicators,
        interval=args.interval,
    )
    try:
        result["database"] = connection.vendor
        result["log_rows"] = log_rows
        if not args.nightly_only:
            result.update(_first_run(args, model, raw, dataset_build, len(indicators)))
        if args.nightly or args.nightly_only:
            try:
                with transaction.atomic():
                    result["nightly"] = _nightly(args, model, dataset_build)
                    raise Done  # rolls the day of events and the runs back
            except Done:
                pass
    finally:
        model.delete()
    result["load_average_after"] = os.getloadavg()
    result["peak_memory_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    result["python"] = platform.python_version()
    result["cpus"] = os.cpu_count()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
