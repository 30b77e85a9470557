"""Create, edit, enable, delete analytics models and restore Moodle's defaults."""

from __future__ import annotations

import time
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from models_app.defaults import DEFAULT_MODELS, DefaultModel
from models_app.models import AnalyticsModel
from models_app.plugins import registry
from models_app.plugins.processors.builtin import estimator_choices
from models_app.services.clearing import analytics_model_clear

# Changing any of these changes what the model learns from: it is cleared.
LEARNING_FIELDS = ("target", "indicators", "interval")


def configuration_errors(
    *, target: str, indicators: list[str], interval: str, processor: str
) -> list[str]:
    """Why this configuration cannot be a model (empty when it can)."""
    errors = []
    try:
        target_cls = registry.target_class(target)
    except registry.UnknownPlugin:
        return [_("Unknown target %(key)s.") % {"key": target}]
    unknown = [key for key in indicators if key not in registry.INDICATORS]
    if unknown:
        errors.append(
            _("Unknown indicators: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
        )
    if not indicators:
        errors.append(_("A model needs at least one indicator."))
    if interval:
        try:
            interval_cls = registry.interval_class(interval)
        except registry.UnknownPlugin:
            errors.append(_("Unknown analysis interval %(key)s.") % {"key": interval})
        else:
            if not target_cls().accepts_interval(interval_cls()):
                errors.append(
                    _("The target %(target)s cannot use the interval %(interval)s.")
                    % {"target": target_cls.label, "interval": interval_cls.label}
                )
    if processor and processor not in registry.PROCESSORS:
        errors.append(_("Unknown predictions processor %(key)s.") % {"key": processor})
    return errors


def analytics_model_create(
    *,
    target: str,
    indicators: list[str],
    interval: str = "",
    processor: str = "",
    estimator: str = "",
    enabled: bool = False,
    name: str = "",
    user: Any = None,
) -> AnalyticsModel:
    errors = configuration_errors(
        target=target, indicators=indicators, interval=interval, processor=processor
    )
    errors += estimator_errors(estimator=estimator)
    if enabled and not interval:
        errors.append(_("An enabled model needs an analysis interval."))
    if errors:
        raise ValidationError(errors)
    model = AnalyticsModel(
        name=name,
        target=target,
        indicators=list(indicators),
        interval=interval,
        processor=processor,
        estimator=estimator,
        enabled=enabled,
        trained=bool(registry.target_class(target).based_on_assumptions),
        version=int(time.time()),
        usermodified=user if getattr(user, "pk", None) else None,
    )
    model.full_clean()
    model.save()
    return model


def analytics_model_changes_clear(
    *, model: AnalyticsModel, data: dict[str, Any]
) -> bool:
    """Whether saving `data` would clear what the model learned."""
    for field in LEARNING_FIELDS:
        new = data.get(field, getattr(model, field))
        old = getattr(model, field)
        if field == "indicators":
            new, old = sorted(new), sorted(old)
        if new != old:
            return True
    return any(
        data.get(field, getattr(model, field)) != getattr(model, field)
        for field in ("processor", "estimator")
    )


def estimator_errors(*, estimator: str) -> list[str]:
    """Why `estimator` cannot be the model's (empty: the default, always fine)."""
    if estimator and estimator not in dict(estimator_choices()):
        return [_("Unknown estimator %(key)s.") % {"key": estimator}]
    return []


@transaction.atomic
def analytics_model_update(
    *, model: AnalyticsModel, data: dict[str, Any], user: Any = None
) -> AnalyticsModel:
    """Save an edit; a change of target, indicators, interval, processor or
    estimator clears it."""
    merged = {
        field: data.get(field, getattr(model, field))
        for field in ("target", "indicators", "interval", "processor")
    }
    errors = configuration_errors(**merged)
    estimator = data.get("estimator", model.estimator)
    errors += estimator_errors(estimator=estimator)
    enabled = data.get("enabled", model.enabled)
    if enabled and not merged["interval"]:
        errors.append(_("An enabled model needs an analysis interval."))
    if errors:
        raise ValidationError(errors)
    if analytics_model_changes_clear(model=model, data=data):
        # Cleared with the old processor, whose stored files belong to it.
        analytics_model_clear(model=model, user=user)
        model.refresh_from_db()
    for field, value in {**merged, "estimator": estimator, "enabled": enabled}.items():
        setattr(model, field, value)
    if "name" in data:
        model.name = data["name"]
    if getattr(user, "pk", None):
        model.usermodified = user
    model.full_clean()
    model.save()
    return model


def analytics_model_disable(*, model: AnalyticsModel, user: Any = None) -> None:
    model.enabled = False
    if getattr(user, "pk", None):
        model.usermodified = user
    model.save(update_fields=["enabled", "usermodified", "timemodified"])


def analytics_model_predictions_clear(*, model: AnalyticsModel) -> int:
    """Delete the model's stored predictions and which ranges were predicted."""
    prediction = apps.get_model("insights", "Prediction")
    with transaction.atomic():
        deleted, _details = prediction.objects.filter(model=model).delete()
        model.predict_samples.all().delete()
        model.used_analysables.filter(action="prediction").delete()
    return deleted


def analytics_model_delete(*, model: AnalyticsModel, user: Any = None) -> None:
    """Forget the model: stored files first, then rows (predictions cascade)."""
    analytics_model_clear(model=model, user=user)
    model.delete()


def default_models_missing() -> list[DefaultModel]:
    """Defaults with no model of the same target and indicator set (Moodle's rule)."""
    existing = {
        (target, frozenset(indicators))
        for target, indicators in AnalyticsModel.objects.values_list(
            "target", "indicators"
        )
    }
    return [model for model in DEFAULT_MODELS if not model.signatures() & existing]


@transaction.atomic
def default_models_restore(*, keys: list[str], user: Any = None) -> tuple[int, str]:
    """Re-create the chosen missing defaults; returns (count, message)."""
    missing = {model.key: model for model in default_models_missing()}
    chosen = [missing[key] for key in keys if key in missing]
    for default in chosen:
        analytics_model_create(
            target=default.target,
            indicators=list(default.indicators),
            interval=default.interval,
            enabled=default.enabled,
            user=user,
        )
    if not chosen:
        return 0, _("All default models have been created already.")
    return len(chosen), ngettext(
        "Re-created %(count)d default model.",
        "Re-created %(count)d default models.",
        len(chosen),
    ) % {"count": len(chosen)}
