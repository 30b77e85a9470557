"""Plug-in contracts: analysis intervals, indicators, targets and predictions processors.

Each plug-in is a small class with a stable `key` (stored in the database, never
renamed; Moodle's names so exported models map across) and a translatable `label`.
`__init__` takes keyword-only parameters and only stores them (scikit-learn's rule), so
`cls(**obj.get_params())` round-trips through a JSON row.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar


class Plugin:
    key: ClassVar[str] = ""
    label: ClassVar[Any] = ""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            name
            for name, param in signature.parameters.items()
            if name != "self" and param.kind is param.KEYWORD_ONLY
        ]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


@dataclass(frozen=True)
class Range:
    """One moment of analysis: activity in [start, end] predicts at `time`."""

    index: int
    start: int
    end: int
    time: int


@dataclass(frozen=True)
class Action:
    """Something a person can do with a prediction (or with several, in bulk)."""

    name: str
    label: Any
    url: str = ""
    kind: str = "neutral"  # "positive", "neutral" or "negative", as Moodle's types
    bulk: bool = False


@dataclass
class Analysable:
    """What a target analyses: a course, the site, or a user.

    Times are Unix timestamps; `start`/`end` may be None when the course has none.
    """

    id: int
    kind: str  # "course", "site" or "user"
    start: int | None
    end: int | None
    context_id: int | None = None
    name: str = ""
    visible: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class IntervalNotApplicable(ValueError):
    """An interval cannot cut this analysable (no end date, not started long enough...).

    The message says why, in words for an admin's log.
    """


class Interval(Plugin):
    """Cuts an analysable into ranges (Moodle's time-splitting methods).

    The engine asks `not_applicable_reason()` first (Moodle's is_valid_analysable);
    `ranges()` raises IntervalNotApplicable when called anyway. Range indexes are
    positions in the list (Moodle's array keys, the `rangeindex` of a sample id).
    The families and markers targets test for ("before_now", "past_periodic", ...)
    are in models_app.plugins.intervals.base.
    """

    #: Whether evaluation may use this interval (Moodle's valid_for_evaluation()).
    valid_for_evaluation: ClassVar[bool] = True
    #: Whether the dataset gets one-hot range columns (Moodle's include_range_info...).
    adds_range_columns: ClassVar[bool] = False
    #: Whether indicator values of its ranges may be cached and reused (Moodle's
    #: cache_indicator_calculations()): false when ranges depend on "now".
    cache_indicator_calculations: ClassVar[bool] = True
    #: Families this interval belongs to, e.g. {"before_now", "equal_parts"}; targets
    #: say which intervals they accept with these (Moodle's marker interfaces).
    kinds: ClassVar[frozenset[str]] = frozenset()

    def not_applicable_reason(
        self, analysable: Analysable, *, now: int | None = None
    ) -> str | None:
        """None when the interval can cut `analysable` at `now`, else why not."""
        return None

    def ranges(
        self, analysable: Analysable, *, now: int, first_analysis: int | None = None
    ) -> list[Range]:
        """The ranges of `analysable` seen at `now`.

        `first_analysis` is when the model first analysed this analysable (Moodle's
        modelfirstanalyses cache); only the upcoming intervals use it.
        """
        raise NotImplementedError

    def ready_to_predict(self, range_: Range, *, now: int) -> bool:
        """Moodle's rule: a range is predictable once its prediction time has come."""
        return range_.time <= now

    def ready_to_train(self, range_: Range, *, now: int) -> bool:
        """Moodle's rule: training needs the prediction time and the end passed."""
        return range_.time <= now and range_.end <= now

    def training_ranges(self, ranges: list[Range], *, now: int) -> list[Range]:
        return [r for r in ranges if self.ready_to_train(r, now=now)]

    def prediction_range(self, ranges: list[Range], *, now: int) -> Range | None:
        """The highest-index range ready to predict (Moodle's most recent range)."""
        for range_ in reversed(ranges):
            if self.ready_to_predict(range_, now=now):
                return range_
        return None


class Indicator(Plugin):
    """Turns aggregated activity of all samples of a range into feature columns.

    Values are in [-1, 1]; NaN means "no value". Works on whole arrays, never one
    sample at a time.
    """

    #: Whether its value depends only on the course, never on the student (e.g.
    #: completion tracking enabled): the same for every enrolment of a course, so
    #: the insight pages list it with the class's reasons, not the student's.
    course_wide: ClassVar[bool] = False

    def columns(self) -> list[str]:
        """Column names this indicator adds (usually one: its key)."""
        return [self.key]

    def row_details(self, data: Any) -> list[Any] | None:
        """Per row of `data`, what a prediction's insight shows beside the value
        (e.g. the activities due), falsy when nothing; None when the indicator has
        no details (the default). Datasets keep them in `extra[key]`."""
        return None


class Target(Plugin):
    """What a model predicts, on which analysables and samples, and what people can do."""

    #: "course" (analysable is a course), "site" or "user".
    analysable_kind: ClassVar[str] = "course"
    #: "enrolment", "course" or "user".
    sample_kind: ClassVar[str] = "enrolment"
    #: Rule-based targets (Moodle's based_on_assumptions) need no training.
    based_on_assumptions: ClassVar[bool] = False
    classes: ClassVar[tuple[int, ...]] = (0, 1)
    ignored_classes: ClassVar[tuple[int, ...]] = (0,)
    min_prediction_score: ClassVar[float] = 0.6
    #: One sample per analysable (users, courses analysers): one insight per prediction.
    one_sample_per_analysable: ClassVar[bool] = False

    def classes_description(self) -> list[Any]:
        raise NotImplementedError

    def accepts_interval(self, interval: Interval) -> bool:
        raise NotImplementedError

    def insight_subject(self, *, context_name: str) -> str:
        raise NotImplementedError

    def insight_body(self, *, first_name: str, context_name: str) -> str:
        raise NotImplementedError

    def prediction_actions(self, *, sample_url_args: dict[str, Any]) -> list[Action]:
        raise NotImplementedError

    def bulk_actions(self) -> list[Action]:
        raise NotImplementedError


class Processor(Plugin):
    """A predictions processor (Moodle's mlbackend): learns, predicts, evaluates.

    A dataset is an `mlbackend.engine.dataset.Dataset` (numpy matrix, column names,
    sample ids, labels, target classes) or a file in Moodle's CSV format (bytes).
    `model_id` names the model and its version (letters, digits, '_' and '-'; e.g.
    `models_app.plugins.processors.model_unique_id()`, Moodle's uniqueid); the model
    lives under `output_dir / model_id`. Outcomes the ML backend protocol expresses as
    result codes (not enough data, low score, not trained, bad dataset) come back in
    `Result.status` and `Result.info`; a processor that cannot work at all (server
    unreachable, wrong password) raises `ProcessorError` with the reason.
    """

    def is_ready(self) -> str | None:
        """None when usable, else the reason it is not, in words for an admin."""
        raise NotImplementedError

    def train(self, *, model_id: str, dataset: Any, output_dir: Path) -> Any:
        """Learn from new labelled samples, keeping what earlier runs learnt."""
        raise NotImplementedError

    def predict(self, *, model_id: str, dataset: Any, output_dir: Path) -> Any:
        """`Result.predictions`: one (sample id, class value, probability) per sample."""
        raise NotImplementedError

    def evaluate(
        self,
        *,
        model_id: str,
        dataset: Any,
        output_dir: Path,
        min_score: float = 0.7,
        max_deviation: float = 0.05,
        n_iterations: int = 10,
        trained_model: bool = False,
    ) -> Any:
        """Moodle's evaluation; `trained_model` scores the stored model on all data.

        `Result.dir` is the folder with the graphs and metrics of this run.
        """
        raise NotImplementedError

    def export(self, *, model_id: str, output_dir: Path) -> bytes:
        """The trained model as a zip that `import_` accepts."""
        raise NotImplementedError

    def import_(self, *, model_id: str, output_dir: Path, data: bytes) -> None:
        """Replace the model with an exported one (validated, never unpickled)."""
        raise NotImplementedError

    def clear(self, *, model_id: str, output_dir: Path) -> None:
        """Forget the trained model and its evaluations."""
        raise NotImplementedError
