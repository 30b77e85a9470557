"""Where a prediction run's confident predictions go: a consumer registered from above.

Apps depend downwards (insights -> models_app), so models_app never imports the app
that stores predictions and tells people about them. That app (insights) registers
its consumer here from its AppConfig.ready(). A prediction run hands the consumer
its predictions inside the run's transaction: a consumer that raises rolls the
whole run back (nothing stored, the samples are not recorded as predicted), the run
fails with the error in the model's log, and the next run predicts them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """One confident prediction, as Moodle's analytics_predictions row holds it."""

    context_id: int
    sampleid: int
    rangeindex: int
    prediction: float
    predictionscore: float
    #: Indicator column -> value (None for "no value"), plus what the target adds.
    calculations: dict[str, Any]
    #: Per-prediction reasons from the model (reasons.py), {} when there are none.
    reasons: dict[str, Any]
    timestart: int
    timeend: int


#: (model=AnalyticsModel, records=list[PredictionRecord]) -> how many were stored.
PredictionsConsumer = Callable[..., int]

_consumer: list[PredictionsConsumer] = []


class NoPredictionsConsumer(RuntimeError):
    """No installed app stores predictions: a run must not drop them silently."""


def predictions_consumer_register(func: PredictionsConsumer) -> None:
    """Install the consumer of stored predictions; registering again replaces it."""
    _consumer[:] = [func]


def predictions_consume(*, model: Any, records: list[PredictionRecord]) -> int:
    """Hand `records` of `model` to the registered consumer; how many it stored."""
    if not _consumer:
        raise NoPredictionsConsumer(
            _(
                "No installed app stores predictions. Add insights to "
                "INSTALLED_APPS, then run the prediction again."
            )
        )
    return int(_consumer[0](model=model, records=records))
