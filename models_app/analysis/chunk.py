"""One chunk of analysables: samples, validity, ranges, indicators and labels.

`chunk_analyse` does the work of `dataset_build` for a few hundred analysables at a
time, from a fixed number of queries (see models_app.analysis.data), in named
stages: load the samples, cut the ranges and check the analysables, select the
samples, select the rows, calculate the indicators and the labels, assemble the
matrix, record what was used. Each stage's time (less the facts it loads, which are
timed as their own phases) is added to the dataset's timings.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext_noop

from logstore.readers import LogReader
from models_app.analysis import bookkeeping, calculations
from models_app.analysis.data import (
    AnalysisData,
    RangeSet,
    Rows,
    Samples,
    expand_ranges,
    pair_keys,
)
from models_app.analysis.samples import samples_load
from models_app.log_messages import log_message
from models_app.models import AnalyticsModel
from models_app.plugins.base import Analysable, Interval, IntervalNotApplicable, Range
from models_app.plugins.indicators.kinds import php_round

MEMO_PHASES = ("queries", "log_queries", "facts")

#: Prediction analyses again the analysables with new rows alone (see
#: chunk_analyse); False only to compare with the whole chunk's analysis (tests).
NARROW_PREDICTION = True

#: Training leaves the analysables whose samples all trained the model before
#: their validity is checked (see _trained_already); False only to compare with
#: the analysis that checks them all (tests).
SKIP_TRAINED = True


#: An analysable whose current range was already predicted (a log line's msgid).
NO_NEW_PREDICTIONS = gettext_noop("No new predictions yet for %(analysable)s.")


@dataclass
class ChunkResult:
    """The dataset rows of one chunk, one entry per (sample, range) row.

    `X` holds the indicators' columns (no range columns), `labels` the target's
    class (NaN in prediction without rules); the other arrays identify each row.
    `ranges_seen` is one more than the largest range index of the chunk's ranges;
    `extra` maps an indicator key to its details per "sampleid-rangeindex" row
    (see `Indicator.row_details`).
    """

    X: np.ndarray
    labels: np.ndarray
    sample_ids: np.ndarray
    range_indexes: np.ndarray
    analysable_ids: np.ndarray
    context_ids: np.ndarray
    range_starts: np.ndarray
    range_ends: np.ndarray
    sample_origin: str
    ranges_seen: int
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.sample_ids)


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
    narrowed: bool = False,
) -> ChunkResult | None:
    """The chunk's rows, or None when no row is left. Messages (invalid
    analysables, nothing new to predict or train on) go to `dataset.messages`. In
    prediction, when only some analysables have new rows, the chunk is analysed
    again with those alone (`narrowed`), so a nightly run reads the log of those
    courses; in training, the analysables whose samples all trained the model
    already are left out first (`_trained_already`)."""
    timings = dataset.timings

    def again(analysables: list[Analysable]) -> ChunkResult | None:
        """This analysis again, of some of the chunk's analysables alone."""
        return chunk_analyse(
            model=model,
            mode=mode,
            target=target,
            interval=interval,
            indicators=indicators,
            helpers=helpers,
            chunk=analysables,
            reader=reader,
            now=now,
            record=record,
            use_cache=use_cache,
            dataset=dataset,
            fresh=fresh,
            narrowed=True,
        )

    with _phase(timings, "samples"):
        data = _data_load(
            target=target,
            indicators=[*indicators, *helpers],
            chunk=chunk,
            reader=reader,
            now=now,
            mode=mode,
            timings=timings,
        )
    with _phase(timings, "validity"):
        ranges_of, reasons = _ranges_cut(
            data=data,
            model=model,
            mode=mode,
            target=target,
            interval=interval,
            chunk=chunk,
            fresh=fresh,
        )
        done: set[int] = set()
        if mode == "training" and SKIP_TRAINED and not fresh and not narrowed:
            done = _trained_already(
                data=data,
                model=model,
                target=target,
                interval_key=dataset.interval,
                ranges_of=ranges_of,
            )
    if done:
        # A night with nothing new to train on: leave these analysables before
        # their validity is checked (the dropout target's reads their log), and
        # analyse the others alone.
        for analysable in chunk:
            if analysable.id in done:
                dataset.messages.append(
                    log_message(
                        gettext_noop("No new samples to train on for %(analysable)s."),
                        analysable=_describe(analysable),
                    )
                )
        rest = [a for a in chunk if a.id not in done]
        return again(rest) if rest else None
    with _phase(timings, "validity"):
        _analysables_check(
            data=data,
            target=target,
            mode=mode,
            chunk=chunk,
            ranges_of=ranges_of,
            reasons=reasons,
            dataset=dataset,
        )
        dataset.analysables_valid += len(ranges_of)
        if not ranges_of:
            return None
        skip_predicted, trained = _samples_select(
            data=data,
            model=model,
            mode=mode,
            target=target,
            interval_key=dataset.interval,
            analysable_ids=list(ranges_of),
            fresh=fresh,
        )
        new = _rows_select(
            data=data,
            target=target,
            mode=mode,
            skip_predicted=skip_predicted,
            trained=trained,
            dataset=dataset,
        )
    if not new.any():
        return None
    if mode == "prediction" and NARROW_PREDICTION and not narrowed:
        with_rows = set(data.samples.analysable[data.rows.sample[new]].tolist())
        if len(with_rows) < len(chunk):
            # A nightly run: most analysables have nothing new to predict. Analyse
            # again only those with new rows, so the log is read for their
            # courses alone (each course's facts are its own: same rows, same
            # values); the messages and counts are this pass's.
            messages, valid = list(dataset.messages), dataset.analysables_valid
            result = again([a for a in chunk if a.id in with_rows])
            dataset.messages[:], dataset.analysables_valid = messages, valid
            return result
    with _phase(timings, "indicators"):
        values = _values_calculate(
            data=data,
            indicators=indicators,
            helpers=helpers,
            use_cache=use_cache,
            new=new,
        )
    with _phase(timings, "target"):
        if mode != "prediction" or target.based_on_assumptions:
            labels = np.asarray(
                target.calculate(data=data, indicators=values), dtype=float
            )
        else:
            labels = np.full(len(data.rows), np.nan)
    with _phase(timings, "assemble"):
        result = _assemble(
            data=data,
            indicators=indicators,
            helpers=helpers,
            values=values,
            labels=labels,
            mode=mode,
            new=new,
        )
        if record:
            _used_record(
                model=model, mode=mode, interval_key=dataset.interval, result=result
            )
    return result


