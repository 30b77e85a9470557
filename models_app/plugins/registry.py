"""Registries of plug-ins: key -> dotted path, imported on first use.

One explicit dict per kind; no auto-discovery and no import-time side effects. Keys
are stored in the database: never rename one.
"""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

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

# Indicators.
INDICATORS: dict[str, str] = {}

# Targets.
TARGETS: dict[str, str] = {}

# Predictions processors.
PROCESSORS: dict[str, str] = {
    "builtin": "models_app.plugins.processors.builtin.BuiltinProcessor",
    "mlbackend": "models_app.plugins.processors.mlbackend.MlbackendProcessor",
}


class UnknownPlugin(LookupError):
    """A key that no registered plug-in has."""


@cache
def _load(kind: str, key: str) -> type:
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


def interval_class(key: str) -> type:
    return _load("interval", key)


def indicator_class(key: str) -> type:
    return _load("indicator", key)


def target_class(key: str) -> type:
    return _load("target", key)


def processor_class(key: str) -> type:
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
