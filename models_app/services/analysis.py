"""Entry points of the analysis engine, for training, prediction, evaluation and tasks.

    dataset = dataset_build(model=model, mode="training")        # or "prediction",
    if dataset.refused: ...                                       # "evaluation"
    log.info = dataset.messages                                   # reasons, warnings
    dataset_write_csv(dataset=dataset, file=path)                 # for an ML backend

Training and prediction record what they used (Moodle's behaviour) unless
`record=False`; evaluation records nothing.
"""

from __future__ import annotations

import time

from models_app.analysis import calculations
from models_app.analysis.analysables import analysables_list
from models_app.analysis.analysables import analysables_ordered as _ordered
from models_app.analysis.csvfile import dataset_read_csv, dataset_write_csv
from models_app.analysis.dataset import Dataset, dataset_build
from models_app.analysis.refusal import model_refusal
from models_app.models import AnalyticsModel
from models_app.plugins.base import Analysable

__all__ = [
    "Dataset",
    "analysables_ordered",
    "dataset_build",
    "dataset_read_csv",
    "dataset_write_csv",
    "indicator_calculations_delete_expired",
    "model_refusal_reason",
]


def model_refusal_reason(
    *, model: AnalyticsModel, mode: str, interval: str | None = None
) -> str | None:
    """Why `model` cannot be analysed in `mode` (no indicators, an interval its target
    does not accept, ...), or None."""
    reason, *_rest = model_refusal(
        model=model,
        mode=mode,
        interval_key=interval if interval is not None else model.interval,
    )
    return reason


def analysables_ordered(
    *,
    model: AnalyticsModel,
    action: str,
    analysables: list[Analysable] | None = None,
    now: int | None = None,
) -> list[Analysable]:
    """The model's analysables, least recently analysed (for `action`) first."""
    if analysables is None:
        from models_app.plugins import registry

        kind = registry.target_class(model.target).analysable_kind
        now = int(time.time()) if now is None else now
        analysables = analysables_list(kind=kind, model=model, now=now)
    return _ordered(model=model, action=action, analysables=analysables)


def indicator_calculations_delete_expired(*, lifetime_days: int | None = None) -> int:
    """Delete cached indicator calculations older than the lifetime (in days; the
    analytics setting when None; 0 keeps everything). Returns how many went."""
    if lifetime_days is None:
        from settings_app.selectors import analytics_settings

        lifetime_days = analytics_settings().calc_lifetime
    return calculations.indicator_calculations_delete_expired(
        lifetime_days=lifetime_days
    )
