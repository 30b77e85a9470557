"""Datasets: a model's target, indicators and interval applied to the site's data.

`dataset_build` walks the target's analysables least recently analysed first, in
chunks (CHUNK_SIZE analysables). Per chunk it loads the samples, checks analysables
and samples, cuts ranges, and computes every indicator and the labels from a fixed
number of queries (see models_app.analysis.data), so the query count grows with the
number of chunks, never with the number of samples. Outside evaluation it records
the analysed analysables, and, when `record` is true (Moodle's behaviour), the
samples used for training and the (sample, range) pairs predicted, so the next run
does only new work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from logstore.readers import LogReader, get_reader
from models_app.analysis import bookkeeping, calculations
from models_app.analysis.analysables import analysables_list, analysables_ordered
from models_app.analysis.data import AnalysisData, RangeSet, Rows, Samples
from models_app.analysis.samples import samples_load
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.base import Analysable, Interval, IntervalNotApplicable, Range
from models_app.plugins.indicators.kinds import php_round

CHUNK_SIZE = 200
MODES = ("training", "prediction", "evaluation")


@dataclass
class Dataset:
    """A float matrix with one row per (sample, range), and what identifies the rows.

    `columns` name the columns of `X`: "range/<i>" one-hot columns first when the
    interval adds them, then each indicator's columns. `labels` holds the target's
    class per row (training and evaluation, and rule-based predictions), else None.
    `messages` are the reasons analysables or samples were left out and other
    warnings, for the model's log. `refused` is set (and the dataset empty) when the
    model cannot be analysed at all.
    """

    mode: str
    model_id: int | None
    target: str
    interval: str
    columns: list[str] = field(default_factory=list)
    X: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    sample_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    range_indexes: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )
    labels: np.ndarray | None = None
    analysable_ids: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )
    context_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    range_starts: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )
    range_ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    sample_origin: str = ""
    classes: tuple[int, ...] = (0, 1)
    messages: list[str] = field(default_factory=list)
    refused: str | None = None
    analysables_total: int = 0
    analysables_analysed: int = 0
    analysables_valid: int = 0
    timed_out: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.sample_ids)

    @property
    def ids(self) -> list[str]:
        """Moodle's "sampleid-rangeindex" identifiers."""
        return [
            f"{s}-{r}"
            for s, r in zip(
                self.sample_ids.tolist(), self.range_indexes.tolist(), strict=True
            )
        ]

    @property
    def n_features(self) -> int:
        return len(self.columns)

    def for_processor(self) -> Any:
        """This dataset as the predictions processors take it (mlbackend.engine's
        Dataset): missing values become 0, as Moodle's backends read empty fields,
        and columns carry Moodle's names, as in the CSV file."""
        from mlbackend.engine.dataset import dataset_build as processor_dataset
        from models_app.analysis.csvfile import csv_metadata, moodle_column

        labels = None
        if self.labels is not None and self.mode != "prediction":
            labels = self.labels.astype(np.int64)
        return processor_dataset(
            features=np.nan_to_num(self.X, nan=0.0),
            target_classes=list(self.classes),
            labels=labels,
            sample_ids=self.ids,
            columns=[moodle_column(c) for c in self.columns],
            metadata=csv_metadata(self),
        )


@dataclass
class _Parts:
    """Accumulates the arrays of each chunk."""

    X: list[np.ndarray] = field(default_factory=list)
    sample_ids: list[np.ndarray] = field(default_factory=list)
    range_indexes: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    analysable_ids: list[np.ndarray] = field(default_factory=list)
    context_ids: list[np.ndarray] = field(default_factory=list)
    starts: list[np.ndarray] = field(default_factory=list)
    ends: list[np.ndarray] = field(default_factory=list)


def _describe(analysable: Analysable) -> str:
    return analysable.name or f"{analysable.kind} {analysable.id}"