# -- stages ---------------------------------------------------------------------------


def activity_detail_needed(indicators: Iterable[object]) -> bool:
    """Whether the chunk's aggregate keeps every activity's groups: when an
    indicator reads per-activity counts, or does not say (a plug-in outside
    BaseIndicator): slower, never wrong."""
    return any(getattr(i, "needs_activity_counts", True) for i in indicators)


def _data_load(
    *,
    target: Any,
    indicators: list[Any],
    chunk: list[Analysable],
    reader: LogReader,
    now: int,
    mode: str,
    timings: dict[str, float],
) -> AnalysisData:
    """The chunk's AnalysisData with its samples loaded."""
    data = AnalysisData(
        reader=reader,
        analysables={a.id: a for a in chunk},
        samples=Samples.empty(""),
        now=now,
        mode=mode,
        timings=timings,
        eventnames=frozenset().union(
            *(getattr(i, "eventnames", ()) for i in indicators)
        ),
        activity_detail=activity_detail_needed(indicators),
    )
    data.samples = samples_load(kind=target.sample_kind, data=data)
    return data


def _ranges_cut(
    *,
    data: AnalysisData,
    model: AnalyticsModel,
    mode: str,
    target: Any,
    interval: Interval,
    chunk: list[Analysable],
    fresh: bool,
) -> tuple[dict[int, list[Range]], dict[int, str]]:
    """(analysable id -> the ranges to analyse, analysable id -> why the interval
    does not apply): the interval's rules, then the mode's choice among the ranges.
    Sets the chunk's range set, so the chunk's one log query covers these ranges."""
    now = data.now
    first_analyses = (
        bookkeeping.first_analyses(model=model, analysable_ids=[a.id for a in chunk])
        if "after_now" in interval.kinds and not fresh
        else {}
    )
    ranges_of: dict[int, list[Range]] = {}
    reasons: dict[int, str] = {}
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
            reasons[analysable.id] = reason
            continue
        if mode == "prediction":
            latest = interval.prediction_range(ranges, now=now)
            ranges_of[analysable.id] = [latest] if latest is not None else []
        else:
            ranges_of[analysable.id] = interval.training_ranges(ranges, now=now)
    data.set_range_set(
        _range_set(ranges_of, kind=target.analysable_kind, samples=data.samples)
    )
    return ranges_of, reasons


