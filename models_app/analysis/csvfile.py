"""Moodle's dataset CSV format (shared/reference/moodle-mlbackend-protocol.md §4).

Three header lines (metadata names, metadata values, column headers), then one line
per row. Labelled files (training, evaluation) end each row with the class;
unlabelled files (prediction) start each row with "sampleid-rangeindex". Column
headers are Moodle's class names ("\\core\\analytics\\indicator\\read_actions",
"...read_actions/mean", "range/0"), so Moodle's ML backend and ours read the files
alike. Fields are quoted as PHP's fputcsv does (when they hold a comma, a quote, a
backslash, a space, a tab or a line end); an empty field is a missing value.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import IO

import numpy as np

from models_app.analysis.dataset import Dataset
from models_app.plugins import registry
from models_app.plugins.indicators.kinds import moodle_key

#: The Moodle version whose behaviour Foresight follows (4.1), written as
#: `moodleversion` so readers that check it see a version they know.
MOODLE_VERSION = "2022112800"

_QUOTE_IF = set(',"\\ \t\r\n')


def _field(value: str) -> str:
    if any(ch in _QUOTE_IF for ch in value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _line(values: list[str]) -> str:
    return ",".join(_field(v) for v in values) + "\n"


#: A float as Moodle's files hold it; NaN (a missing value) is formatted as "nan"
#: and emptied per line by `_row`, which is 3x faster than a test per value.
_number = "{:.10g}".format


def _row(values: list[float]) -> str:
    return ",".join(map(_number, values)).replace("nan", "")


def moodle_column(column: str) -> str:
    """A dataset column as Moodle names it."""
    if column.startswith("range/"):
        return column
    key, _sep, suffix = column.partition("/")
    try:
        cls = registry.indicator_class(key)
    except registry.UnknownPlugin:
        return column
    name = getattr(cls, "moodle_id", "") or key
    return f"{name}/{suffix}" if suffix else name


def _foresight_column(header: str) -> str:
    if header.startswith("range/") or "\\" not in header:
        return header
    name, _sep, suffix = header.partition("/")
    try:
        key = moodle_key(name)
    except ValueError:
        return header
    return f"{key}/{suffix}" if suffix else key


def _moodle_id(kind: str, key: str) -> str:
    try:
        cls = (
            registry.target_class(key)
            if kind == "target"
            else registry.interval_class(key)
        )
    except registry.UnknownPlugin:
        cls = None
    default = f"\\core\\analytics\\time_splitting\\{key}" if kind == "interval" else key
    return getattr(cls, "moodle_id", "") or default


def csv_metadata(dataset: Dataset) -> dict[str, str]:
    """Moodle's metadata names and values for a dataset, in Moodle's order."""
    return {
        "timesplitting": _moodle_id("interval", dataset.interval),
        "nfeatures": str(len(dataset.columns)),
        "moodleversion": MOODLE_VERSION,
        "targetcolumn": _moodle_id("target", dataset.target),
        "targettype": "discrete",
        "targetclasses": json.dumps(list(dataset.classes), separators=(",", ":")),
    }


def dataset_write_csv(
    *, dataset: Dataset, file: IO[str] | str | Path, labelled: bool | None = None
) -> None:
    """Write `dataset` in Moodle's format; labelled unless it is a prediction set."""
    if labelled is None:
        labelled = dataset.mode != "prediction"
    if isinstance(file, str | Path):
        with open(file, "w", encoding="utf-8", newline="") as handle:
            dataset_write_csv(dataset=dataset, file=handle, labelled=labelled)
        return
    target_id = _moodle_id("target", dataset.target)
    meta = csv_metadata(dataset)
    file.write(_line(list(meta)))
    file.write(_line(list(meta.values())))
    headers = [moodle_column(c) for c in dataset.columns]
    file.write(_line(headers + [target_id] if labelled else ["sampleid", *headers]))
    if labelled and dataset.labels is None:
        raise ValueError("A labelled file needs a dataset with labels.")
    ids = dataset.ids
    for i, row in enumerate(dataset.X.tolist()):
        cells = [_row(row)] if row else []  # no feature column: no field
        if labelled:
            label = dataset.labels[i]
            cells.append("" if np.isnan(label) else str(int(label)))
        else:
            cells.insert(0, ids[i])
        file.write(",".join(cells) + "\n")


def dataset_read_csv(*, file: IO[str] | str | Path) -> Dataset:
    """Read a Moodle dataset CSV file back (both labelled and unlabelled)."""
    if isinstance(file, str | Path):
        with open(file, encoding="utf-8", newline="") as handle:
            return dataset_read_csv(file=handle)
    reader = csv.reader(io.StringIO(file.read()))
    names = next(reader)
    values = next(reader)
    meta = dict(zip(names, values, strict=False))
    headers = next(reader)
    unlabelled = bool(headers) and headers[0] == "sampleid"
    feature_headers = headers[1:] if unlabelled else headers[:-1]
    rows = list(reader)
    n = len(rows)
    X = np.full((n, len(feature_headers)), np.nan)
    sample_ids = np.zeros(n, dtype=np.int64)
    range_indexes = np.zeros(n, dtype=np.int64)
    labels = None if unlabelled else np.full(n, np.nan)
    for i, row in enumerate(rows):
        cells = row[1:] if unlabelled else row[:-1]
        X[i] = [float(c) if c != "" else np.nan for c in cells]
        if unlabelled:
            sid, _sep, ridx = row[0].rpartition("-")
            sample_ids[i], range_indexes[i] = int(sid), int(ridx)
        elif row[-1] != "":
            labels[i] = float(row[-1])
    target = meta.get("targetcolumn", "")
    with contextlib.suppress(ValueError):
        target = moodle_key(target)
    interval = meta.get("timesplitting", "")
    interval = interval.rsplit("\\", 1)[-1]
    return Dataset(
        mode="prediction" if unlabelled else "training",
        model_id=None,
        target=target,
        interval=interval,
        columns=[_foresight_column(h) for h in feature_headers],
        X=X,
        sample_ids=sample_ids,
        range_indexes=range_indexes,
        labels=labels,
        classes=tuple(json.loads(meta.get("targetclasses", "[0, 1]"))),
    )
