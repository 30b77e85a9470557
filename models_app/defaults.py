"""Moodle's default analytics models (lib/db/analytics.php, 4.1).

Plain data: the data migration that installs them and "Restore default models" both
read it. A default is identified by its target and its set of indicators, as Moodle's
restore page does.
"""

from __future__ import annotations

from dataclasses import dataclass

_ACTIVITY_MODULES = [
    "assign",
    "book",
    "chat",
    "choice",
    "data",
    "feedback",
    "folder",
    "forum",
    "glossary",
    "imscp",
    "label",
    "lesson",
    "lti",
    "page",
    "quiz",
    "resource",
    "scorm",
    "survey",
    "url",
    "wiki",
    "workshop",
]


@dataclass(frozen=True)
class DefaultModel:
    key: str
    target: str
    indicators: tuple[str, ...]
    interval: str
    enabled: bool
    rule_based: bool

    def signature(self) -> tuple[str, frozenset[str]]:
        return (self.target, frozenset(self.indicators))


DEFAULT_MODELS: tuple[DefaultModel, ...] = (
    DefaultModel(
        key="course_dropout",
        target="course_dropout",
        indicators=(
            "any_access_after_end",
            "any_access_before_start",
            "any_write_action_in_course",
            "read_actions",
            "completion_enabled",
            "potential_cognitive_depth",
            "potential_social_breadth",
            *(
                f"mod_{module}_{kind}"
                for module in _ACTIVITY_MODULES
                for kind in ("cognitive_depth", "social_breadth")
            ),
        ),
        interval="",
        enabled=False,
        rule_based=False,
    ),
    DefaultModel(
        key="no_teaching",
        target="no_teaching",
        indicators=("no_teacher", "no_student"),
        interval="single_range",
        enabled=True,
        rule_based=True,
    ),
    DefaultModel(
        key="upcoming_activities_due",
        target="upcoming_activities_due",
        indicators=("activities_due",),
        interval="upcoming_week",
        enabled=True,
        rule_based=True,
    ),
    DefaultModel(
        key="no_access_since_course_start",
        target="no_access_since_course_start",
        indicators=("any_course_access",),
        interval="one_month_after_start",
        enabled=True,
        rule_based=True,
    ),
    DefaultModel(
        key="no_recent_accesses",
        target="no_recent_accesses",
        indicators=("any_course_access",),
        interval="past_month",
        enabled=True,
        rule_based=True,
    ),
)