def _trained_already(
    *,
    data: AnalysisData,
    model: AnalyticsModel,
    target: Any,
    interval_key: str,
    ranges_of: dict[int, list[Range]],
) -> set[int]:
    """The analysables with ranges whose valid samples all trained the model with
    this interval already: nothing of theirs can be trained on again.

    Moodle's rule (analysis::process_time_splitting): filter_out_train_samples
    removes every sample in analytics_train_samples for the model, the analysable
    and the time-splitting method, and an analysable with no sample left is not
    used ("nonewdata"), whatever its validity; the target's invalid samples are
    removed next (filter_out_invalid_samples), so they cannot give rows either.
    Foresight applies the same rule before the target's validity check, which
    for the dropout target reads the course's log. A new enrolment (a sample
    never trained) brings the course back; moved dates do not (Moodle trains a
    sample once); clearing the model deletes its trained samples, so everything
    is analysed again; another interval has its own trained samples.
    """
    if target.based_on_assumptions:
        return set()
    with_ranges = [aid for aid, ranges in ranges_of.items() if ranges]
    trained = bookkeeping.trained_sample_ids(
        model=model, interval=interval_key, analysable_ids=with_ranges
    )
    if not trained:
        return set()
    samples = data.samples
    candidates = samples.take(
        np.flatnonzero(np.isin(samples.analysable, list(trained)))
    )
    data.samples = candidates
    try:
        valid = np.asarray(
            target.samples_valid(data=data, mode="training", now=data.now),
            dtype=bool,
        )
    finally:
        data.samples = samples
    used = np.array(
        [(aid, sid) for aid, ids in trained.items() for sid in ids], dtype=np.int64
    ).reshape(-1, 2)
    new = valid & ~np.isin(
        pair_keys(candidates.analysable, candidates.ids),
        pair_keys(used[:, 0], used[:, 1]),
    )
    return set(trained) - set(candidates.analysable[new].tolist())


def _analysables_check(
    *,
    data: AnalysisData,
    target: Any,
    mode: str,
    chunk: list[Analysable],
    ranges_of: dict[int, list[Range]],
    reasons: dict[int, str],
    dataset: Any,
) -> None:
    """Keep in `ranges_of` only the analysables valid for the target with a range
    ready (the target's rules are checked after the ranges are cut, as they may
    read the chunk's log query); tell why each other one was left out."""
    for analysable in chunk:
        reason = target.analysable_invalid_reason(
            analysable=analysable, data=data, mode=mode, now=data.now
        ) or reasons.get(analysable.id)
        if reason is None and not ranges_of.get(analysable.id):
            reason = log_message(
                gettext_noop("no range is ready for %(mode)s yet."), mode=mode
            )
        if reason is not None:
            ranges_of.pop(analysable.id, None)
            dataset.messages.append(
                log_message(
                    gettext_noop(
                        "%(analysable)s is not valid for this model: %(reason)s"
                    ),
                    analysable=_describe(analysable),
                    reason=reason,
                )
            )


def _samples_select(
    *,
    data: AnalysisData,
    model: AnalyticsModel,
    mode: str,
    target: Any,
    interval_key: str,
    analysable_ids: list[int],
    fresh: bool,
) -> tuple[dict[tuple[int, int], set[int]], np.ndarray]:
    """Keep the samples of valid analysables that the target accepts. Returns the
    (analysable, range) -> sample ids already predicted and, per sample kept, whether
    it trained the model already (outside evaluation), for `_rows_select`: trained
    samples are never used again, also not predicted, as in Moodle, but they stay
    in the chunk as classmates of the new ones (see `_rows_select`)."""
    samples = data.samples
    samples = samples.take(np.flatnonzero(np.isin(samples.analysable, analysable_ids)))
    data.samples = samples
    valid = target.samples_valid(data=data, mode=mode, now=data.now)
    data.samples = samples.take(np.flatnonzero(valid))
    trained_mask = np.zeros(len(data.samples), dtype=bool)
    if mode == "evaluation" or fresh:
        return {}, trained_mask
    if not target.based_on_assumptions:
        trained = bookkeeping.trained_sample_ids(
            model=model, interval=interval_key, analysable_ids=analysable_ids
        )
        if trained:
            samples = data.samples
            used = np.array(
                [(aid, sid) for aid, ids in trained.items() for sid in ids],
                dtype=np.int64,
            ).reshape(-1, 2)
            trained_mask = np.isin(
                pair_keys(samples.analysable, samples.ids),
                pair_keys(used[:, 0], used[:, 1]),
            )
    if mode != "prediction":
        return {}, trained_mask
    predicted = bookkeeping.predicted_sample_ids(
        model=model, interval=interval_key, analysable_ids=analysable_ids
    )
    return predicted, trained_mask


