"""Result codes and result objects, as Moodle's analytics API and ML backend use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Moodle's core_analytics\model constants (shared/reference/moodle-analytics.md §5).
OK = 0
GENERAL_ERROR = 1
NO_DATASET = 2
LOW_SCORE = 4
NOT_ENOUGH_DATA = 8

MIN_SCORE = 0.7
ACCEPTED_DEVIATION = 0.05
EVALUATION_ITERATIONS = 10


class EngineError(Exception):
    """A problem with the input or the stored model, explained for an admin.

    `status` is the Moodle result code that the ML backend protocol reports for it.
    """

    def __init__(self, message: str, *, status: int = GENERAL_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class DatasetError(EngineError):
    """The dataset file or matrix is not in Moodle's format or is unusable."""


@dataclass
class Prediction:
    sample_id: str
    prediction: int
    score: float


@dataclass
class Result:
    """What train, predict and evaluate return: Moodle's {status, info, ...} shape."""

    status: int = OK
    info: list[str] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    score: float | None = None
    deviation: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    dir: str = ""
    runid: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK
