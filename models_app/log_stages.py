"""The stage of a model's run, in words, for the log pages that follow it.

Runs record their stage in `ModelLog.details["stage"]` (analysis, training,
predicting, explaining, evaluating, finished) and evaluations their progress.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from models_app.models import ModelLog


def stage_text(log: ModelLog) -> str:
    """What a running run is doing now ("" once it has ended)."""
    if log.result != ModelLog.Result.RUNNING:
        return ""
    details: dict[str, Any] = log.details if isinstance(log.details, dict) else {}
    stage = details.get("stage", "")
    progress = details.get("progress") or {}
    if stage == "evaluating" and progress.get("total"):
        return _("Evaluating: %(done)s of %(total)s analysis intervals done") % {
            "done": progress.get("done", 0),
            "total": progress["total"],
        }
    if stage == "analysis" and details.get("analysables"):
        return _("Analysing the courses: %(done)s of %(total)s done") % {
            "done": details.get("analysed", 0),
            "total": details["analysables"],
        }
    texts = {
        "analysis": _("Analysing the courses"),
        "training": _("Training"),
        "predicting": _("Predicting"),
        "explaining": _("Working out the reasons of each prediction"),
        "evaluating": _("Evaluating"),
    }
    return texts.get(stage, _("Starting"))
