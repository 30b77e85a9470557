"""One chunk of analysables: samples, validity, ranges, indicators and labels.

`chunk_analyse` does the work of `dataset_build` for a few hundred analysables at a
time, from a fixed number of queries (see models_app.analysis.data).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from logstore.readers import LogReader
from models_app.analysis import bookkeeping, calculations
from models_app.analysis.data import AnalysisData, RangeSet, Rows, Samples
from models_app.analysis.samples import samples_load
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.base import Analysable, Interval, IntervalNotApplicable, Range
from models_app.plugins.indicators.kinds import php_round


def _describe(analysable: Analysable) -> str:
    return analysable.name or f"{analysable.kind} {analysable.id}"


def chunk_analyse(
    *,
    model: AnalyticsModel,
    mode: str,
    target: Any,
    interval: Interval,
    indicators: list[Any],
    helpers: list[Any],
    chunk: list[Analysable],
    reader: LogReader,
    now: int,
    record: bool,
    use_cache: bool,
    dataset: Any,
    fresh: bool = False,
) -> tuple | None:
    timings = dataset.timings
    tick = time.perf_counter()
    data = AnalysisData(
        reader=reader,
        analysables={a.id: a for a in chunk},
        samples=Samples.empty(""),
        now=now,
        mode=mode,
        timings=timings,
        eventnames=frozenset().union(
            *(getattr(i, "eventnames", ()) for i in [*indicators, *helpers])
        ),
    )
    data.samples = samples_load(kind=target.sample_kind, data=data)
    timings["samples"] = timings.get("samples", 0.0) + time.perf_counter() - tick

    tick = time.perf_counter()
    memo_before = _memo_time(timings)
    interval_key = dataset.interval
    first_analyses = (
        bookkeeping.first_analyses(model=model, analysable_ids=[a.id for a in chunk])
        if "after_now" in interval.kinds and not fresh
        else {}
    )
    # Ranges first (the interval's rules), so the chunk's one log query covers them;
    # then the target's rules, which may read that query's results.
    ranges_of: dict[int, list[Range]] = {}
    interval_reasons: dict[int, str] = {}
    for analysable in chunk:
        reason = interval.not_applicable_reason(analysable, now=now)
        if reason is None:
            try:
                ranges = interval.ranges(
                    analysable,
                    now=now,
                    first_analysis=first_analyses.get(analysable.id),
                )
            except IntervalNotApplicable as exc:
                reason = str(exc)
        if reason is not None:
            interval_reasons[analysable.id] = reason
            continue
        if mode == "prediction":
            latest = interval.prediction_range(ranges, now=now)
            ranges = [latest] if latest is not None else []
        else:
            ranges = interval.training_ranges(ranges, now=now)
        ranges_of[analysable.id] = ranges
    data.set_range_set(_range_set(ranges_of, target=target, samples=data.samples))
    for analysable in chunk:
        reason = target.analysable_invalid_reason(
            analysable=analysable, data=data, mode=mode, now=now
        ) or interval_reasons.get(analysable.id)
        if reason is None and not ranges_of.get(analysable.id):
            reason = _("no range is ready for %(mode)s yet.") % {"mode": mode}
        if reason is not None:
            ranges_of.pop(analysable.id, None)
            dataset.messages.append(
                _("%(analysable)s is not valid for this model: %(reason)s")
                % {"analysable": _describe(analysable), "reason": reason}
            )
    dataset.analysables_valid += len(ranges_of)
    if not ranges_of:
        return None

    samples = data.samples
    keep = np.isin(samples.analysable, list(ranges_of))
    samples = samples.take(np.flatnonzero(keep))
    data.samples = samples
    valid = target.samples_valid(data=data, mode=mode, now=now)
    samples = samples.take(np.flatnonzero(valid))
    data.samples = samples

    # Samples already used: trained ones never again (also not predicted, as in
    # Moodle), predicted (sample, range) pairs once.
    skip_trained: dict[int, set[int]] = {}
    skip_predicted: dict[tuple[int, int], set[int]] = {}
    if mode != "evaluation" and not fresh:
        if not target.based_on_assumptions:
            skip_trained = bookkeeping.trained_sample_ids(
                model=model, interval=interval_key, analysable_ids=list(ranges_of)
            )
        if mode == "prediction":
            skip_predicted = bookkeeping.predicted_sample_ids(
                model=model, interval=interval_key, analysable_ids=list(ranges_of)
            )
    if skip_trained:
        fresh = np.array(
            [
                sid not in skip_trained.get(aid, ())
                for sid, aid in zip(
                    samples.ids.tolist(), samples.analysable.tolist(), strict=True
                )
            ],
            dtype=bool,
        )
        samples = samples.take(np.flatnonzero(fresh))
        data.samples = samples

    # The rows: every sample in every range of its (valid) analysable.
    rs = data.range_set
    if target.analysable_kind == "course":
        lo = np.searchsorted(rs.analysable, samples.analysable, side="left")
        hi = np.searchsorted(rs.analysable, samples.analysable, side="right")
        counts = hi - lo
        row_sample = np.repeat(np.arange(len(samples)), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = Rows(row_sample, np.repeat(lo, counts) + within)
    else:
        # Site and user analysables: one range-set entry per (sample, range).
        order = np.argsort(rs.sample, kind="stable")
        sorted_sample = rs.sample[order]
        lo = np.searchsorted(sorted_sample, samples.ids, side="left")
        hi = np.searchsorted(sorted_sample, samples.ids, side="right")
        counts = hi - lo
        row_sample = np.repeat(np.arange(len(samples)), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = Rows(row_sample, order[np.repeat(lo, counts) + within])

    if skip_predicted:
        fresh = np.array(
            [
                sid not in skip_predicted.get((aid, ridx), ())
                for sid, aid, ridx in zip(
                    samples.ids[rows.sample].tolist(),
                    samples.analysable[rows.sample].tolist(),
                    rs.index[rows.pos].tolist(),
                    strict=True,
                )
            ],
            dtype=bool,
        )
        if not fresh.all():
            for aid in sorted(
                set(samples.analysable[rows.sample][~fresh].tolist())
                - set(samples.analysable[rows.sample][fresh].tolist())
            ):
                dataset.messages.append(
                    _("No new predictions yet for %(analysable)s.")
                    % {"analysable": _describe(data.analysables[aid])}
                )
        rows = rows.take(np.flatnonzero(fresh))
    data.set_rows(rs, rows)
    valid_rows = target.rows_valid(data=data, mode=mode)
    rows = rows.take(np.flatnonzero(valid_rows))
    data.set_rows(rs, rows)
    timings["validity"] = (
        timings.get("validity", 0.0)
        + time.perf_counter()
        - tick
        - (_memo_time(timings) - memo_before)
    )
    if len(rows) == 0:
        return None

    # Indicators (their queries and shared facts are timed as their own phases).
    tick = time.perf_counter()
    memo_before = _memo_time(timings)
    values: dict[str, np.ndarray] = {}
    for indicator in [*indicators, *helpers]:
        values[indicator.key] = np.asarray(indicator.calculate(data), dtype=float)
    if use_cache:
        _cache_apply(data=data, values=values, keys=[i.key for i in indicators])
    timings["indicators"] = (
        timings.get("indicators", 0.0)
        + time.perf_counter()
        - tick
        - (_memo_time(timings) - memo_before)
    )

    # Labels.
    tick = time.perf_counter()
    if mode != "prediction" or target.based_on_assumptions:
        labels = np.asarray(target.calculate(data=data, indicators=values), dtype=float)
    else:
        labels = np.full(len(rows), np.nan)
    timings["target"] = timings.get("target", 0.0) + time.perf_counter() - tick

    tick = time.perf_counter()
    columns = []
    for indicator in indicators:
        value = np.clip(values[indicator.key], -1, 1)
        columns.append(value)
        if indicator.kind == "linear" and len(indicator.columns()) > 1:
            columns.append(_means(value, rows.pos))
    matrix = np.column_stack(columns) if columns else np.zeros((len(rows), 0))
    indicator_only = np.column_stack([values[i.key] for i in indicators])
    keep = ~np.all(np.isnan(indicator_only), axis=1)
    if mode != "prediction":
        keep &= ~np.isnan(labels)
    extra: dict[str, Any] = {}
    if "activities_due" in values:
        due = registry.indicator_class("activities_due")().due_in_rows(data)
        for i in np.flatnonzero(keep).tolist():
            if due[i]:
                sid = int(samples.ids[rows.sample[i]])
                extra[f"{sid}-{int(rs.index[rows.pos[i]])}"] = due[i]
    index = np.flatnonzero(keep)
    rows = rows.take(index)
    matrix, labels = matrix[index], labels[index]

    if record and mode == "training":
        used: dict[int, list[int]] = {}
        for sid, aid in zip(
            samples.ids[rows.sample].tolist(),
            samples.analysable[rows.sample].tolist(),
            strict=True,
        ):
            used.setdefault(aid, [])
            if sid not in used[aid]:
                used[aid].append(sid)
        bookkeeping.train_samples_record(
            model=model, interval=interval_key, samples=used
        )
    elif record and mode == "prediction":
        predicted: dict[tuple[int, int], list[int]] = {}
        for sid, aid, ridx in zip(
            samples.ids[rows.sample].tolist(),
            samples.analysable[rows.sample].tolist(),
            rs.index[rows.pos].tolist(),
            strict=True,
        ):
            predicted.setdefault((aid, ridx), []).append(sid)
        bookkeeping.predict_samples_record(
            model=model, interval=interval_key, samples=predicted
        )
    timings["assemble"] = timings.get("assemble", 0.0) + time.perf_counter() - tick
    return matrix, labels, samples, rows, rs, extra


MEMO_PHASES = ("queries", "log_queries", "facts")


def _memo_time(timings: dict[str, float]) -> float:
    return sum(timings.get(p, 0.0) for p in MEMO_PHASES)


def _range_set(
    ranges_of: dict[int, list[Range]], *, target: Any, samples: Samples
) -> RangeSet:
    """The range set of a chunk, sorted by analysable then range index.

    Course analysables: one entry per (course, range). Site and user analysables:
    one entry per (sample, range), about the sample's course (none for users), so
    the log query sees each course's own ranges.
    """
    base = sorted(
        (aid, r.index, r.start, r.end, r.time)
        for aid, ranges in ranges_of.items()
        for r in ranges
    )
    matrix = np.array(base, dtype=np.int64).reshape(-1, 5)
    if target.analysable_kind == "course":
        return RangeSet(
            matrix[:, 0],
            matrix[:, 0],
            matrix[:, 1],
            matrix[:, 2],
            matrix[:, 3],
            matrix[:, 4],
            sample=np.zeros(len(matrix), dtype=np.int64),
        )
    lo = np.searchsorted(matrix[:, 0], samples.analysable, side="left")
    hi = np.searchsorted(matrix[:, 0], samples.analysable, side="right")
    counts = hi - lo
    which = np.repeat(np.arange(len(samples)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    picked = matrix[np.repeat(lo, counts) + within]
    return RangeSet(
        picked[:, 0],
        samples.course[which],
        picked[:, 1],
        picked[:, 2],
        picked[:, 3],
        picked[:, 4],
        sample=samples.ids[which],
    )


def _means(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Moodle's linear mean per (analysable, range): NaN counts 0 in the sum and 1 in
    the count; NaN when every value of the group is NaN; rounded to 2 decimals."""
    n_groups = int(group.max()) + 1 if len(group) else 0
    present = ~np.isnan(values)
    sums = np.bincount(group, weights=np.where(present, values, 0), minlength=n_groups)
    counts = np.bincount(group, minlength=n_groups)
    any_present = np.bincount(group, weights=present, minlength=n_groups) > 0
    means = np.where(any_present, php_round(sums / np.maximum(counts, 1), 2), np.nan)
    return means[group]


def _cache_apply(
    *, data: AnalysisData, values: dict[str, np.ndarray], keys: list[str]
) -> None:
    """Reuse cached values for these rows; store the ones not cached yet."""
    samples, rows, rs = data.samples, data.rows, data.range_set
    starts, ends = rs.start[rows.pos], rs.end[rows.pos]
    contexts = samples.context[rows.sample]
    sample_ids = samples.ids[rows.sample]
    cached = calculations.calculations_read(
        origin=samples.origin,
        starts=starts,
        ends=ends,
        contexts=contexts,
        sample_ids=sample_ids,
        indicators=keys,
    )
    missing = np.ones(len(rows), dtype=bool)
    absent = object()
    if cached:
        for key in keys:
            column = values[key]
            for i, (s, e, sid) in enumerate(
                zip(starts.tolist(), ends.tolist(), sample_ids.tolist(), strict=True)
            ):
                hit = cached.get((s, e, sid, key), absent)
                if hit is not absent:
                    column[i] = np.nan if hit is None else hit
                    missing[i] = False
    index = np.flatnonzero(missing)
    calculations.calculations_write(
        origin=samples.origin,
        starts=starts[index],
        ends=ends[index],
        contexts=contexts[index],
        sample_ids=sample_ids[index],
        values={key: values[key][index] for key in keys},
    )
