"""Whether a model can be analysed at all, and why not (in words for its log)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from models_app.log_messages import log_message, plugin_label
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.base import Interval

MODES = ("training", "prediction", "evaluation")


def model_refusal(
    *, model: AnalyticsModel, mode: str, interval_key: str
) -> tuple[str | None, Any, Interval | None, list[Any]]:
    """(reason or None, target, interval, indicators) for a model and interval."""
    if mode not in MODES:
        return (
            log_message(gettext_noop("Unknown analysis mode %(mode)s."), mode=mode),
            None,
            None,
            [],
        )
    try:
        target = registry.target_class(model.target)()
    except registry.UnknownPlugin:
        return (
            log_message(
                gettext_noop("The model's target %(key)s is not installed."),
                key=model.target,
            ),
            None,
            None,
            [],
        )
    if not model.indicators:
        return (
            log_message(
                gettext_noop("The model has no indicators: add at least one indicator.")
            ),
            target,
            None,
            [],
        )
    indicators = []
    # A key listed twice (written past the validator) is one indicator, once.
    for key in dict.fromkeys(model.indicators):
        try:
            indicator = registry.indicator_class(key)()
        except registry.UnknownPlugin:
            return (
                log_message(
                    gettext_noop("The indicator %(key)s is not installed."), key=key
                ),
                target,
                None,
                [],
            )
        if target.sample_kind not in getattr(indicator, "sample_kinds", ()):
            return (
                log_message(
                    gettext_noop(
                        'The indicator "%(indicator)s" cannot be calculated for the '
                        'samples of the target "%(target)s".'
                    ),
                    indicator=plugin_label("indicator", key),
                    target=plugin_label("target", model.target),
                ),
                target,
                None,
                [],
            )
        indicators.append(indicator)
    if not interval_key:
        return (
            log_message(
                gettext_noop("The model has no analysis interval: choose one.")
            ),
            target,
            None,
            indicators,
        )
    try:
        interval = registry.interval_class(interval_key)()
    except registry.UnknownPlugin:
        return (
            log_message(
                gettext_noop("The analysis interval %(key)s is not installed."),
                key=interval_key,
            ),
            target,
            None,
            indicators,
        )
    refusal = target.interval_refusal(interval)
    if refusal:
        return refusal, target, interval, indicators
    if target.based_on_assumptions and mode != "prediction":
        return (
            log_message(
                gettext_noop(
                    "Models based on assumptions do not need training or evaluation."
                )
            ),
            target,
            interval,
            indicators,
        )
    if mode == "evaluation" and not interval.valid_for_evaluation:
        return (
            log_message(
                gettext_noop(
                    'The analysis interval "%(interval)s" cannot be used for evaluation.'
                ),
                interval=plugin_label("interval", interval_key),
            ),
            target,
            interval,
            indicators,
        )
    return None, target, interval, indicators
