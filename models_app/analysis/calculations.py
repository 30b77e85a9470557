"""The indicator calculation cache (Moodle's analytics_indicator_calc).

A value is stored per (range start, range end, sample context, sample origin,
sample id, indicator) and reused when the same range is analysed again, so a
prediction keeps the values it was made with. Decision: only prediction runs write
the cache (one row per sample and indicator for the latest range). Training and
evaluation recompute from SQL aggregates, which costs less than writing and reading
back one row per sample, range and indicator: Moodle's main cost on large sites.
Intervals whose ranges depend on "now" (cache_indicator_calculations false) never
use it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import connections
from django.utils import timezone

from logstore.services import log_rows_write
from models_app.models import IndicatorCalculation

FIELDS = [
    "starttime",
    "endtime",
    "contextid",
    "sampleorigin",
    "sampleid",
    "indicator",
    "value",
    "timecreated",
]


def calculations_read(
    *,
    origin: str,
    starts: np.ndarray,
    ends: np.ndarray,
    contexts: np.ndarray,
    sample_ids: np.ndarray,
    indicators: list[str],
) -> dict[tuple[int, int, int, str], float | None]:
    """(start, end, sample id, indicator) -> cached value, for these rows. One query."""
    if len(sample_ids) == 0:
        return {}
    rows = IndicatorCalculation.objects.filter(
        sampleorigin=origin,
        starttime__in=np.unique(starts).tolist(),
        endtime__in=np.unique(ends).tolist(),
        contextid__in=np.unique(contexts).tolist(),
        indicator__in=indicators,
    ).values_list("starttime", "endtime", "sampleid", "indicator", "value")
    wanted = set(zip(starts.tolist(), ends.tolist(), sample_ids.tolist(), strict=True))
    return {
        (s, e, sid, ind): value
        for s, e, sid, ind, value in rows
        if (s, e, sid) in wanted
    }


def calculations_write(
    *,
    origin: str,
    starts: np.ndarray,
    ends: np.ndarray,
    contexts: np.ndarray,
    sample_ids: np.ndarray,
    values: dict[str, np.ndarray],
) -> int:
    """Store the values (NaN stored as NULL) as plain rows: COPY on PostgreSQL,
    batched inserts elsewhere. A nightly prediction writes one row per sample and
    indicator (850,000 for 16,000 samples and 53 indicators): as model objects that
    took 30 s on the bench site, as rows a few."""
    connection = connections[IndicatorCalculation.objects.db]
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    keys = (starts.tolist(), ends.tolist(), contexts.tolist(), sample_ids.tolist())
    rows = [
        (s, e, c, origin, sid, key, None if v != v else v, created)
        for key, column in values.items()
        for s, e, c, sid, v in zip(*keys, column.tolist(), strict=True)
    ]
    return log_rows_write(model=IndicatorCalculation, fields=FIELDS, rows=rows)


def indicator_calculations_delete_expired(
    *, lifetime_days: int, now: dt.datetime | None = None
) -> int:
    """Delete cached calculations older than `lifetime_days` (0: keep them all)."""
    if not lifetime_days:
        return 0
    limit = (now or timezone.now()) - dt.timedelta(days=lifetime_days)
    deleted, _ = IndicatorCalculation.objects.filter(timecreated__lt=limit).delete()
    return deleted
