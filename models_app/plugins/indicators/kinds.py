"""Indicator kinds (Moodle's binary, linear and discrete indicators) and key scheme.

An indicator computes, for every row of a chunk (a sample in a range), a value in
[-1, 1] or NaN ("no value"), from `models_app.analysis.data.AnalysisData`:

    values = indicator.calculate(data)   # shape (len(data.rows),)

- binary: -1 or 1, one column named by the key.
- linear: any value in [-1, 1], rounded to 2 decimals; two columns, the key and
  "<key>/mean", the mean of the values of all samples of the same analysable and
  range (Moodle's mean: NaN counts as 0 in the sum and 1 in the count; NaN when all
  values are NaN).

Keys: Moodle's class name without its namespace for core indicators
(`\\core\\analytics\\indicator\\read_actions` is `read_actions`,
`\\core_course\\analytics\\indicator\\no_teacher` is `no_teacher`), and
"<component>_<name>" for activity modules (`\\mod_assign\\analytics\\indicator\\cognitive_depth`
is `mod_assign_cognitive_depth`). `moodle_id` keeps the full Moodle name, used in
dataset CSV files and exports; `moodle_key()` maps back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from models_app.plugins.base import Indicator

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


def php_round(values: np.ndarray | float, decimals: int = 2) -> np.ndarray:
    """PHP's round(): halves away from zero, after pre-rounding away float noise
    (PHP gives round(-0.665, 2) = -0.67 where numpy's banker's rounding of the
    float nearest -0.665 gives -0.66)."""
    scale = 10.0**decimals
    scaled = np.round(np.asarray(values, dtype=float) * scale, 9)
    return np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) / scale


def classify(values: np.ndarray, upper_bounds: list[np.ndarray]) -> np.ndarray:
    """Moodle's classify_value: the i-th of n bands maps to round(-1 + 2i/(n-1), 2).

    `upper_bounds[i]` is the inclusive upper bound of band i (per row); values above
    the last bound fall in the last band.
    """
    n = len(upper_bounds) + 1
    band = np.full(values.shape, n - 1, dtype=np.int64)
    for i in reversed(range(len(upper_bounds))):
        band = np.where(values <= upper_bounds[i], i, band)
    return php_round(-1 + band * 2 / (n - 1), 2)


def binary(condition: np.ndarray) -> np.ndarray:
    return np.where(condition, 1.0, -1.0)


class BaseIndicator(Indicator):
    """What every Foresight indicator declares beyond the plug-in contract."""

    #: "binary", "linear" or "discrete".
    kind: ClassVar[str] = "binary"
    #: Moodle's full class name.
    moodle_id: ClassVar[str] = ""
    #: Sample kinds the indicator can compute ("enrolment", "course", "user").
    sample_kinds: ClassVar[frozenset[str]] = frozenset({"enrolment"})
    #: Whether it reads per-activity counts of ordinary (not named) events: the
    #: chunk's aggregate then keeps every activity's groups (see
    #: LogReader.aggregate's `activity_detail`), many times more of them.
    needs_activity_counts: ClassVar[bool] = False
    #: Whether a row's value depends on the other rows analysed with it (its
    #: classmates: the same `data.rows.pos`). The chunk then computes it over every
    #: row of the range, the ones already predicted or trained on too, and never
    #: reads nor writes the calculation cache for it (the cache is keyed by sample
    #: and range, not by group).
    group_relative: ClassVar[bool] = False

    def calculate(self, data: AnalysisData) -> np.ndarray:
        raise NotImplementedError


class BinaryIndicator(BaseIndicator):
    kind: ClassVar[str] = "binary"


class LinearIndicator(BaseIndicator):
    kind: ClassVar[str] = "linear"
    #: Moodle's include_averages(): add the "/mean" column.
    include_averages: ClassVar[bool] = True

    def columns(self) -> list[str]:
        if self.include_averages:
            return [self.key, f"{self.key}/mean"]
        return [self.key]


def moodle_key(moodle_id: str) -> str:
    """The Foresight key of a Moodle indicator or target class name."""
    parts = [p for p in moodle_id.split("\\") if p]
    if len(parts) != 4:
        raise ValueError(f"Not a Moodle analytics class name: {moodle_id!r}")
    component, _analytics, _kind, name = parts
    if component.startswith("mod_"):
        return f"{component}_{name}"
    return name
