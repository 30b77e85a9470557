"""Moodle's CSV dataset format (shared/reference/moodle-mlbackend-protocol.md §4).

Three header lines (metadata names, metadata values, column headers), then one row per
sample. Labelled files (training, evaluation) end each row with the target class;
unlabelled files (prediction) start each row with `sampleid` ("<sample>-<range>").
Empty cells mean "no value" and become 0, as Moodle's backends read them. Line ends
may be LF, CRLF or CR (Moodle's server reads the file with universal newlines).

This module is the one place that reads and writes the format; the analysis engine may
use `dataset_to_csv` to write what the processors read.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlbackend.engine.results import DatasetError

SAMPLEID = "sampleid"
#: Metadata names in the order current Moodle writes them.
METADATA_NAMES = (
    "timesplitting",
    "nfeatures",
    "moodleversion",
    "targetcolumn",
    "targettype",
    "targetclasses",
)
_QUOTE_CHARS = frozenset(',"\\ \t\r\n')
#: Classes are small integers in every Moodle target; this also keeps them in int64.
MAX_CLASS_VALUE = 2**31 - 1
MAX_CLASSES = 1000
MAX_FEATURES = 100_000

#: How Moodle names an indicator's mean over every sample of the range (a column
#: beside the indicator's own).
RANGE_MEAN_SUFFIX = "/mean"


@dataclass
class Dataset:
    """A numpy matrix of features with its column names, sample ids and labels.

    `labels` is None for a prediction dataset. `target_classes` are the class values
    the target can take (Moodle's `targetclasses`), e.g. [0, 1].
    """

    features: np.ndarray
    columns: list[str]
    target_classes: list[int]
    labels: np.ndarray | None = None
    sample_ids: list[str] | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.features.shape[0])

    @property
    def labelled(self) -> bool:
        return self.labels is not None

    def ids(self) -> list[str]:
        if self.sample_ids is not None:
            return list(self.sample_ids)
        return [str(i) for i in range(self.n_samples)]


def dataset_build(
    *,
    features: np.ndarray,
    target_classes: list[int],
    labels: np.ndarray | list[int] | None = None,
    sample_ids: list[str] | None = None,
    columns: list[str] | None = None,
    metadata: dict[str, str] | None = None,
) -> Dataset:
    """Check a matrix-shaped dataset and return it; raises DatasetError on bad input."""
    try:
        matrix = np.asarray(features, dtype=np.float64)
    except (TypeError, ValueError):
        raise DatasetError("The features must be numbers.") from None
    if matrix.ndim != 2:
        raise DatasetError("The features must be a two-dimensional matrix.")
    if matrix.shape[0] == 0:
        raise DatasetError("The dataset has no samples.")
    if not np.all(np.isfinite(matrix)):
        raise DatasetError("The features contain values that are not finite numbers.")
    classes = _classes(target_classes)
    columns = list(columns) if columns is not None else []
    if not columns:
        columns = [f"feature/{i}" for i in range(matrix.shape[1])]
    if len(columns) != matrix.shape[1]:
        raise DatasetError(
            f"There are {len(columns)} column names for {matrix.shape[1]} columns."
        )
    label_array = None
    if labels is not None:
        label_array = _labels(np.asarray(labels, dtype=np.float64), classes)
        if label_array.shape[0] != matrix.shape[0]:
            raise DatasetError(
                f"There are {label_array.shape[0]} labels for {matrix.shape[0]} samples."
            )
    if sample_ids is not None:
        sample_ids = [str(s) for s in sample_ids]
        if len(sample_ids) != matrix.shape[0]:
            raise DatasetError(
                f"There are {len(sample_ids)} sample ids for {matrix.shape[0]} samples."
            )
    return Dataset(
        features=matrix,
        columns=columns,
        target_classes=classes,
        labels=label_array,
        sample_ids=sample_ids,
        metadata=dict(metadata or {}),
    )


def classes_check(target_classes: object, *, name: str = "targetclasses") -> list[int]:
    """The class values as ints; raises DatasetError unless a list of 2+ integers."""
    if not isinstance(target_classes, list | tuple) or len(target_classes) < 2:
        raise DatasetError(
            f"{name} must list at least two classes, e.g. [0,1]; "
            "regression targets are not supported."
        )
    if len(target_classes) > MAX_CLASSES:
        raise DatasetError(f"{name} lists more than {MAX_CLASSES} classes.")
    classes = []
    for value in target_classes:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or int(value) != value
            or abs(value) > MAX_CLASS_VALUE
        ):
            raise DatasetError(
                f"The target class {_short(value)} in {name} is not an integer "
                f"between -{MAX_CLASS_VALUE} and {MAX_CLASS_VALUE}."
            )
        classes.append(int(value))
    if len(set(classes)) != len(classes):
        raise DatasetError(f"{name} lists a class twice.")
    return classes


_classes = classes_check


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def json_strict(text: str | bytes) -> object:
    """json.loads without NaN/Infinity; nesting too deep is a ValueError too."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _labels(values: np.ndarray, classes: list[int]) -> np.ndarray:
    if values.ndim != 1:
        raise DatasetError("The labels must be one value per sample.")
    if not np.all(np.isfinite(values)) or not np.all(np.mod(values, 1) == 0):
        raise DatasetError("Every label must be an integer target class.")
    labels = values.astype(np.int64)
    unknown = sorted(set(np.unique(labels).tolist()) - set(classes))
    if unknown:
        raise DatasetError(
            f"The labels {unknown} are not among the target classes {classes}."
        )
    return labels


def dataset_from_csv(data: bytes | str | Path, *, labelled: bool) -> Dataset:
    """Parse a dataset file in Moodle's format; raises DatasetError saying what is wrong."""
    if isinstance(data, Path):
        data = data.read_bytes()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DatasetError("The dataset is not UTF-8 text.") from None
    else:
        text = data
    try:
        return _from_text(text, labelled=labelled)
    except csv.Error as exc:
        raise DatasetError(f"The dataset is not valid CSV: {exc}.") from None


def _from_text(text: str, *, labelled: bool) -> Dataset:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n", 3)
    if len(lines) < 3 or (len(lines) == 3 and not lines[2]):
        raise DatasetError(
            "The dataset must start with three header lines: metadata names, "
            "metadata values and column headers."
        )
    names, values, headers = (next(csv.reader([line]), []) for line in lines[:3])
    if len(names) != len(values):
        raise DatasetError(
            f"The first header line has {len(names)} metadata names but the second "
            f"has {len(values)} values."
        )
    metadata = dict(zip(names, values, strict=True))
    for required in ("nfeatures", "targetclasses"):
        if required not in metadata:
            raise DatasetError(
                f"The first header line must name the metadata '{required}'."
            )
    try:
        n_features = int(metadata["nfeatures"])
    except ValueError:
        n_features = 0
    if not 1 <= n_features <= MAX_FEATURES:
        raise DatasetError(
            f"nfeatures must be an integer from 1 to {MAX_FEATURES}, not "
            f"{_short(metadata['nfeatures'])}."
        )
    try:
        parsed = json_strict(metadata["targetclasses"])
    except ValueError:
        raise DatasetError(
            "targetclasses must be a JSON list of integers such as [0,1], not "
            f"{_short(metadata['targetclasses'])}."
        ) from None
    classes = classes_check(parsed)
    expected = n_features + 1
    if len(headers) != expected:
        raise DatasetError(
            f"The column headers line has {len(headers)} columns; nfeatures = "
            f"{n_features} means {expected}."
        )
    if not labelled and headers[0] != SAMPLEID:
        raise DatasetError("A prediction dataset's first column must be 'sampleid'.")
    body = lines[3] if len(lines) > 3 else ""
    if not body.strip():
        raise DatasetError("The dataset has no samples.")
    matrix, ids = _parse_rows(body, n_columns=expected, labelled=labelled)
    if labelled:
        return dataset_build(
            features=matrix[:, :-1],
            labels=matrix[:, -1],
            columns=headers[:-1],
            target_classes=classes,
            metadata=metadata,
        )
    return dataset_build(
        features=matrix,
        sample_ids=ids,
        columns=headers[1:],
        target_classes=classes,
        metadata=metadata,
    )


def _parse_rows(
    body: str, *, n_columns: int, labelled: bool
) -> tuple[np.ndarray, list[str] | None]:
    """Fast path with numpy's C parser; the careful path finds and names the bad cell."""
    first = 0 if labelled else 1
    try:
        matrix = np.loadtxt(
            io.StringIO(body),
            delimiter=",",
            quotechar='"',
            dtype=np.float64,
            ndmin=2,
            usecols=range(first, n_columns),
        )
        ids = None
        if not labelled:
            # Sample ids ("<sample>-<range>") need no CSV quoting: split, don't parse.
            ids = [line.split(",", 1)[0] for line in body.split("\n") if line.strip()]
            if any(i.startswith('"') for i in ids) or len(ids) != matrix.shape[0]:
                raise ValueError("quoted sample ids")
        if matrix.shape[1] == n_columns - first and _same_width(body, n_columns):
            return matrix, ids
    except (ValueError, OverflowError):
        pass
    return _parse_rows_slowly(body, n_columns=n_columns, labelled=labelled)


def _same_width(body: str, n_columns: int) -> bool:
    """loadtxt with usecols ignores extra columns: count the separators of every line.

    A quoted comma also counts, which only sends such a file to the careful path.
    """
    commas = n_columns - 1
    return all(line.count(",") == commas for line in body.split("\n") if line.strip())


def _parse_rows_slowly(
    body: str, *, n_columns: int, labelled: bool
) -> tuple[np.ndarray, list[str] | None]:
    first = 0 if labelled else 1
    rows: list[list[float]] = []
    ids: list[str] = []
    reader = csv.reader(io.StringIO(body, newline=""))
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise DatasetError(
                f"Line {reader.line_num + 3} is not valid CSV: {exc}."
            ) from None
        if row is None:
            break
        line_number = reader.line_num + 3
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != n_columns:
            raise DatasetError(
                f"Line {line_number} has {len(row)} columns; the headers have "
                f"{n_columns}."
            )
        if not labelled:
            ids.append(row[0])
        numbers = []
        for column, cell in enumerate(row[first:], start=first + 1):
            cell = cell.strip()
            if cell == "":
                numbers.append(0.0)
                continue
            try:
                numbers.append(float(cell))
            except ValueError:
                raise DatasetError(
                    f"Line {line_number}, column {column}: {cell[:40]!r} is not a "
                    "number."
                ) from None
        rows.append(numbers)
    if not rows:
        raise DatasetError("The dataset has no samples.")
    return np.asarray(rows, dtype=np.float64), (None if labelled else ids)


def _quote(value: object) -> str:
    text = str(value)
    if any(char in _QUOTE_CHARS for char in text):
        return '"' + text.replace('"', '""') + '"'
    return text


def dataset_to_csv(
    dataset: Dataset,
    *,
    labelled: bool | None = None,
    target_column: str = "target",
    timesplitting: str = "",
    moodle_version: str = "",
) -> bytes:
    """Write a dataset as Moodle writes it (PHP fputcsv quoting, LF line ends).

    `labelled` defaults to whether the dataset has labels. Values are written with 17
    significant digits so a round trip gives back the same floats.
    """
    if labelled is None:
        labelled = dataset.labelled
    if labelled and dataset.labels is None:
        raise DatasetError("A labelled dataset needs labels.")
    n_features = dataset.features.shape[1]
    meta = {
        "timesplitting": timesplitting or dataset.metadata.get("timesplitting", ""),
        "nfeatures": str(n_features),
        "moodleversion": moodle_version or dataset.metadata.get("moodleversion", ""),
        "targetcolumn": dataset.metadata.get("targetcolumn", target_column),
        "targettype": "discrete",
        "targetclasses": json.dumps(dataset.target_classes, separators=(",", ":")),
    }
    out = io.StringIO()
    out.write(",".join(METADATA_NAMES) + "\n")
    out.write(",".join(_quote(meta[name]) for name in METADATA_NAMES) + "\n")
    if labelled:
        headers = [*dataset.columns, meta["targetcolumn"]]
        matrix = np.column_stack([dataset.features, dataset.labels])
        fmt = ["%.17g"] * n_features + ["%d"]
    else:
        headers = [SAMPLEID, *dataset.columns]
        matrix = dataset.features
        fmt = ["%.17g"] * n_features
    out.write(",".join(_quote(h) for h in headers) + "\n")
    if labelled:
        np.savetxt(out, matrix, fmt=fmt, delimiter=",", newline="\n")
    else:
        body = io.StringIO()
        np.savetxt(body, matrix, fmt=fmt, delimiter=",", newline="\n")
        for sample_id, line in zip(
            dataset.ids(), body.getvalue().splitlines(), strict=True
        ):
            out.write(f"{_quote(sample_id)},{line}\n")
    return out.getvalue().encode("utf-8")
