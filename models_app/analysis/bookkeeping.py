"""Only new work each night: analysed analysables, trained samples, predicted ranges.

Mirrors Moodle's analytics_used_analysables, analytics_train_samples and
analytics_predict_samples: a sample trains a model once (training is incremental),
a (sample, range) pair is predicted once (a teacher is not told the same thing every
night), and analysables are analysed least recently analysed first.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from models_app.models import AnalyticsModel, PredictSample, TrainSample, UsedAnalysable


def used_analysables_record(
    *, model: AnalyticsModel, action: str, analysable_ids: Iterable[int], now: int
) -> None:
    """Set the last analysis time of these analysables (and the first, when new)."""
    ids = sorted(set(analysable_ids))
    if not ids:
        return
    with transaction.atomic():
        existing = set(
            UsedAnalysable.objects.filter(
                model=model, action=action, analysableid__in=ids
            ).values_list("analysableid", flat=True)
        )
        UsedAnalysable.objects.filter(
            model=model, action=action, analysableid__in=existing
        ).update(timeanalysed=now)
        UsedAnalysable.objects.bulk_create(
            UsedAnalysable(
                model=model,
                action=action,
                analysableid=aid,
                firstanalysis=now,
                timeanalysed=now,
            )
            for aid in ids
            if aid not in existing
        )


def first_analyses(
    *, model: AnalyticsModel, analysable_ids: Iterable[int]
) -> dict[int, int]:
    """analysable id -> when the model first analysed it (any action)."""
    out: dict[int, int] = {}
    for aid, first in UsedAnalysable.objects.filter(
        model=model, analysableid__in=list(analysable_ids)
    ).values_list("analysableid", "firstanalysis"):
        out[aid] = min(out.get(aid, first), first)
    return out


def trained_sample_ids(
    *, model: AnalyticsModel, interval: str, analysable_ids: Iterable[int]
) -> dict[int, set[int]]:
    """analysable id -> sample ids already used to train the model with `interval`."""
    out: dict[int, set[int]] = {}
    for aid, ids in TrainSample.objects.filter(
        model=model, interval=interval, analysableid__in=list(analysable_ids)
    ).values_list("analysableid", "sampleids"):
        out.setdefault(aid, set()).update(int(i) for i in ids)
    return out


def predicted_sample_ids(
    *, model: AnalyticsModel, interval: str, analysable_ids: Iterable[int]
) -> dict[tuple[int, int], set[int]]:
    """(analysable id, range index) -> sample ids already predicted."""
    out: dict[tuple[int, int], set[int]] = {}
    for aid, rangeindex, ids in PredictSample.objects.filter(
        model=model, interval=interval, analysableid__in=list(analysable_ids)
    ).values_list("analysableid", "rangeindex", "sampleids"):
        out.setdefault((aid, rangeindex), set()).update(int(i) for i in ids)
    return out


def train_samples_record(
    *, model: AnalyticsModel, interval: str, samples: dict[int, list[int]]
) -> None:
    """One row per analysable and run, as Moodle's analytics_train_samples."""
    TrainSample.objects.bulk_create(
        TrainSample(model=model, analysableid=aid, interval=interval, sampleids=ids)
        for aid, ids in samples.items()
        if ids
    )


def predict_samples_record(
    *, model: AnalyticsModel, interval: str, samples: dict[tuple[int, int], list[int]]
) -> None:
    """Append predicted sample ids to the (analysable, range) row, creating it."""
    if not samples:
        return
    with transaction.atomic():
        existing = {
            (row.analysableid, row.rangeindex): row
            for row in PredictSample.objects.select_for_update().filter(
                model=model,
                interval=interval,
                analysableid__in={aid for aid, _ in samples},
            )
        }
        new, changed = [], []
        for (aid, rangeindex), ids in samples.items():
            if not ids:
                continue
            row = existing.get((aid, rangeindex))
            if row is None:
                new.append(
                    PredictSample(
                        model=model,
                        analysableid=aid,
                        interval=interval,
                        rangeindex=rangeindex,
                        sampleids=sorted(ids),
                    )
                )
            else:
                row.sampleids = sorted(set(row.sampleids) | set(ids))
                changed.append(row)
        PredictSample.objects.bulk_create(new)
        PredictSample.objects.bulk_update(changed, ["sampleids"])
