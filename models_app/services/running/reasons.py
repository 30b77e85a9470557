"""Per-prediction reasons: the indicators that moved each prediction most.

Stored with each prediction (insights.Prediction.reasons) as
`{"method": ..., "items": [{"key": column, "weight": float}, ...]}`, largest
absolute weight first; a positive weight pushed towards the predicted class.

- A processor with a `reasons()` method (builtin) computes them from the fitted
  model: exact log-odds terms for linear models, the change in probability when the
  column is set to its training mean for any other estimator. Columns constant in
  the training set weigh 0 and never appear.
- Any other processor (an ML backend server: Moodle's protocol returns only the
  predicted class and its probability) is probed from the site: each column set to
  its mean over the samples predicted in this run (the site does not see the
  server's training data), one extra prediction request per column. This works for
  binary targets, where the probability of either class follows from the answer;
  for other targets, or when the server fails, the method is "none" and the pages
  say the server gave no reasons.

Range columns ("range/...") say where in the course a sample is, not something
about the student, so they are never stored as reasons.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from mlbackend.engine.dataset import Dataset, dataset_build
from mlbackend.engine.results import EngineError
from models_app.plugins.registry import indicator_measure

logger = logging.getLogger("models_app.running")

#: Measures kept per prediction, with every column of each (the page shows them
#: all, one reason per measure, and lists the top three).
MAX_REASONS = 10
NONE = "none"
SITE_PERTURBATION = "site_perturbation"


def _rows(data: Dataset, rows: list[int], ids: list[str] | None = None) -> Dataset:
    return dataset_build(
        features=data.features[rows],
        target_classes=list(data.target_classes),
        sample_ids=ids or [data.ids()[r] for r in rows],
        columns=list(data.columns),
        metadata=dict(data.metadata),
    )


def _items(weights: np.ndarray, columns: list[str]) -> list[dict[str, Any]]:
    ranked = sorted(
        (
            (column, float(weight))
            for column, weight in zip(columns, weights.tolist(), strict=True)
            if not column.startswith("range/") and abs(weight) > 1e-9
        ),
        key=lambda item: -abs(item[1]),
    )
    # The measures of the largest weights, each with all its columns: a reason
    # the page sums from an indicator and its classmates variant must not lose a
    # small partner to a cut by column.
    measures: set[str] = set()
    for column, _weight in ranked:
        measures.add(indicator_measure(column))
        if len(measures) == MAX_REASONS:
            break
    return [
        {"key": column, "weight": round(weight, 4)}
        for column, weight in ranked
        if indicator_measure(column) in measures
    ]


def _site_side(
    *,
    processor: Any,
    model_id: str,
    output_dir: Any,
    data: Dataset,
    rows: list[int],
    predicted: list[float],
) -> np.ndarray | None:
    """Weights probed through `processor.predict`, or None when not possible."""
    classes = list(data.target_classes)
    if len(classes) != 2:
        return None
    reference = data.features.mean(axis=0)
    constant = data.features.min(axis=0) == data.features.max(axis=0)
    wanted = np.asarray(predicted)

    def class_probability(moved: np.ndarray) -> np.ndarray:
        ids = [f"reason{k}" for k in range(moved.shape[0])]
        probe = dataset_build(
            features=moved,
            target_classes=classes,
            sample_ids=ids,
            columns=list(data.columns),
            metadata=dict(data.metadata),
        )
        result = processor.predict(
            model_id=model_id, dataset=probe, output_dir=output_dir
        )
        if not result.ok:
            raise EngineError("; ".join(result.info) or "prediction failed")
        answers = {p.sample_id: p for p in result.predictions}
        if set(answers) != set(ids):
            raise EngineError("the server did not answer every sample")
        out = np.empty(len(ids))
        for k, sample_id in enumerate(ids):
            answer = answers[sample_id]
            same = float(answer.prediction) == wanted[k]
            out[k] = float(answer.score) if same else 1.0 - float(answer.score)
        return out

    # Imported here: mlbackend.engine.trained loads scikit-learn, which pages and
    # commands that never compute reasons should not pay for.
    from mlbackend.engine.trained import perturbation_contributions

    return perturbation_contributions(
        class_probability=class_probability,
        features=data.features[rows],
        reference=reference,
        skip=constant,
    )


def reasons_compute(
    *,
    processor: Any,
    model_id: str,
    output_dir: Any,
    data: Dataset,
    rows: list[int],
    predicted: list[float],
    columns: list[str],
) -> dict[int, dict[str, Any]]:
    """Reasons for the given rows of `data` (the run's processor dataset), by row.

    `predicted` is each row's predicted class; `columns` are the site's column
    names (the dataset carries Moodle's). Never raises for a processor's failure:
    the prediction stands, with method "none".
    """
    if not rows:
        return {}
    weights: np.ndarray | None = None
    method = NONE
    try:
        if hasattr(processor, "reasons"):
            contributions = processor.reasons(
                model_id=model_id, dataset=_rows(data, rows), output_dir=output_dir
            )
            weights, method = contributions.weights, contributions.method
        else:
            weights = _site_side(
                processor=processor,
                model_id=model_id,
                output_dir=output_dir,
                data=data,
                rows=rows,
                predicted=predicted,
            )
            method = NONE if weights is None else SITE_PERTURBATION
    except EngineError as exc:
        logger.warning("No reasons for model %s: %s", model_id, exc.message)
        weights, method = None, NONE
    if weights is None:
        return {row: {"method": NONE, "items": []} for row in rows}
    return {
        row: {"method": method, "items": _items(weights[k], columns)}
        for k, row in enumerate(rows)
    }
