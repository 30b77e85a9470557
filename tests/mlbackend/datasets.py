"""Datasets whose evaluation answer is known, shared by the processor and server tests."""

from __future__ import annotations

import numpy as np

from mlbackend.engine.dataset import Dataset, dataset_build

MOODLE_LABELLED = b"""timesplitting,nfeatures,moodleversion,targetcolumn,targettype,targetclasses
"\\core\\analytics\\time_splitting\\no_splitting",3,2022041900,"\\core_course\\analytics\\target\\course_dropout",discrete,"[0,1]"
"\\core\\analytics\\indicator\\any_write_action_in_course","\\core\\analytics\\indicator\\read_actions","\\mod_assign\\analytics\\indicator\\cognitive_depth","\\core_course\\analytics\\target\\course_dropout"
-0.7313,0.6949,-1,0
-0.4899,-0.0091,0.5,1
-0.0555,-0.2408,-0.5,1
"""

MOODLE_UNLABELLED = b"""timesplitting,nfeatures,moodleversion,targetcolumn,targettype,targetclasses
"\\core\\analytics\\time_splitting\\no_splitting",3,2022041900,"\\core_course\\analytics\\target\\course_dropout",discrete,"[0,1]"
sampleid,"\\core\\analytics\\indicator\\any_write_action_in_course","\\core\\analytics\\indicator\\read_actions","\\mod_assign\\analytics\\indicator\\cognitive_depth"
1000-0,0.9121,0.8957,-1
1001-0,-0.8168,-0.2779,-0.5
"""


def separable(n: int = 300, *, seed: int = 0, n_features: int = 3) -> Dataset:
    """Class 1 exactly when the first column is positive, with a wide margin."""
    rng = np.random.default_rng(seed)
    features = rng.uniform(-1, 1, size=(n, n_features))
    features[:, 0] = np.where(features[:, 0] >= 0, 0.3, -0.3) + 0.7 * features[:, 0]
    labels = (features[:, 0] > 0).astype(int)
    return dataset_build(features=features, labels=labels, target_classes=[0, 1])


def noise(n: int = 300, *, seed: int = 0) -> Dataset:
    """Labels independent of the features: nothing can be learnt."""
    rng = np.random.default_rng(seed)
    return dataset_build(
        features=rng.uniform(-1, 1, size=(n, 4)),
        labels=rng.integers(0, 2, size=n),
        target_classes=[0, 1],
    )


def unlabelled(dataset: Dataset, *, prefix: str = "s") -> Dataset:
    return dataset_build(
        features=dataset.features,
        target_classes=dataset.target_classes,
        sample_ids=[f"{prefix}{i}-0" for i in range(dataset.n_samples)],
        columns=dataset.columns,
    )
