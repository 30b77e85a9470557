"""A trained model reads a dataset's columns by name: range means beside them are
left out, other columns must all be there."""

from __future__ import annotations

import numpy as np
import pytest

from mlbackend.engine.dataset import dataset_build
from mlbackend.engine.results import EngineError
from mlbackend.engine.trained import IncrementalClassifier
from tests.mlbackend.datasets import separable

NAMES = ["\\a\\indicator\\x", "\\a\\indicator\\y"]


def _trained() -> IncrementalClassifier:
    base = separable(100, n_features=2)
    named = dataset_build(
        features=base.features,
        labels=base.labels,
        target_classes=[0, 1],
        columns=NAMES,
    )
    return IncrementalClassifier(estimator="logistic_regression").train(named)


def _probe(columns: list[str], values: dict[str, np.ndarray]):
    return dataset_build(
        features=np.column_stack([values[c] for c in columns]),
        target_classes=[0, 1],
        sample_ids=[f"s{i}-0" for i in range(len(values[columns[0]]))],
        columns=columns,
    )


def test_columns_are_found_by_name_with_range_means_and_in_any_order():
    classifier = _trained()
    x, y = np.linspace(-1, 1, 8), np.linspace(1, -1, 8)
    values = {NAMES[0]: x, NAMES[1]: y, f"{NAMES[0]}/mean": np.full(8, 0.5)}
    plain = classifier.predict(_probe(NAMES, values))
    full = [NAMES[1], f"{NAMES[0]}/mean", NAMES[0]]
    assert classifier.predict(_probe(full, values)) == plain
    assert classifier.check_compatible(_probe(full, values)).columns == NAMES


def test_a_missing_column_or_an_extra_indicator_is_refused_by_name():
    classifier = _trained()
    values = {name: np.zeros(3) for name in [*NAMES, "\\other", f"{NAMES[1]}/mean"]}
    with pytest.raises(EngineError, match=r"lacks 1 of the 2 columns.*indicator\\x"):
        classifier.check_compatible(_probe([NAMES[1], f"{NAMES[1]}/mean"], values))
    with pytest.raises(EngineError, match="has 3 feature columns"):
        classifier.check_compatible(_probe([*NAMES, "\\other"], values))
