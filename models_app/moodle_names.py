"""Foresight plug-in keys <-> Moodle's class names, for model import and export.

Moodle's `model-config.json` names plug-ins by fully qualified class
(`\\core_course\\analytics\\target\\course_dropout`). Targets and indicators carry
their Moodle name as `moodle_id`; intervals all live in
`\\core\\analytics\\time_splitting\\`. Bare Foresight keys are accepted on import too,
so Foresight's own exports and hand-written configurations work.
"""

from __future__ import annotations

from functools import cache

from models_app.plugins import registry

INTERVAL_NAMESPACE = "\\core\\analytics\\time_splitting\\"

# Moodle's processors and the Foresight processor that plays the same role: the PHP
# backend runs inside the site like `builtin`; the Python one is a server.
PROCESSOR_NAMES = {
    "builtin": "\\mlbackend_php\\processor",
    "mlbackend": "\\mlbackend_python\\processor",
}


def _normalise(name: str) -> str:
    return "\\" + name.strip().strip("\\")


@cache
def _by_moodle_name(kind: str) -> dict[str, str]:
    table = registry.INDICATORS if kind == "indicator" else registry.TARGETS
    loader = registry.indicator_class if kind == "indicator" else registry.target_class
    return {
        _normalise(loader(key).moodle_id): key
        for key in table
        if getattr(loader(key), "moodle_id", "")
    }


def indicator_name(key: str) -> str:
    return registry.indicator_class(key).moodle_id or key


def target_name(key: str) -> str:
    return registry.target_class(key).moodle_id or key


def interval_name(key: str) -> str:
    return INTERVAL_NAMESPACE + key


def processor_name(key: str) -> str:
    return PROCESSOR_NAMES.get(key, key)


def _key(kind: str, name: str, table: dict[str, str]) -> str:
    if "\\" not in name:
        return name.strip()
    return _by_moodle_name(kind).get(_normalise(name), name.strip())


def indicator_key(name: str) -> str:
    """The Foresight key for a Moodle name (the name itself when unknown)."""
    return _key("indicator", name, registry.INDICATORS)


def target_key(name: str) -> str:
    return _key("target", name, registry.TARGETS)


def interval_key(name: str) -> str:
    normal = _normalise(name) if "\\" in name else name.strip()
    if normal.startswith(INTERVAL_NAMESPACE):
        return normal[len(INTERVAL_NAMESPACE) :]
    return normal


def processor_key(name: str) -> str:
    """Moodle's processor class -> Foresight key; empty means the site default."""
    stripped = name.strip()
    for key, moodle in PROCESSOR_NAMES.items():
        if stripped and _normalise(stripped) == moodle or stripped == key:
            return key
    return stripped
