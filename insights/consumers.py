"""insights' side of a prediction run: store its predictions, then route them.

Registered by InsightsConfig.ready() as models_app's predictions consumer
(models_app/consumers.py), so models_app never imports insights. It runs inside the
run's transaction: predictions nobody was told about are rolled back with the run
and predicted again by the next one.
"""

from __future__ import annotations

from django.db import transaction

from insights.models import Prediction
from insights.services import insights_generate
from models_app.consumers import PredictionRecord
from models_app.models import AnalyticsModel


@transaction.atomic
def predictions_store(*, model: AnalyticsModel, records: list[PredictionRecord]) -> int:
    """Store `records` as predictions of `model` and generate their insights."""
    stored = Prediction.objects.bulk_create(
        [
            Prediction(
                model=model,
                context_id=r.context_id,
                sampleid=r.sampleid,
                rangeindex=r.rangeindex,
                prediction=r.prediction,
                predictionscore=r.predictionscore,
                calculations=r.calculations,
                reasons=r.reasons,
                timestart=r.timestart,
                timeend=r.timeend,
            )
            for r in records
        ],
        batch_size=500,
    )
    if stored:
        insights_generate(model=model, predictions=stored)
    return len(stored)
