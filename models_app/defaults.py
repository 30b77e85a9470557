"""Moodle's default analytics models (lib/db/analytics.php, 4.1), and one change.

The dropout model also has Foresight's own indicators (relative activity, days since
the last access, assessments handed in, handed in on time and their scores, and four
of them compared with classmates) and leaves out Moodle's per-activity-type ones
(mod_*): with Moodle's indicators alone it predicted no better than counting clicks on
the OULAD data (ROC AUC 0.61-0.71 at 25% and 50% of the course, clicks 0.55-0.71).
Learnt on one OULAD presentation and replayed on the other (`bench/quality.py`,
quarters, logistic regression, 25% / 50%), Foresight's first four with the mod_* ones
gave 0.81 / 0.89 from AAA to BBB and 0.76 / 0.78 from BBB to AAA; without the mod_*
ones and with the classmates variants 0.83 / 0.91 and 0.78 / 0.84; this set, with
assessments handed in on time, 0.84 / 0.91 and 0.83 / 0.89 (README, quality section).
The mod_* indicators describe a course's layout in its own units (which module types
it uses, and how deep they go): learnt on one course they mislead on another. A model
with Foresight's indicators does not import into Moodle, which lacks them; remove them
before exporting to a Moodle site.

Plain data: the data migration that installs them and "Restore default models" both
read it. A default is identified by its target and its set of indicators, as Moodle's
restore page does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.utils import timezone

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


#: The course-level indicators of Moodle's dropout model (the default model keeps them).
MOODLE_COURSE_INDICATORS = (
    "any_access_after_end",
    "any_access_before_start",
    "any_write_action_in_course",
    "read_actions",
    "completion_enabled",
    "potential_cognitive_depth",
    "potential_social_breadth",
)

#: Moodle's own default dropout model's indicators ("moodle" in bench/analysis.py).
MOODLE_DROPOUT_INDICATORS = (
    *MOODLE_COURSE_INDICATORS,
    *(
        f"mod_{module}_{kind}"
        for module in _ACTIVITY_MODULES
        for kind in ("cognitive_depth", "social_breadth")
    ),
)

#: Foresight's own indicators (not in Moodle) in the default dropout model.
FORESIGHT_DROPOUT_INDICATORS = (
    "relative_activity",
    "days_since_last_access",
    "assessments_submitted",
    "assessment_scores",
    "read_actions_classmates",
    "days_since_last_access_classmates",
    "assessments_submitted_classmates",
    "assessment_scores_classmates",
    "assessments_on_time",
)


@dataclass(frozen=True)
class DefaultModel:
    key: str
    target: str
    indicators: tuple[str, ...]
    interval: str
    enabled: bool
    rule_based: bool
    #: The indicator sets this default had in earlier releases: a site whose model
    #: still has one of them has this default (it is not offered again, so
    #: "Restore default models" never makes a second model of the same target).
    earlier_indicators: tuple[tuple[str, ...], ...] = ()

    def signature(self) -> tuple[str, frozenset[str]]:
        return (self.target, frozenset(self.indicators))

    def signatures(self) -> set[tuple[str, frozenset[str]]]:
        """Its signature now and in earlier releases."""
        return {self.signature()} | {
            (self.target, frozenset(earlier)) for earlier in self.earlier_indicators
        }


DEFAULT_MODELS: tuple[DefaultModel, ...] = (
    DefaultModel(
        key="course_dropout",
        target="course_dropout",
        indicators=(*MOODLE_COURSE_INDICATORS, *FORESIGHT_DROPOUT_INDICATORS),
        interval="",
        enabled=False,
        rule_based=False,
        earlier_indicators=(
            # Until 2026-12-02: without assessments handed in on time.
            (*MOODLE_COURSE_INDICATORS, *FORESIGHT_DROPOUT_INDICATORS[:8]),
            # Until 2026-12-01: Moodle's 49 and Foresight's first four.
            (*MOODLE_DROPOUT_INDICATORS, *FORESIGHT_DROPOUT_INDICATORS[:4]),
            # The first release: Moodle's own.
            MOODLE_DROPOUT_INDICATORS,
        ),
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


# Nightly runs and the hourly cleanup: (name, task, minute, hour, description).
DEFAULT_SCHEDULES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "Train models",
        "models_app.tasks.train_models_task",
        "0",
        "1",
        "Every night at 01:00: trains every enabled model that learns from data.",
    ),
    (
        "Predict models",
        "models_app.tasks.predict_models_task",
        "0",
        "3",
        "Every night at 03:00: predicts with every enabled, trained model.",
    ),
    (
        "Analytics cleanup",
        "models_app.tasks.analytics_cleanup_task",
        "42",
        "*",
        "Every hour at minute 42: deletes indicator calculations older than the "
        "calculations lifetime setting.",
    ),
)


def default_models_install(apps) -> int:
    """Create each default model whose target has no model yet; return how many.

    Moodle does the same on install and upgrade, so a model an admin edited stays
    theirs. `apps` is the app registry of a migration or of post_migrate.
    """
    model_cls = apps.get_model("models_app", "AnalyticsModel")
    version = int(time.time())
    created = 0
    for default in DEFAULT_MODELS:
        if model_cls.objects.filter(target=default.target).exists():
            continue
        model_cls.objects.create(
            target=default.target,
            indicators=list(default.indicators),
            interval=default.interval,
            enabled=default.enabled,
            trained=default.rule_based,
            version=version,
        )
        created += 1
    return created


def default_schedules_install(apps) -> int:
    """Create each missing periodic task (matched by name); never touch existing ones."""
    crontab_cls = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_cls = apps.get_model("django_celery_beat", "PeriodicTask")
    tasks_changed = apps.get_model("django_celery_beat", "PeriodicTasks")
    created = 0
    for name, task, minute, hour, description in DEFAULT_SCHEDULES:
        if task_cls.objects.filter(name=name).exists():
            continue
        crontab, _created = crontab_cls.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        task_cls.objects.create(
            name=name, task=task, crontab=crontab, description=description
        )
        created += 1
    if created:
        # Tell a running beat to reload its schedule.
        tasks_changed.objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )
    return created
