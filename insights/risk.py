"""Risk bands and what changed since the previous run, for the course view.

Bands come from the probability the model gave the predicted class (the stored
score; logistic regression, the default, gives calibrated probabilities): high
from 0.85, medium from 0.70, low below. Only confident predictions are stored
(the target's minimum score, 0.6 by default), so "low" still means flagged.

Changes compare the students flagged in the insight's latest analysed range with
those flagged in the range before it: new, still flagged, and no longer flagged
(flagged in the previous range, not in the latest). Students of one course share
their ranges, so this is done for course insights about students; insights whose
samples have ranges of their own (courses across the site) show no changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

HIGH = "high"
MEDIUM = "medium"
LOW = "low"
BANDS = (HIGH, MEDIUM, LOW)
BAND_LABELS = {HIGH: _("High risk"), MEDIUM: _("Medium risk"), LOW: _("Low risk")}
BAND_SHORT = {HIGH: _("High"), MEDIUM: _("Medium"), LOW: _("Low")}
HIGH_FROM = 0.85
MEDIUM_FROM = 0.70

NEW = "new"
STILL = "still"
GONE = "gone"
CHANGE_LABELS = {NEW: _("New"), STILL: _("Still flagged"), GONE: _("No longer flagged")}


def risk_percent(score: float) -> int:
    """The probability as a whole percent; never "100 %" for a probability below 1
    (a model is never certain, and the page should not say so)."""
    percent = round(100 * score)
    return 99 if percent == 100 and score < 1 else percent


def risk_band(score: float) -> str:
    if score >= HIGH_FROM:
        return HIGH
    if score >= MEDIUM_FROM:
        return MEDIUM
    return LOW


@dataclass
class Changes:
    """Sample ids by change since the previous range, and the ranges compared."""

    latest: int | None = None
    previous: int | None = None
    new: set[int] = field(default_factory=set)
    still: set[int] = field(default_factory=set)
    gone: set[int] = field(default_factory=set)

    def of(self, sampleid: int) -> str:
        if sampleid in self.new:
            return NEW
        if sampleid in self.still:
            return STILL
        return GONE if sampleid in self.gone else ""


def changes_between_runs(predictions: list[Any]) -> Changes:
    """Changes over `predictions`: every stored prediction of one insight
    (sampleid and rangeindex are read)."""
    ranges = sorted({p.rangeindex for p in predictions})
    if not ranges:
        return Changes()
    latest = ranges[-1]
    now = {p.sampleid for p in predictions if p.rangeindex == latest}
    if len(ranges) < 2:
        return Changes(latest=latest, new=now)
    previous = ranges[-2]
    before = {p.sampleid for p in predictions if p.rangeindex == previous}
    return Changes(
        latest=latest,
        previous=previous,
        new=now - before,
        still=now & before,
        gone=before - now,
    )
