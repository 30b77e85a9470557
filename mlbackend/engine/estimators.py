"""The estimators on offer, each a scikit-learn Pipeline built from a seed.

- `logistic_regression` (the default): Moodle's built-in (PHP) processor's choice;
  scaled inputs, L2 penalty. Fast, stable, explains itself.
- `gradient_boosting`: HistGradientBoostingClassifier. Learns thresholds and
  interactions between indicators (e.g. "no activity after week 3"), needs no scaling.
- `neural_network`: a small MLP, the closest to Moodle's Python backend (a dense
  network with two hidden layers of max(8, n_features / 3) units).

`DEFAULT_ESTIMATOR` is logistic regression, chosen on the OULAD presentation with the
datasets Foresight's analysis builds (`python bench/quality.py`: every indicator, five
folds across the 383 students, predictions at 25% and 50% of the course, students
still enrolled then). ROC AUC at 25% / 50%, over quarters, quarters_accum and deciles:

    target              logistic regression       gradient boosting
    dropout             0.70-0.78 / 0.82-0.83     0.65-0.78 / 0.80-0.82
    grade to pass       0.74-0.81 / 0.83-0.84     0.75-0.78 / 0.79-0.82

Early predictions are the ones a teacher can act on, and there logistic regression is
better in 9 of 12 cases and within 0.01 in the other 3; it is also Moodle's own
built-in choice, the fastest to train, and explains itself. Gradient boosting (depth 3,
at least 30 rows per leaf: the 15-leaf trees used before overfitted these few hundred
students, 0.017 lower in ROC AUC on average and up to 0.035) stays the better choice on
raw weekly click counts late in a course (`python bench/processors.py --oulad`,
Moodle's 10 rounds of 80/20, weighted F1 at the end of quarters 1-4):

    logistic regression  0.686 (0.069)  0.750 (0.048)  0.808 (0.044)  0.881 (0.030)
    gradient boosting    0.676 (0.073)  0.762 (0.062)  0.840 (0.036)  0.921 (0.029)
    neural network       0.659 (0.065)  0.732 (0.045)  0.790 (0.039)  0.861 (0.038)
"""

from __future__ import annotations

from collections.abc import Callable

from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mlbackend.engine.results import EngineError


def _logistic_regression(*, random_state: int, n_features: int) -> Pipeline:
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("classify", LogisticRegression(max_iter=1000, random_state=random_state)),
        ]
    )


def _gradient_boosting(*, random_state: int, n_features: int) -> Pipeline:
    return Pipeline(
        [
            (
                "classify",
                HistGradientBoostingClassifier(
                    max_iter=200,
                    learning_rate=0.05,
                    max_depth=3,
                    min_samples_leaf=30,
                    l2_regularization=1.0,
                    early_stopping=True,
                    validation_fraction=0.1,
                    n_iter_no_change=10,
                    random_state=random_state,
                ),
            )
        ]
    )


def _neural_network(*, random_state: int, n_features: int) -> Pipeline:
    hidden = max(8, n_features // 3)
    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                MLPClassifier(
                    hidden_layer_sizes=(hidden, hidden),
                    alpha=1e-3,
                    learning_rate_init=0.01,
                    max_iter=300,
                    early_stopping=True,
                    validation_fraction=0.1,
                    n_iter_no_change=10,
                    random_state=random_state,
                ),
            ),
        ]
    )


ESTIMATORS: dict[str, Callable[..., Pipeline]] = {
    "logistic_regression": _logistic_regression,
    "gradient_boosting": _gradient_boosting,
    "neural_network": _neural_network,
}
ESTIMATOR_LABELS: dict[str, str] = {
    "logistic_regression": "Logistic regression",
    "gradient_boosting": "Gradient boosting",
    "neural_network": "Neural network (small MLP)",
}
DEFAULT_ESTIMATOR = "logistic_regression"


def estimator_build(*, key: str, random_state: int, n_features: int) -> Pipeline:
    """A fresh, unfitted pipeline for `key`; raises EngineError for an unknown key."""
    try:
        factory = ESTIMATORS[key]
    except KeyError:
        raise EngineError(
            f"Unknown estimator {key!r}; choose one of {sorted(ESTIMATORS)}."
        ) from None
    return factory(random_state=random_state, n_features=n_features)
