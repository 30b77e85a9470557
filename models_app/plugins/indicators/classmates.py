"""Indicators compared with classmates (Foresight's own): how far a student's value
of another indicator stands from the class mean, in the class's standard deviations.

A model learnt on one course reads indicators in that course's units: a page-heavy
module has more read actions than a video-heavy one, a module with early easy quizzes
higher scores than one with a hard first essay. Standardised within the course and
range, the same value means the same thing everywhere ("two standard deviations
below the class"), so a model transfers better to a course it never saw. In the
backtest (`bench/quality.py`, dropout, quarters, ROC AUC at 25% / 50% of the course)
these four with Moodle's course-level indicators and Foresight's, without the mod_*
ones, gave 0.83 / 0.91 from AAA to BBB (0.81 / 0.89 before; weekly clicks 0.77 /
0.69) and 0.78 / 0.84 from BBB to AAA (0.76 / 0.78; clicks 0.65 / 0.71); the
generated site rose too, to 0.89 / 0.96 from its earlier courses to its later ones
(clicks 0.74 / 0.85) and 0.88 / 0.94 back (clicks 0.79 / 0.87). Leaving missing
values out of the mean and spread (below) changed none of these: the OULAD figures
are the same to four decimals, the generated site's within 0.0001 (measured at
load average 1.3-3.6 on two cores; see the README's quality section).

Classmates are every valid sample of the same course and range, as for
relative_activity: in a nightly run, those already predicted or trained on stay in
the chunk as reference rows (models_app.analysis.chunk), so a student enrolled late
is compared with the whole class, not with nobody.
The mean and standard deviation are those of the classmates with a value; a
missing value stays missing ("no value yet" on the insight pages; the processors
read it as 0, the class mean) rather than counting as 0 on the base scale, where 0
is "50%" for assessment scores: a student whose work waits for its grade is not
pushed below the class, nor the others above it. A class with one value gives it
0. No "/mean" column: the class mean of a standardised value is always 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from django.utils.translation import gettext_lazy as _

from models_app.plugins.indicators.assessment_scores import AssessmentScores
from models_app.plugins.indicators.assessments_on_time import AssessmentsOnTime
from models_app.plugins.indicators.assessments_submitted import AssessmentsSubmitted
from models_app.plugins.indicators.days_since_last_access import DaysSinceLastAccess
from models_app.plugins.indicators.kinds import (
    BaseIndicator,
    LinearIndicator,
    php_round,
)
from models_app.plugins.indicators.read_actions import ReadActions

if TYPE_CHECKING:
    from models_app.analysis.data import AnalysisData

#: Standard deviations from the class mean at which the value reaches -1 or 1.
SPREAD = 3.0


def group_standardised(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per entry, (value - mean of its group) / standard deviation of its group
    (population), both over the group's finite values only; 0 where those values
    are all equal (or there is only one), NaN where the value is NaN: a missing
    value is "no value yet", not 0 on the base scale (where 0 can mean "50%")."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return np.zeros(0)
    _keys, group = np.unique(groups, return_inverse=True)
    finite = np.isfinite(values)
    known = np.where(finite, values, 0.0)
    counts = np.bincount(group, weights=finite.astype(np.float64))
    sizes = np.maximum(counts, 1.0)
    means = np.bincount(group, weights=known) / sizes
    centred = np.where(finite, values - means[group], 0.0)
    sd = np.sqrt(np.bincount(group, weights=centred**2) / sizes)
    spread = sd[group]
    # A spread within rounding of 0 is "everyone equal", not a tiny real spread.
    equal = spread <= 1e-9 * np.maximum(1.0, np.abs(means[group]))
    z = np.where(equal, 0.0, centred / np.where(equal, 1.0, spread))
    return np.where(finite, z, np.nan)


class ComparedWithClassmates(LinearIndicator):
    """The base indicator's value standardised among the samples analysed with it,
    divided by SPREAD and capped: the class mean is 0, three standard deviations
    above it 1, three below -1."""

    #: The indicator whose value it standardises. insights.reasons reads it too:
    #: an indicator that names a `base` restates it, and the two are one reason.
    base: ClassVar[type[BaseIndicator]]
    include_averages = False
    # Its value depends on the other samples analysed with it, not on the sample
    # alone: the indicator cache must not reuse it across runs.
    group_relative = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # It reads what its base reads.
        if "base" in cls.__dict__:
            cls.needs_activity_counts = getattr(cls.base, "needs_activity_counts", True)

    def calculate(self, data: AnalysisData) -> np.ndarray:
        values = self.base().calculate(data)
        z = group_standardised(values, data.rows.pos)
        return php_round(np.clip(z / SPREAD, -1.0, 1.0), 2)


class ReadActionsComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "read_actions_classmates"
    label = _("Read actions compared with classmates")
    moodle_id = "\\foresight\\analytics\\indicator\\read_actions_classmates"
    base = ReadActions


class DaysSinceLastAccessComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "days_since_last_access_classmates"
    label = _("Recent access compared with classmates")
    moodle_id = "\\foresight\\analytics\\indicator\\days_since_last_access_classmates"
    base = DaysSinceLastAccess


class AssessmentsSubmittedComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "assessments_submitted_classmates"
    label = _("Assessments handed in compared with classmates")
    moodle_id = "\\foresight\\analytics\\indicator\\assessments_submitted_classmates"
    base = AssessmentsSubmitted


class AssessmentScoresComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "assessment_scores_classmates"
    label = _("Assessment scores compared with classmates")
    moodle_id = "\\foresight\\analytics\\indicator\\assessment_scores_classmates"
    base = AssessmentScores


class AssessmentsOnTimeComparedWithClassmates(ComparedWithClassmates):
    __doc__ = ComparedWithClassmates.__doc__
    key = "assessments_on_time_classmates"
    label = _("Assessments handed in on time compared with classmates")
    moodle_id = "\\foresight\\analytics\\indicator\\assessments_on_time_classmates"
    base = AssessmentsOnTime
