"""Registries of plug-ins: key -> dotted path, imported on first use.

One explicit dict per kind; no auto-discovery and no import-time side effects. Keys
are stored in the database: never rename one.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from models_app.plugins.base import Indicator, Interval, Processor, Target

# Analysis intervals (Moodle's time-splitting methods).
INTERVALS: dict[str, str] = {
    "quarters": "models_app.plugins.intervals.quarters.Quarters",
    "quarters_accum": "models_app.plugins.intervals.quarters_accum.QuartersAccum",
    "deciles": "models_app.plugins.intervals.deciles.Deciles",
    "deciles_accum": "models_app.plugins.intervals.deciles_accum.DecilesAccum",
    "single_range": "models_app.plugins.intervals.single_range.SingleRange",
    "no_splitting": "models_app.plugins.intervals.no_splitting.NoSplitting",
    "past_3_days": "models_app.plugins.intervals.past_3_days.Past3Days",
    "past_week": "models_app.plugins.intervals.past_week.PastWeek",
    "past_month": "models_app.plugins.intervals.past_month.PastMonth",
    "upcoming_3_days": "models_app.plugins.intervals.upcoming_3_days.Upcoming3Days",
    "upcoming_week": "models_app.plugins.intervals.upcoming_week.UpcomingWeek",
    "upcoming_fortnight": "models_app.plugins.intervals.upcoming_fortnight.UpcomingFortnight",
    "one_week_after_start": "models_app.plugins.intervals.one_week_after_start.OneWeekAfterStart",
    "one_month_after_start": "models_app.plugins.intervals.one_month_after_start.OneMonthAfterStart",
    "ten_percent_after_start": "models_app.plugins.intervals.ten_percent_after_start.TenPercentAfterStart",
}

# Indicators. Keys: Moodle's class names without namespace; activity modules as
# mod_<type>_<name> (\\mod_assign\\analytics\\indicator\\cognitive_depth is
# mod_assign_cognitive_depth). See models_app/plugins/indicators/kinds.py.
INDICATORS: dict[str, str] = {
    "any_access_after_end": "models_app.plugins.indicators.any_access_after_end.AnyAccessAfterEnd",
    "any_access_before_start": "models_app.plugins.indicators.any_access_before_start.AnyAccessBeforeStart",
    "any_course_access": "models_app.plugins.indicators.any_course_access.AnyCourseAccess",
    "any_write_action": "models_app.plugins.indicators.any_write_action.AnyWriteAction",
    "any_write_action_in_course": "models_app.plugins.indicators.any_write_action_in_course.AnyWriteActionInCourse",
    "read_actions": "models_app.plugins.indicators.read_actions.ReadActions",
    "user_profile_set": "models_app.plugins.indicators.user_profile_set.UserProfileSet",
    "completion_enabled": "models_app.plugins.indicators.completion_enabled.CompletionEnabled",
    "potential_cognitive_depth": "models_app.plugins.indicators.potential_cognitive_depth.PotentialCognitiveDepth",
    "potential_social_breadth": "models_app.plugins.indicators.potential_social_breadth.PotentialSocialBreadth",
    "activities_due": "models_app.plugins.indicators.activities_due.ActivitiesDue",
    "no_teacher": "models_app.plugins.indicators.no_teacher.NoTeacher",
    "no_student": "models_app.plugins.indicators.no_student.NoStudent",
    # Foresight's own indicators (not in Moodle).
    "relative_activity": "models_app.plugins.indicators.relative_activity.RelativeActivity",
    "days_since_last_access": "models_app.plugins.indicators.days_since_last_access.DaysSinceLastAccess",
    "assessments_submitted": "models_app.plugins.indicators.assessments_submitted.AssessmentsSubmitted",
    "assessments_on_time": "models_app.plugins.indicators.assessments_on_time.AssessmentsOnTime",
    "assessment_scores": "models_app.plugins.indicators.assessment_scores.AssessmentScores",
    "active_weeks": "models_app.plugins.indicators.active_weeks.ActiveWeeks",
    "recent_activity": "models_app.plugins.indicators.recent_activity.RecentActivity",
    "read_actions_classmates": "models_app.plugins.indicators.classmates.ReadActionsComparedWithClassmates",
    "days_since_last_access_classmates": "models_app.plugins.indicators.classmates.DaysSinceLastAccessComparedWithClassmates",
    "assessments_submitted_classmates": "models_app.plugins.indicators.classmates.AssessmentsSubmittedComparedWithClassmates",
    "assessment_scores_classmates": "models_app.plugins.indicators.classmates.AssessmentScoresComparedWithClassmates",
    "assessments_on_time_classmates": "models_app.plugins.indicators.classmates.AssessmentsOnTimeComparedWithClassmates",
    "days_since_last_reading": "models_app.plugins.indicators.days_since_last_kind_access.DaysSinceLastReading",
    "days_since_last_assessment": "models_app.plugins.indicators.days_since_last_kind_access.DaysSinceLastAssessment",
    "days_since_last_communication": "models_app.plugins.indicators.days_since_last_kind_access.DaysSinceLastCommunication",
    "days_since_last_reading_classmates": "models_app.plugins.indicators.days_since_last_kind_access.DaysSinceLastReadingComparedWithClassmates",
    "days_since_last_assessment_classmates": "models_app.plugins.indicators.days_since_last_kind_access.DaysSinceLastAssessmentComparedWithClassmates",
    "days_since_last_communication_classmates": "models_app.plugins.indicators.days_since_last_kind_access.DaysSinceLastCommunicationComparedWithClassmates",
    "mod_assign_cognitive_depth": "models_app.plugins.indicators.mod_assign.AssignCognitiveDepth",
    "mod_assign_social_breadth": "models_app.plugins.indicators.mod_assign.AssignSocialBreadth",
    "mod_book_cognitive_depth": "models_app.plugins.indicators.mod_book.BookCognitiveDepth",
    "mod_book_social_breadth": "models_app.plugins.indicators.mod_book.BookSocialBreadth",
    "mod_chat_cognitive_depth": "models_app.plugins.indicators.mod_chat.ChatCognitiveDepth",
    "mod_chat_social_breadth": "models_app.plugins.indicators.mod_chat.ChatSocialBreadth",
    "mod_choice_cognitive_depth": "models_app.plugins.indicators.mod_choice.ChoiceCognitiveDepth",
    "mod_choice_social_breadth": "models_app.plugins.indicators.mod_choice.ChoiceSocialBreadth",
    "mod_data_cognitive_depth": "models_app.plugins.indicators.mod_data.DataCognitiveDepth",
    "mod_data_social_breadth": "models_app.plugins.indicators.mod_data.DataSocialBreadth",
    "mod_feedback_cognitive_depth": "models_app.plugins.indicators.mod_feedback.FeedbackCognitiveDepth",
    "mod_feedback_social_breadth": "models_app.plugins.indicators.mod_feedback.FeedbackSocialBreadth",
    "mod_folder_cognitive_depth": "models_app.plugins.indicators.mod_folder.FolderCognitiveDepth",
    "mod_folder_social_breadth": "models_app.plugins.indicators.mod_folder.FolderSocialBreadth",
    "mod_forum_cognitive_depth": "models_app.plugins.indicators.mod_forum.ForumCognitiveDepth",
    "mod_forum_social_breadth": "models_app.plugins.indicators.mod_forum.ForumSocialBreadth",
    "mod_glossary_cognitive_depth": "models_app.plugins.indicators.mod_glossary.GlossaryCognitiveDepth",
    "mod_glossary_social_breadth": "models_app.plugins.indicators.mod_glossary.GlossarySocialBreadth",
    "mod_imscp_cognitive_depth": "models_app.plugins.indicators.mod_imscp.ImscpCognitiveDepth",
    "mod_imscp_social_breadth": "models_app.plugins.indicators.mod_imscp.ImscpSocialBreadth",
    "mod_label_cognitive_depth": "models_app.plugins.indicators.mod_label.LabelCognitiveDepth",
    "mod_label_social_breadth": "models_app.plugins.indicators.mod_label.LabelSocialBreadth",
    "mod_lesson_cognitive_depth": "models_app.plugins.indicators.mod_lesson.LessonCognitiveDepth",
    "mod_lesson_social_breadth": "models_app.plugins.indicators.mod_lesson.LessonSocialBreadth",
    "mod_lti_cognitive_depth": "models_app.plugins.indicators.mod_lti.LtiCognitiveDepth",
    "mod_lti_social_breadth": "models_app.plugins.indicators.mod_lti.LtiSocialBreadth",
    "mod_page_cognitive_depth": "models_app.plugins.indicators.mod_page.PageCognitiveDepth",
    "mod_page_social_breadth": "models_app.plugins.indicators.mod_page.PageSocialBreadth",
    "mod_quiz_cognitive_depth": "models_app.plugins.indicators.mod_quiz.QuizCognitiveDepth",
    "mod_quiz_social_breadth": "models_app.plugins.indicators.mod_quiz.QuizSocialBreadth",
    "mod_resource_cognitive_depth": "models_app.plugins.indicators.mod_resource.ResourceCognitiveDepth",
    "mod_resource_social_breadth": "models_app.plugins.indicators.mod_resource.ResourceSocialBreadth",
    "mod_scorm_cognitive_depth": "models_app.plugins.indicators.mod_scorm.ScormCognitiveDepth",
    "mod_scorm_social_breadth": "models_app.plugins.indicators.mod_scorm.ScormSocialBreadth",
    "mod_survey_cognitive_depth": "models_app.plugins.indicators.mod_survey.SurveyCognitiveDepth",
    "mod_survey_social_breadth": "models_app.plugins.indicators.mod_survey.SurveySocialBreadth",
    "mod_url_cognitive_depth": "models_app.plugins.indicators.mod_url.UrlCognitiveDepth",
    "mod_url_social_breadth": "models_app.plugins.indicators.mod_url.UrlSocialBreadth",
    "mod_wiki_cognitive_depth": "models_app.plugins.indicators.mod_wiki.WikiCognitiveDepth",
    "mod_wiki_social_breadth": "models_app.plugins.indicators.mod_wiki.WikiSocialBreadth",
    "mod_workshop_cognitive_depth": "models_app.plugins.indicators.mod_workshop.WorkshopCognitiveDepth",
    "mod_workshop_social_breadth": "models_app.plugins.indicators.mod_workshop.WorkshopSocialBreadth",
}

# Targets (keys: Moodle's class names without namespace).
TARGETS: dict[str, str] = {
    "course_dropout": "models_app.plugins.targets.course_dropout.CourseDropout",
    "course_completion": "models_app.plugins.targets.course_completion.CourseCompletion",
    "course_gradetopass": "models_app.plugins.targets.course_gradetopass.CourseGradeToPass",
    "no_recent_accesses": "models_app.plugins.targets.no_recent_accesses.NoRecentAccesses",
    "no_access_since_course_start": "models_app.plugins.targets.no_access_since_course_start.NoAccessSinceCourseStart",
    "no_teaching": "models_app.plugins.targets.no_teaching.NoTeaching",
    "upcoming_activities_due": "models_app.plugins.targets.upcoming_activities_due.UpcomingActivitiesDue",
}

# Predictions processors.
PROCESSORS: dict[str, str] = {
    "builtin": "models_app.plugins.processors.builtin.BuiltinProcessor",
    "mlbackend": "models_app.plugins.processors.mlbackend.MlbackendProcessor",
}


class UnknownPlugin(LookupError):
    """A key that no registered plug-in has."""


@cache
def _load(kind: str, key: str) -> Any:
    table = {
        "interval": INTERVALS,
        "indicator": INDICATORS,
        "target": TARGETS,
        "processor": PROCESSORS,
    }[kind]
    try:
        path = table[key]
    except KeyError:
        raise UnknownPlugin(f"No {kind} is registered with the key {key!r}.") from None
    return import_string(path)


def interval_class(key: str) -> type[Interval]:
    return _load("interval", key)


def interval_label(key: str) -> str:
    """An analysis interval's key ("quarters") as its label in the active
    language; an unknown key (a removed plug-in) as it is."""
    if not key:
        return ""
    try:
        return str(interval_class(key).label)
    except UnknownPlugin:
        return key


def indicator_class(key: str) -> type[Indicator]:
    return _load("indicator", key)


@cache
def indicator_measure(key: str) -> str:
    """The measure the dataset column `key` is about: its indicator's key, or for
    an indicator that restates another one's value (it names it as its `base`, as
    the classmates indicators do), that one's. The columns of one measure are one
    reason on the insight pages, and are stored together."""
    from models_app.plugins.base import Indicator

    name = key.partition("/")[0]
    seen = {name}
    while True:
        try:
            base = getattr(indicator_class(name), "base", None)
        except UnknownPlugin:
            return name
        if not (isinstance(base, type) and issubclass(base, Indicator)):
            return name
        if base.key in seen:  # a loop would be a plug-in's mistake; stop at it
            return name
        name = base.key
        seen.add(name)


def target_class(key: str) -> type[Target]:
    return _load("target", key)


def processor_class(key: str) -> type[Processor]:
    return _load("processor", key)


def _choices(kind: str, table: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, _load(kind, key).label) for key in table]


def interval_choices() -> list[tuple[str, str]]:
    return _choices("interval", INTERVALS)


def indicator_choices() -> list[tuple[str, str]]:
    return _choices("indicator", INDICATORS)


def target_choices() -> list[tuple[str, str]]:
    return _choices("target", TARGETS)


def processor_choices() -> list[tuple[str, str]]:
    return _choices("processor", PROCESSORS)