def _rows_select(
    *,
    data: AnalysisData,
    target: Any,
    mode: str,
    skip_predicted: dict[tuple[int, int], set[int]],
    trained: np.ndarray,
    dataset: Any,
) -> np.ndarray:
    """Set the chunk's rows: every sample in every range of its analysable that
    the target accepts, and return which of them are new: not of a sample that
    trained the model (`trained`, per sample) nor a (sample, range) pair already
    predicted. The other rows (reference rows) are kept only in a range entry with
    a new row: the group-relative indicators (classmates, relative_activity, the
    "/mean" columns) compare a new row with every sample of its analysable and
    range, as a first analysis would; `_assemble` leaves them out, so what is
    predicted, trained on and recorded is the new rows alone."""
    samples, rs = data.samples, data.range_set
    rows = _rows_all(
        samples=samples, rs=rs, per_sample=target.analysable_kind != "course"
    )
    untrained = ~trained[rows.sample]
    new = untrained.copy()
    if skip_predicted:
        unpredicted = np.array(
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
        new &= unpredicted
        if not unpredicted[untrained].all():
            # Told as before the reference rows: of the untrained samples' rows.
            analysable = samples.analysable[rows.sample]
            for aid in sorted(
                set(analysable[untrained & ~unpredicted].tolist())
                - set(analysable[new].tolist())
            ):
                dataset.messages.append(
                    log_message(
                        NO_NEW_PREDICTIONS,
                        analysable=_describe(data.analysables[aid]),
                    )
                )
    data.set_rows(rs, rows)
    valid = np.asarray(target.rows_valid(data=data, mode=mode), dtype=bool)
    new = new & valid
    # Reference rows only where a range entry has a new row to compare.
    with_new = np.zeros(len(rs), dtype=bool)
    with_new[rows.pos[new]] = True
    keep = np.flatnonzero(valid & with_new[rows.pos])
    data.set_rows(rs, rows.take(keep))
    return new[keep]


def _values_calculate(
    *,
    data: AnalysisData,
    indicators: list[Any],
    helpers: list[Any],
    use_cache: bool,
    new: np.ndarray,
) -> dict[str, np.ndarray]:
    """indicator key -> its value per row (the target's helper indicators too).
    The cache is neither read nor written for group-relative indicators (their
    value depends on the rows analysed together, which the cache's key does not
    hold), nor for the reference rows (`new` False)."""
    values = {
        indicator.key: np.asarray(indicator.calculate(data), dtype=float)
        for indicator in [*indicators, *helpers]
    }
    if use_cache:
        keys = [i.key for i in indicators if not getattr(i, "group_relative", False)]
        if keys:
            _cache_apply(data=data, values=values, keys=keys, new=new)
    return values


def _assemble(
    *,
    data: AnalysisData,
    indicators: list[Any],
    helpers: list[Any],
    values: dict[str, np.ndarray],
    labels: np.ndarray,
    mode: str,
    new: np.ndarray,
) -> ChunkResult:
    """The new rows with at least one indicator value (and, outside prediction, a
    label), their matrix filled column by column (no full-matrix copy). The
    "/mean" columns are means over every row, the reference rows too."""
    samples, rows, rs = data.samples, data.rows, data.range_set
    all_missing = np.ones(len(rows), dtype=bool)
    for indicator in indicators:
        all_missing &= np.isnan(values[indicator.key])
    keep = ~all_missing & new
    if mode != "prediction":
        keep &= ~np.isnan(labels)
    index = np.flatnonzero(keep)
    kept = rows.take(index)
    sample_ids = samples.ids[kept.sample]
    range_indexes = rs.index[kept.pos]

    columns = []
    for indicator in indicators:
        value = np.clip(values[indicator.key], -1, 1)
        columns.append(value[index])
        if indicator.kind == "linear" and len(indicator.columns()) > 1:
            columns.append(_means(value, rows.pos)[index])
    matrix = np.empty((len(index), len(columns)))
    for at, column in enumerate(columns):
        matrix[:, at] = column

    extra: dict[str, dict[str, Any]] = {}
    for indicator in [*indicators, *helpers]:
        details = _row_details(indicator, data)
        if details is None:
            continue
        extra[indicator.key] = {
            f"{sid}-{ridx}": details[i]
            for i, sid, ridx in zip(
                index.tolist(), sample_ids.tolist(), range_indexes.tolist(), strict=True
            )
            if details[i]
        }
    return ChunkResult(
        X=matrix,
        labels=labels[index],
        sample_ids=sample_ids,
        range_indexes=range_indexes,
        analysable_ids=samples.analysable[kept.sample],
        context_ids=samples.context[kept.sample],
        range_starts=rs.start[kept.pos],
        range_ends=rs.end[kept.pos],
        sample_origin=samples.origin,
        ranges_seen=int(rs.index.max()) + 1 if len(rs) else 0,
        extra=extra,
    )


def _used_record(
    *, model: AnalyticsModel, mode: str, interval_key: str, result: ChunkResult
) -> None:
    """Training: the samples used, per analysable; prediction: the samples
    predicted, per (analysable, range), so the next run does only new work."""
    sample_ids = result.sample_ids.tolist()
    analysable_ids = result.analysable_ids.tolist()
    if mode == "training":
        used: dict[int, dict[int, None]] = {}  # ordered sets: first use first
        for sid, aid in zip(sample_ids, analysable_ids, strict=True):
            used.setdefault(aid, {})[sid] = None
        bookkeeping.train_samples_record(
            model=model,
            interval=interval_key,
            samples={aid: list(ids) for aid, ids in used.items()},
        )
    elif mode == "prediction":
        predicted: dict[tuple[int, int], list[int]] = {}
        for sid, aid, ridx in zip(
            sample_ids, analysable_ids, result.range_indexes.tolist(), strict=True
        ):
            predicted.setdefault((aid, ridx), []).append(sid)
        bookkeeping.predict_samples_record(
            model=model, interval=interval_key, samples=predicted
        )


# -- helpers of the stages ------------------------------------------------------------


@contextmanager
def _phase(timings: dict[str, float], name: str) -> Iterator[None]:
    """Add the block's time to `timings[name]`, less the time of the facts loaded
    inside it (those are timed as their own phases)."""
    started, memo_before = time.perf_counter(), _memo_time(timings)
    try:
        yield
    finally:
        spent = time.perf_counter() - started - (_memo_time(timings) - memo_before)
        timings[name] = timings.get(name, 0.0) + spent


def _memo_time(timings: dict[str, float]) -> float:
    return sum(timings.get(p, 0.0) for p in MEMO_PHASES)


def _describe(analysable: Analysable) -> str:
    return analysable.name or f"{analysable.kind} {analysable.id}"


def _row_details(indicator: Any, data: AnalysisData) -> list[Any] | None:
    method = getattr(indicator, "row_details", None)
    return None if method is None else method(data)


def _rows_all(*, samples: Samples, rs: RangeSet, per_sample: bool) -> Rows:
    """Every sample in every range of its analysable. Course analysables: the
    range set has one entry per (course, range); site and user analysables one per
    (sample, range)."""
    if not per_sample:
        lo = np.searchsorted(rs.analysable, samples.analysable, side="left")
        hi = np.searchsorted(rs.analysable, samples.analysable, side="right")
        sample, at = expand_ranges(lo, hi)
        return Rows(sample, at)
    order = np.argsort(rs.sample, kind="stable")
    sorted_sample = rs.sample[order]
    lo = np.searchsorted(sorted_sample, samples.ids, side="left")
    hi = np.searchsorted(sorted_sample, samples.ids, side="right")
    sample, at = expand_ranges(lo, hi)
    return Rows(sample, order[at])


def _range_set(
    ranges_of: dict[int, list[Range]], *, kind: str, samples: Samples
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
    if kind == "course":
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
    which, at = expand_ranges(lo, hi)
    picked = matrix[at]
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
    *,
    data: AnalysisData,
    values: dict[str, np.ndarray],
    keys: list[str],
    new: np.ndarray,
) -> None:
    """Reuse cached values for the new rows; store the ones not cached yet."""
    samples, rows, rs = data.samples, data.rows, data.range_set
    at = np.flatnonzero(new)
    pos, sample = rows.pos[at], rows.sample[at]
    starts, ends = rs.start[pos], rs.end[pos]
    contexts = samples.context[sample]
    sample_ids = samples.ids[sample]
    cached = calculations.calculations_read(
        origin=samples.origin,
        starts=starts,
        ends=ends,
        contexts=contexts,
        sample_ids=sample_ids,
        indicators=keys,
    )
    missing = np.ones(len(at), dtype=bool)
    absent = object()
    if cached:
        for key in keys:
            column = values[key]
            for i, (s, e, sid) in enumerate(
                zip(starts.tolist(), ends.tolist(), sample_ids.tolist(), strict=True)
            ):
                hit = cached.get((s, e, sid, key), absent)
                if hit is not absent:
                    column[at[i]] = np.nan if hit is None else hit
                    missing[i] = False
    index = np.flatnonzero(missing)
    calculations.calculations_write(
        origin=samples.origin,
        starts=starts[index],
        ends=ends[index],
        contexts=contexts[index],
        sample_ids=sample_ids[index],
        values={key: values[key][at[index]] for key in keys},
    )
