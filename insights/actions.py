"""The actions people can take on a prediction, by Moodle's names.

Moodle's base target offers "view details" on every prediction, and as bulk actions
Useful / Not useful when the target has one sample per analysable (one user, one
course), else Accept ("fixed") / Not applicable / Incorrectly flagged. Targets add
their own (e.g. `viewoutlinereport`). A recorded action must be one the prediction's
target offers (Moodle's report/insights/action.php refuses others): a forged name is
refused, not stored.

Flags that hide a prediction from the person who set them are Moodle's
(`get_predictions(skiphidden)`): fixed, notuseful, useful, notapplicable and
incorrectlyflagged. "Useful" hides too because it is the answer to a one-sample
insight: once answered, there is nothing left to do. Other people still see it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from models_app.plugins.base import Action, Target
from models_app.plugins.registry import UnknownPlugin, target_class

DETAILS = "predictiondetails"
USEFUL = "useful"
NOTUSEFUL = "notuseful"
FIXED = "fixed"
NOTAPPLICABLE = "notapplicable"
INCORRECTLYFLAGGED = "incorrectlyflagged"

#: Actions after which the prediction no longer shows to the person who took them.
HIDING_ACTIONS = frozenset(
    {FIXED, NOTUSEFUL, USEFUL, NOTAPPLICABLE, INCORRECTLYFLAGGED}
)

#: Actions counted in the admin's per-model figures.
FEEDBACK_ACTIONS = (USEFUL, NOTUSEFUL, INCORRECTLYFLAGGED)


def details_action(*, target: Target | None) -> Action:
    """Moodle's details action, whose label depends on the kind of target."""
    if target is not None and target.based_on_assumptions:
        if target.one_sample_per_analysable:
            label = _("View insight details")
        else:
            label = _("View details")
    else:
        label = _("View prediction details")
    return Action(name=DETAILS, label=label, kind="neutral")


def default_bulk_actions(*, one_sample_per_analysable: bool) -> list[Action]:
    """Moodle's base bulk actions, used when a target does not list its own."""
    if one_sample_per_analysable:
        return [
            Action(name=USEFUL, label=_("Useful"), kind="positive", bulk=True),
            Action(name=NOTUSEFUL, label=_("Not useful"), kind="negative", bulk=True),
        ]
    return [
        Action(name=FIXED, label=_("Accept"), kind="positive", bulk=True),
        Action(
            name=NOTAPPLICABLE, label=_("Not applicable"), kind="neutral", bulk=True
        ),
        Action(
            name=INCORRECTLYFLAGGED,
            label=_("Incorrectly flagged"),
            kind="negative",
            bulk=True,
        ),
    ]


def target_for(target_key: str) -> Target | None:
    """An instance of the registered target, or None when the key is unknown.

    A model whose target was removed from the registry still has predictions worth
    showing; pages fall back to Moodle's defaults for it.
    """
    try:
        return target_class(target_key)()
    except UnknownPlugin:
        return None


def bulk_actions_of(target: Target | None) -> list[Action]:
    """The target's bulk actions (Moodle's defaults if it declares none)."""
    if target is not None:
        try:
            actions = list(target.bulk_actions())
        except NotImplementedError:
            actions = []
        if actions:
            return actions
    one_sample = bool(target and target.one_sample_per_analysable)
    return default_bulk_actions(one_sample_per_analysable=one_sample)


def prediction_actions_of(
    target: Target | None, *, sample_url_args: dict[str, Any]
) -> list[Action]:
    """Actions shown beside one prediction: details, the target's own, then bulk ones.

    Deduplicated by name, first wins, so a target that lists `predictiondetails`
    itself keeps its label.
    """
    own: list[Action] = []
    if target is not None:
        try:
            own = list(target.prediction_actions(sample_url_args=sample_url_args))
        except NotImplementedError:
            own = []
    seen: set[str] = set()
    actions: list[Action] = []
    for action in [details_action(target=target), *own, *bulk_actions_of(target)]:
        if action.name not in seen:
            seen.add(action.name)
            actions.append(action)
    return actions


def allowed_action_names(
    target: Target | None, *, sample_url_args: dict[str, Any]
) -> set[str]:
    """Names that may be recorded for a prediction of this target."""
    return {
        action.name
        for action in prediction_actions_of(target, sample_url_args=sample_url_args)
    }
