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
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext_noop

from logstore.readers import LogReader, get_reader
from models_app.analysis import bookkeeping
from models_app.analysis.analysables import analysables_list, analysables_ordered
from models_app.analysis.chunk import chunk_analyse
from models_app.analysis.refusal import model_refusal
from models_app.log_messages import log_message
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.base import Interval

# Courses analysed per aggregate query. Measured on the 10M-row bench site on an idle
# 2-core machine (bench/analysis.py --chunk-size N): 150 → 508k log rows/s, 662 MB;
# 250 → 536-581k rows/s, 829 MB; 400 → 492k rows/s, 1,034 MB; 1000 → 516k, 2,122 MB.
CHUNK_SIZE = 250


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
    analysable_ids: Collection[int] | None = None,
    fresh: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Dataset:
    """Build the training, prediction or evaluation dataset of `model`.

    `interval` overrides the model's (evaluation tries several). `analysable_ids`
    keeps only those analysables (a backtest trains on some courses, tests on others).
    `fresh` analyses as a model that never ran would: no bookkeeping is read or
    written and no calculation cached, so a replay leaves the model as it was.
    `progress(done, total)` is called before each chunk with the analysables
    analysed so far and their total (the log page says "course N of M"). `time_limit` (in
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
    if fresh:
        record, use_cache = False, False
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
    if analysable_ids is not None:
        wanted = set(analysable_ids)
        analysables = [a for a in analysables if a.id in wanted]
    if mode != "evaluation" and not fresh:
        analysables = analysables_ordered(
            model=model, action=action, analysables=analysables
        )
    dataset.analysables_total = len(analysables)
    parts = _Parts()
    ranges_seen = 0
    feature_columns = [c for ind in indicators for c in ind.columns()]
    row_details: dict[str, dict[str, Any]] = {}

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
                log_message(
                    gettext_noop(
                        "The time limit was reached; analysables left for the next "
                        "run: %(n)s."
                    ),
                    n=left,
                )
            )
            break
        chunk = analysables[first : first + chunk_size]
        if progress is not None:
            progress(first, len(analysables))
        result = chunk_analyse(
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
            fresh=fresh,
        )
        dataset.analysables_analysed += len(chunk)
        if result is not None:
            ranges_seen = max(ranges_seen, result.ranges_seen)
            parts.X.append(result.X)
            parts.sample_ids.append(result.sample_ids)
            parts.range_indexes.append(result.range_indexes)
            parts.labels.append(result.labels)
            parts.analysable_ids.append(result.analysable_ids)
            parts.context_ids.append(result.context_ids)
            parts.starts.append(result.range_starts)
            parts.ends.append(result.range_ends)
            dataset.sample_origin = result.sample_origin
            for key, details in result.extra.items():
                row_details.setdefault(key, {}).update(details)
        if mode != "evaluation" and not fresh:
            produced = set()
            if result is not None:
                produced = set(result.analysable_ids.tolist())
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
    for key, details in row_details.items():
        if details:
            dataset.extra[key] = details
    timings["assemble"] = timings.get("assemble", 0.0) + time.perf_counter() - assemble
    timings["total"] = time.perf_counter() - started
    return dataset
