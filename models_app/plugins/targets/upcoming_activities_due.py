"""Upcoming activities due (Moodle's core_user upcoming_activities_due)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from models_app.plugins.base import Action
from models_app.plugins.targets.kinds import AnalysisTarget

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData


class UpcomingActivitiesDue(AnalysisTarget):
    """Rule-based, per user: 1 when the activities_due indicator is 1 for the
    upcoming range. The insight goes to the user themself."""

    key = "upcoming_activities_due"
    label = gettext_lazy("Upcoming activities due")
    moodle_id = "\\core_user\\analytics\\target\\upcoming_activities_due"
    analysable_kind = "user"
    sample_kind = "user"
    based_on_assumptions = True
    one_sample_per_analysable = True
    always_update_analysis_time = False
    link_insights_report = False
    accepted_interval_kinds: ClassVar[frozenset[str]] = frozenset({"after_now"})
    required_indicators: ClassVar[tuple[str, ...]] = ("activities_due",)

    def calculate(
        self, *, data: AnalysisData, indicators: dict[str, np.ndarray]
    ) -> np.ndarray:
        return np.where(indicators["activities_due"] == 1, 1.0, 0.0)

    def insight_subject(self, *, context_name: str) -> str:
        return _("You have upcoming activities due")

    def insight_body(self, *, first_name: str, context_name: str) -> str:
        return _("Hi %(first_name)s,\n\nYou have upcoming activities due:") % {
            "first_name": first_name
        }

    def prediction_actions(self, *, sample_url_args: dict[str, Any]) -> list[Action]:
        return [
            Action(
                name="viewupcoming",
                label=gettext_lazy("View the upcoming activities due"),
                url="",
                kind="neutral",
            )
        ]
