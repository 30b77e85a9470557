"""What models_app tells settings_app (hooks) and how it reacts to settings changes.

settings_app cannot import models_app (apps depend downwards), so the settings pages
learn the registered processors and intervals, and ask a processor whether it is
ready, through the callables registered here by ModelsAppConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from settings_app import hooks


def processor_choices() -> list[tuple[str, Any]]:
    from models_app.plugins import registry

    return registry.processor_choices()


def evaluation_interval_choices() -> list[tuple[str, Any]]:
    from models_app.plugins import registry

    return [
        (key, label)
        for key, label in registry.interval_choices()
        if registry.interval_class(key).valid_for_evaluation
    ]


def processor_not_ready(key: str) -> str | None:
    """The processor's own reason, read with the settings being validated."""
    from models_app.plugins import registry

    try:
        processor = registry.processor_class(key)()
    except registry.UnknownPlugin as exc:
        return str(exc)
    return processor.is_ready()


def default_processor_users() -> int:
    from models_app.services.clearing import analytics_models_using_default

    return analytics_models_using_default().count()


def hooks_register() -> None:
    hooks.hook_register(name="processor_choices", func=processor_choices)
    hooks.hook_register(
        name="evaluation_interval_choices", func=evaluation_interval_choices
    )
    hooks.hook_register(name="processor_not_ready", func=processor_not_ready)
    hooks.hook_register(name="default_processor_users", func=default_processor_users)


@receiver(hooks.default_processor_changed, dispatch_uid="models_app.clear_defaults")
def clear_models_on_default_processor_change(
    sender: Any, *, old: str, new: str, user: Any = None, **kwargs: Any
) -> int:
    from models_app.services.clearing import analytics_models_clear_default_users

    return analytics_models_clear_default_users(processor_key=old, user=user)