def model_refusal(
    *, model: AnalyticsModel, mode: str, interval_key: str
) -> tuple[str | None, Any, Interval | None, list[Any]]:
    """(reason or None, target, interval, indicators) for a model and interval."""
    if mode not in MODES:
        return _("Unknown analysis mode %(mode)s.") % {"mode": mode}, None, None, []
    try:
        target = registry.target_class(model.target)()
    except registry.UnknownPlugin:
        return (
            _("The model's target %(key)s is not installed.") % {"key": model.target},
            None,
            None,
            [],
        )
    if not model.indicators:
        return (
            _("The model has no indicators: add at least one indicator."),
            target,
            None,
            [],
        )
    indicators = []
    for key in model.indicators:
        try:
            indicator = registry.indicator_class(key)()
        except registry.UnknownPlugin:
            return (
                _("The indicator %(key)s is not installed.") % {"key": key},
                target,
                None,
                [],
            )
        if target.sample_kind not in getattr(indicator, "sample_kinds", ()):
            return (
                _(
                    'The indicator "%(indicator)s" cannot be calculated for the '
                    'samples of the target "%(target)s".'
                )
                % {"indicator": indicator.label, "target": target.label},
                target,
                None,
                [],
            )
        indicators.append(indicator)
    if not interval_key:
        return (
            _("The model has no analysis interval: choose one."),
            target,
            None,
            indicators,
        )
    try:
        interval = registry.interval_class(interval_key)()
    except registry.UnknownPlugin:
        return (
            _("The analysis interval %(key)s is not installed.")
            % {"key": interval_key},
            target,
            None,
            indicators,
        )
    refusal = target.interval_refusal(interval)
    if refusal:
        return refusal, target, interval, indicators
    if target.based_on_assumptions and mode != "prediction":
        return (
            _("Models based on assumptions do not need training or evaluation."),
            target,
            interval,
            indicators,
        )
    if mode == "evaluation" and not interval.valid_for_evaluation:
        return (
            _('The analysis interval "%(interval)s" cannot be used for evaluation.')
            % {"interval": interval.label},
            target,
            interval,
            indicators,
        )
    return None, target, interval, indicators


def _range_columns(interval: Interval, ranges_seen: int) -> list[str]:
    if not interval.adds_range_columns:
        return []
    n = getattr(interval, "parts", None) or ranges_seen
    return [f"range/{i}" for i in range(n)] if n > 1 else []


