"""What the site generator is asked to build: sizes, seed, reference time, log stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Sizes of the presets. bench is the scale the analysis must handle: 1,000 courses,
# 50,000 student enrolments and 10 million log rows.
PRESETS: dict[str, dict[str, int]] = {
    "demo": {"courses": 12, "students_per_course": 25, "events": 40_000},
    "small": {"courses": 60, "students_per_course": 40, "events": 400_000},
    "bench": {"courses": 1_000, "students_per_course": 50, "events": 10_000_000},
}

# Inclusive bounds; beyond them a run takes hours or builds nothing useful.
LIMITS: dict[str, tuple[int, int]] = {
    "courses": (1, 20_000),
    "students_per_course": (1, 2_000),
    "events": (0, 200_000_000),
    "seed": (0, 2**32 - 1),
}

LOGSTORES = ("standard", "legacy", "both")


@dataclass(frozen=True)
class SiteConfig:
    """The generator's parameters; the same config always builds the same site."""

    courses: int
    students_per_course: int
    events: int
    seed: int = 1
    now: int = 0  # reference Unix time: "today" for the site; 0 means the clock
    logstore: str = "standard"

    @property
    def writes_standard(self) -> bool:
        return self.logstore in ("standard", "both")

    @property
    def writes_legacy(self) -> bool:
        return self.logstore in ("legacy", "both")


def site_config_build(
    *,
    preset: str | None = None,
    courses: int | None = None,
    students_per_course: int | None = None,
    events: int | None = None,
    seed: int = 1,
    now: dt.datetime | None = None,
    logstore: str = "standard",
) -> SiteConfig:
    """A validated SiteConfig; explicit sizes override the preset's.

    Raises ValidationError naming every argument that is out of range, so nothing
    is written for a bad request.
    """
    errors: dict[str, str] = {}
    base = dict(PRESETS["demo"])
    if preset is not None:
        if preset not in PRESETS:
            errors["preset"] = _(
                "Unknown preset %(preset)s; choose one of %(choices)s."
            ) % {
                "preset": preset,
                "choices": ", ".join(PRESETS),
            }
        else:
            base = dict(PRESETS[preset])
    given = {
        "courses": courses,
        "students_per_course": students_per_course,
        "events": events,
    }
    values = {
        name: base[name] if value is None else value for name, value in given.items()
    }
    values["seed"] = seed
    for name, value in values.items():
        low, high = LIMITS[name]
        if not low <= value <= high:
            errors[name] = _(
                "%(name)s must be between %(low)s and %(high)s (got %(value)s)."
            ) % {
                "name": name.replace("_", "-"),
                "low": f"{low:,}",
                "high": f"{high:,}",
                "value": value,
            }
    if logstore not in LOGSTORES:
        errors["logstore"] = _(
            "Unknown log store %(store)s; choose one of %(choices)s."
        ) % {
            "store": logstore,
            "choices": ", ".join(LOGSTORES),
        }
    if now is not None and now.tzinfo is None:
        errors["now"] = _(
            "The reference time needs a time zone (e.g. 2026-01-15T00:00Z)."
        )
    if errors:
        raise ValidationError(errors)
    stamp = int(now.timestamp()) if now is not None else 0
    return SiteConfig(
        courses=values["courses"],
        students_per_course=values["students_per_course"],
        events=values["events"],
        seed=seed,
        now=stamp,
        logstore=logstore,
    )
