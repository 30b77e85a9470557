"""What settings_app needs to know from the apps above it, without importing them.

Apps depend downwards (models_app imports settings_app, never the reverse), yet the
settings pages must list the registered predictions processors and analysis intervals,
ask a processor whether it is ready, and clear the analytics models when the default
processor changes. models_app registers small callables here from its AppConfig.ready()
and listens to `default_processor_changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

#: Sent inside the transaction that saves a new default predictions processor, before
#: it commits: a receiver that raises rolls the change back. Arguments: `old` and
#: `new` (processor keys) and `user` (who changed it, or None). Receivers return the
#: number of analytics models they cleared.
default_processor_changed = Signal()

#: Hook name -> what the callable returns.
#: "processor_choices": () -> list[(key, label)] of the registered processors.
#: "processor_not_ready": (key) -> None when ready, else the reason in words.
#: "default_processor_users": () -> how many analytics models use the site default.
#: "evaluation_interval_choices": () -> list[(key, label)] of the analysis intervals
#: that evaluation may use.
HOOK_NAMES = frozenset(
    {
        "processor_choices",
        "processor_not_ready",
        "default_processor_users",
        "evaluation_interval_choices",
    }
)

_hooks: dict[str, Callable[..., Any]] = {}


def hook_register(*, name: str, func: Callable[..., Any]) -> None:
    """Install the callable behind a hook; registering again replaces it."""
    if name not in HOOK_NAMES:
        raise ValueError(f"Unknown settings hook {name!r}.")
    _hooks[name] = func


def processor_choices() -> list[tuple[str, Any]]:
    """The registered predictions processors, as form choices."""
    func = _hooks.get("processor_choices")
    return list(func()) if func else []


def evaluation_interval_choices() -> list[tuple[str, Any]]:
    """The analysis intervals that can be evaluated, as form choices."""
    func = _hooks.get("evaluation_interval_choices")
    return list(func()) if func else []


def processor_not_ready(*, key: str) -> str | None:
    """Why the processor `key` cannot be used now, or None when it can."""
    func = _hooks.get("processor_not_ready")
    if func is None:
        return None
    return func(key)


def default_processor_users() -> int:
    """How many analytics models would be cleared if the default processor changed."""
    func = _hooks.get("default_processor_users")
    return int(func()) if func else 0