def dataset_build(
    *,
    model: AnalyticsModel,
    mode: str,
    interval: str | None = None,
    now: int | None = None,
    reader: LogReader | None = None,
    record: bool = True,
    time_limit: float | None = None,
    chunk_size: int = CHUNK_SIZE,
    use_cache: bool | None = None,
) -> Dataset:
    """Build the training, prediction or evaluation dataset of `model`.

    `interval` overrides the model's (evaluation tries several). `time_limit` (in
    seconds; training and prediction only) stops starting new chunks once passed.
    `use_cache` defaults to caching in prediction with intervals that allow it.
    """
    started = time.perf_counter()
    now = int(time.time()) if now is None else int(now)
    interval_key = interval if interval is not None else model.interval
    dataset = Dataset(
        mode=mode, model_id=model.pk, target=model.target, interval=interval_key or ""
    )
    refusal, target, interval_obj, indicators = model_refusal(
        model=model, mode=mode, interval_key=interval_key
    )
    if refusal:
        dataset.refused = refusal
        dataset.messages.append(refusal)
        return dataset
    dataset.classes = tuple(target.classes)
    reader = reader or get_reader()
    if use_cache is None:
        use_cache = mode == "prediction" and interval_obj.cache_indicator_calculations
    action = "prediction" if mode == "prediction" else "training"
    timings = dataset.timings

    all_keys = [ind.key for ind in indicators]
    helpers = [
        registry.indicator_class(key)()
        for key in target.required_indicators
        if key not in all_keys
    ]

    analysables = analysables_list(kind=target.analysable_kind, model=model, now=now)
    if mode != "evaluation":
        analysables = analysables_ordered(
            model=model, action=action, analysables=analysables
        )
    dataset.analysables_total = len(analysables)
    parts = _Parts()
    ranges_seen = 0
    feature_columns = [c for ind in indicators for c in ind.columns()]
    due_extra: dict[str, Any] = {}

    for first in range(0, len(analysables), chunk_size):
        if (
            first > 0
            and time_limit is not None
            and mode != "evaluation"
            and time.perf_counter() - started > time_limit
        ):
            left = len(analysables) - first
            dataset.timed_out = True
            dataset.messages.append(
                _(
                    "The time limit was reached: %(n)s analysables are left for the "
                    "next run."
                )
                % {"n": left}
            )
            break
        chunk = analysables[first : first + chunk_size]
        result = _chunk(
            model=model,
            mode=mode,
            target=target,
            interval=interval_obj,
            indicators=indicators,
            helpers=helpers,
            chunk=chunk,
            reader=reader,
            now=now,
            record=record,
            use_cache=use_cache,
            dataset=dataset,
        )
        dataset.analysables_analysed += len(chunk)
        if result is not None:
            values, labels, samples, rows, rs, extra = result
            ranges_seen = max(ranges_seen, int(rs.index.max()) + 1 if len(rs) else 0)
            parts.X.append(values)
            parts.sample_ids.append(samples.ids[rows.sample])
            parts.range_indexes.append(rs.index[rows.pos])
            parts.labels.append(labels)
            parts.analysable_ids.append(samples.analysable[rows.sample])
            parts.context_ids.append(samples.context[rows.sample])
            parts.starts.append(rs.start[rows.pos])
            parts.ends.append(rs.end[rows.pos])
            dataset.sample_origin = samples.origin
            due_extra.update(extra)
        if mode != "evaluation":
            produced = set()
            if result is not None:
                produced = set(result[2].analysable[result[3].sample].tolist())
            ids = [
                a.id
                for a in chunk
                if target.always_update_analysis_time or a.id in produced
            ]
            bookkeeping.used_analysables_record(
                model=model, action=action, analysable_ids=ids, now=now
            )

    assemble = time.perf_counter()
    range_cols = _range_columns(interval_obj, ranges_seen)
    dataset.columns = range_cols + feature_columns
    if parts.X:
        # Fill one matrix part by part, freeing each part: no second full copy.
        n_range = len(range_cols)
        features = np.zeros((sum(len(x) for x in parts.X), len(dataset.columns)))
        offset = 0
        while parts.X:
            part = parts.X.pop(0)
            features[offset : offset + len(part), n_range:] = part
            offset += len(part)
        range_indexes = np.concatenate(parts.range_indexes)
        if range_cols:
            inside = range_indexes < n_range
            features[np.flatnonzero(inside), range_indexes[inside]] = 1.0
        dataset.X = features
        dataset.sample_ids = np.concatenate(parts.sample_ids)
        dataset.range_indexes = range_indexes
        dataset.analysable_ids = np.concatenate(parts.analysable_ids)
        dataset.context_ids = np.concatenate(parts.context_ids)
        dataset.range_starts = np.concatenate(parts.starts)
        dataset.range_ends = np.concatenate(parts.ends)
        labels = np.concatenate(parts.labels)
        if mode != "prediction" or target.based_on_assumptions:
            dataset.labels = labels
    else:
        dataset.X = np.zeros((0, len(dataset.columns)))
        if mode != "prediction" or target.based_on_assumptions:
            dataset.labels = np.zeros(0)
    if due_extra:
        dataset.extra["activities_due"] = due_extra
    timings["assemble"] = timings.get("assemble", 0.0) + time.perf_counter() - assemble
    timings["total"] = time.perf_counter() - started
    return dataset


def _chunk(
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
    dataset: Dataset,
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
        if "after_now" in interval.kinds
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
    if mode != "evaluation":
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
