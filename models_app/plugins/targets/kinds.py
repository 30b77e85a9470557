"""What Foresight targets add to the plug-in contract (additive to base.Target).

Analysis calls, for a chunk of analysables (`data` is an AnalysisData):

- `analysable_invalid_reason(analysable=, data=, mode=, now=)`: None when the
  analysable can be used for `mode` ("training", "prediction" or "evaluation"),
  else the reason, in words for the model's log (Moodle's is_valid_analysable).
- `samples_valid(data=, mode=, now=)`: a bool per sample (Moodle's is_valid_sample).
- `rows_valid(data=, mode=)`: a bool per (sample, range) row; the enrolment targets
  keep enrolments active during at least 70% of the range.
- `calculate(data=, indicators=)`: the label per row (NaN: no label, the row is
  dropped from training); `indicators` holds the values of the model's indicators
  and of `required_indicators` (rule-based targets label from them).

Insight texts and actions (`insight_subject`, `insight_body`, `prediction_actions`,
`bulk_actions`) keep base.Target's keyword-only signatures. `prediction_actions`
reads these keys of `sample_url_args` when present: "prediction_id", "user_id",
"course_id".

Keys are Moodle's class names without their namespace (`course_dropout` is
`\\core_course\\analytics\\target\\course_dropout`); `moodle_id` keeps the full name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Action, Analysable, Interval, Target

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


def url_or_blank(name: str, *args: Any) -> str:
    """The URL of a named view, or "" when the view is not installed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


class AnalysisTarget(Target):
    """Defaults shared by Foresight's targets (Moodle's target base and binary)."""

    moodle_id: ClassVar[str] = ""
    #: Interval families (base.Interval.kinds) this target accepts.
    accepted_interval_kinds: ClassVar[frozenset[str]] = frozenset({"before_now"})
    #: Indicators the label is computed from (rule-based targets).
    required_indicators: ClassVar[tuple[str, ...]] = ()
    #: Moodle's always_update_analysis_time(): record the analysis time of an
    #: analysable even when it gave no sample.
    always_update_analysis_time: ClassVar[bool] = True
    #: Moodle's link_insights_report(): add the "details" action.
    link_insights_report: ClassVar[bool] = True
    #: Whether one insight message lists predictions for the context's people.
    insight_info: ClassVar[Any] = ""

    # -- compatibility ---------------------------------------------------------------

    def accepts_interval(self, interval: Interval) -> bool:
        return bool(self.accepted_interval_kinds & frozenset(interval.kinds))

    def interval_refusal(self, interval: Interval) -> str | None:
        if self.accepts_interval(interval):
            return None
        return _(
            'The target "%(target)s" cannot use the analysis interval "%(interval)s".'
        ) % {"target": self.label, "interval": interval.label}

    # -- analysis --------------------------------------------------------------------

    def analysable_invalid_reason(
        self, *, analysable: Analysable, data: AnalysisData, mode: str, now: int
    ) -> str | None:
        return None

    def samples_valid(self, *, data: AnalysisData, mode: str, now: int) -> np.ndarray:
        return np.ones(len(data.samples), dtype=bool)

    def rows_valid(self, *, data: AnalysisData, mode: str) -> np.ndarray:
        return np.ones(len(data.rows), dtype=bool)

    def calculate(
        self, *, data: AnalysisData, indicators: dict[str, np.ndarray]
    ) -> np.ndarray:
        raise NotImplementedError

    # -- classes, insights and actions --------------------------------------------

    def classes_description(self) -> list[Any]:
        return [gettext_lazy("No"), gettext_lazy("Yes")]

    def outcome(self, predicted_class: int) -> str:
        """Moodle's binary outcome: "very_negative" for 1, "very_positive" otherwise."""
        if predicted_class in self.ignored_classes or predicted_class == 0:
            return "very_positive"
        return "very_negative"

    def insight_subject(self, *, context_name: str) -> str:
        return _('New insight for "%(context)s"') % {"context": context_name}

    def insight_body(self, *, first_name: str, context_name: str) -> str:
        return _("The system generated an insight for you.")

    def details_action(self, *, sample_url_args: dict[str, Any]) -> list[Action]:
        if not self.link_insights_report:
            return []
        if not self.based_on_assumptions:
            label = gettext_lazy("View prediction details")
        elif self.one_sample_per_analysable:
            label = gettext_lazy("View insight details")
        else:
            label = gettext_lazy("View details")
        prediction = sample_url_args.get("prediction_id")
        url = url_or_blank("insights:prediction", prediction) if prediction else ""
        return [Action(name="predictiondetails", label=label, url=url, kind="neutral")]

    def prediction_actions(self, *, sample_url_args: dict[str, Any]) -> list[Action]:
        return self.details_action(sample_url_args=sample_url_args)

    def bulk_actions(self) -> list[Action]:
        if self.one_sample_per_analysable:
            return [
                Action("useful", gettext_lazy("Useful"), kind="positive", bulk=True),
                Action(
                    "notuseful", gettext_lazy("Not useful"), kind="negative", bulk=True
                ),
            ]
        # Moodle quirk kept: the "incorrectly flagged" action is offered by
        # rule-based targets too (its guard is always false in Moodle's base class).
        return [
            Action("fixed", gettext_lazy("Accept"), kind="positive", bulk=True),
            Action(
                "notapplicable",
                gettext_lazy("Not applicable"),
                kind="neutral",
                bulk=True,
            ),
            Action(
                "incorrectlyflagged",
                gettext_lazy("Incorrectly flagged"),
                kind="negative",
                bulk=True,
            ),
        ]
