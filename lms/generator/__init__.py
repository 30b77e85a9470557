"""The demo and benchmark site generator: a believable learning site from a seed.

`site_generate(config=...)` simulates the site in memory (plan.py, outcomes.py),
writes everything but the log in one transaction (writer.py), then streams the log
into the chosen stores (log.py, logstore.services). When the log part fails, what
was written is deleted again, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lms.generator.config import PRESETS, SiteConfig, site_config_build
from lms.generator.plan import SitePlan

# From this many log rows on, indexes are rebuilt after the load (PostgreSQL).
_DEFER_INDEXES_ROWS = 1_000_000

__all__ = ["PRESETS", "SiteConfig", "SiteResult", "site_config_build", "site_generate"]


@dataclass
class SiteResult:
    """What a run built, how long each phase took, and the plan behind it."""

    plan: SitePlan
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    @property
    def log_rows_per_second(self) -> float:
        seconds = self.seconds.get("log", 0.0)
        return self.counts.get("log_rows", 0) / seconds if seconds else 0.0


def _quiet(_message: str) -> None:
    return None


def site_generate(
    *, config: SiteConfig, progress: Callable[[str], None] = _quiet
) -> SiteResult:
    """Build the site described by `config`; see the module docstring."""
    from lms.generator.log import LogPlan
    from lms.generator.plan import plan_build
    from lms.generator.writer import (
        SITE_MODELS,
        site_conflicts,
        site_delete,
        site_write,
    )
    from logstore.models import LegacyLogEntry, StandardLogEntry
    from logstore.services import (
        legacy_log_write,
        log_indexes_deferred,
        standard_log_write,
    )
    from logstore.services.rollup import bulk_write_finished

    now = config.now or int(time.time())
    clock = time.perf_counter()
    plan = plan_build(config, now)
    log_plan = LogPlan(plan)
    result = SiteResult(plan=plan)
    result.seconds["plan"] = time.perf_counter() - clock
    progress(
        f"Planned {config.courses:,} courses, {len(plan.enrol_user):,} enrolments, "
        f"{log_plan.total:,} log rows ({result.seconds['plan']:.1f} s)"
    )
    conflicts = site_conflicts(plan)
    if conflicts:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(
            _(
                "%(count)d courses or users of this site exist already (e.g. "
                "%(example)s); generate into an empty site or delete them first."
            )
            % {"count": len(conflicts), "example": conflicts[0]}
        )

    clock = time.perf_counter()
    ids = site_write(plan, progress=progress)
    result.seconds["site"] = time.perf_counter() - clock
    progress(f"Site written ({result.seconds['site']:.1f} s)")

    clock = time.perf_counter()
    written = {"standard": 0, "legacy": 0}
    stores = [
        model
        for model, wanted in (
            (StandardLogEntry, config.writes_standard),
            (LegacyLogEntry, config.writes_legacy),
        )
        if wanted
    ]
    # Into empty tables, a big load is faster with the indexes built afterwards.
    defer = log_plan.total >= _DEFER_INDEXES_ROWS and not any(
        model.objects.exists() for model in stores
    )
    try:
        with log_indexes_deferred(models_=stores if defer else []):
            for batch in log_plan.batches(ids):
                if config.writes_standard:
                    written["standard"] += standard_log_write(batch=batch)
                if config.writes_legacy:
                    written["legacy"] += legacy_log_write(batch=batch)
                done = max(written.values())
                elapsed = time.perf_counter() - clock
                progress(
                    f"  log {done:,}/{log_plan.total:,} rows "
                    f"({done / max(elapsed, 1e-9):,.0f} rows/s)"
                )
            if defer:
                progress("  building the log indexes")
    except BaseException:
        progress("Log writing failed; deleting what this run wrote.")
        site_delete(
            course_ids=ids.course.tolist(),
            user_ids=ids.user.tolist(),
            category_ids=ids.category.tolist(),
        )
        raise
    result.seconds["log"] = time.perf_counter() - clock
    clock = time.perf_counter()
    progress("  rolling up the log and analysing the tables")
    bulk_write_finished(models_=[*stores, *SITE_MODELS])
    result.seconds["rollup"] = time.perf_counter() - clock
    result.counts = {
        "categories": len(plan.category_name),
        "courses": config.courses,
        "activities": len(plan.act_course),
        "users": len(plan.user_username),
        "enrolments": len(plan.enrol_user),
        "activity_grades": len(plan.grade_enrol),
        "activity_completions": len(plan.completion_enrol),
        "log_rows": max(written.values()),
        "standard_log_rows": written["standard"],
        "legacy_log_rows": written["legacy"],
    }
    return result
