"""The stored form of a trained model: three files, none of them a pickle.

- `meta.json`: format, estimator key, seed, classes, column names, sample count.
- `estimator.skops`: the fitted pipeline in skops format, loaded only if every type it
  names is in `TRUSTED_TYPES` (an explicit list, checked before loading: skops then
  builds those objects without running arbitrary code).
- `training.npz`: the accumulated training samples, read with allow_pickle=False.

Export/import use the same files in a zip, validated member by member before anything
is read (names, count, sizes), so an upload cannot write outside its folder, exhaust
memory with a zip bomb, or smuggle in a pickle (Moodle's server unpickles uploads).
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib

import numpy as np
import sklearn
import skops.io

from mlbackend.engine.estimators import ESTIMATORS
from mlbackend.engine.results import EngineError
from mlbackend.engine.trained import IncrementalClassifier

FORMAT = "foresight-model"
FORMAT_VERSION = 1
META = "meta.json"
ESTIMATOR = "estimator.skops"
TRAINING = "training.npz"
MEMBERS = (META, ESTIMATOR, TRAINING)

#: Every type the pipelines of estimators.ESTIMATORS contain once fitted (skops lists
#: numpy and builtin types as trusted itself). Anything else refuses to load.
TRUSTED_TYPES = [
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.random.mtrand.RandomState",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.neural_network._multilayer_perceptron.MLPClassifier",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.utils._bunch.Bunch",
]


class BundleError(EngineError):
    """A stored or uploaded model that cannot be read safely."""


def bundle_from_classifier(classifier: IncrementalClassifier) -> dict[str, bytes]:
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": classifier.estimator,
        "random_state": classifier.random_state,
        "classes": classifier.classes_,
        "columns": classifier.columns_,
        "n_samples": int(classifier.labels_.shape[0]),
        "sklearn_version": sklearn.__version__,
    }
    training = io.BytesIO()
    np.savez(training, features=classifier.features_, labels=classifier.labels_)
    return {
        META: json.dumps(meta, indent=1).encode(),
        ESTIMATOR: skops.io.dumps(classifier.pipeline_),
        TRAINING: training.getvalue(),
    }


def classifier_from_bundle(files: dict[str, bytes]) -> IncrementalClassifier:
    """Rebuild a trained classifier; raises BundleError for anything unexpected."""
    missing = [name for name in MEMBERS if name not in files]
    if missing:
        raise BundleError(f"The model is incomplete: {', '.join(missing)} missing.")
    try:
        meta = json.loads(files[META])
    except (ValueError, UnicodeDecodeError):
        raise BundleError("The model's meta.json is not valid JSON.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BundleError(
            "This is not a Foresight model (Moodle's pickled models are not accepted: "
            "loading a pickle can run any code)."
        )
    if meta.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"Unsupported model format {meta.get('format_version')!r}.")
    if meta.get("estimator") not in ESTIMATORS:
        raise BundleError(f"Unknown estimator {meta.get('estimator')!r}.")
    try:
        untrusted = skops.io.get_untrusted_types(data=files[ESTIMATOR])
    except Exception:
        raise BundleError("The stored estimator is not a valid skops file.") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise BundleError(f"The stored estimator contains untrusted types: {refused}.")
    try:
        pipeline = skops.io.loads(files[ESTIMATOR], trusted=TRUSTED_TYPES)
        with np.load(io.BytesIO(files[TRAINING]), allow_pickle=False) as arrays:
            features = np.asarray(arrays["features"], dtype=np.float32)
            labels = np.asarray(arrays["labels"], dtype=np.int64)
    except Exception:
        raise BundleError("The stored model cannot be read.") from None
    if not hasattr(pipeline, "predict_proba"):
        raise BundleError("The stored estimator cannot predict probabilities.")
    classifier = IncrementalClassifier(
        estimator=meta["estimator"], random_state=int(meta.get("random_state", 0))
    )
    classifier.pipeline_ = pipeline
    classifier.features_ = features
    classifier.labels_ = labels
    classifier.classes_ = [int(c) for c in meta["classes"]]
    classifier.columns_ = [str(c) for c in meta["columns"]]
    if features.ndim != 2 or features.shape[0] != labels.shape[0]:
        raise BundleError("The stored training samples are inconsistent.")
    if features.shape[1] != len(classifier.columns_):
        raise BundleError("The stored training samples do not match the columns.")
    return classifier


def bundle_to_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return out.getvalue()


def zip_read_members(
    data: bytes,
    *,
    allowed: tuple[str, ...] | None = None,
    max_members: int = 64,
    max_total_bytes: int = 2 * 1024**3,
) -> dict[str, bytes]:
    """Read a zip's members after checking names and sizes; raises BundleError.

    Member names must be plain relative paths (no drive, no "..", no absolute path);
    with `allowed`, only those names are accepted. Sizes are checked from the
    directory first and then while reading, so a lying header cannot get past.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise BundleError("The file is not a valid zip archive.") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > max_members:
            raise BundleError(f"The zip has more than {max_members} files.")
        if sum(info.file_size for info in infos) > max_total_bytes:
            raise BundleError("The zip's content is larger than allowed.")
        members: dict[str, bytes] = {}
        budget = max_total_bytes
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if (
                name.startswith(("/", "\\"))
                or ":" in name
                or any(part in ("", ".", "..") for part in parts)
            ):
                raise BundleError(f"The zip member {name!r} has an unsafe path.")
            if allowed is not None and name not in allowed:
                raise BundleError(f"Unexpected file {name!r} in the zip.")
            try:
                with archive.open(info) as member:
                    content = member.read(budget + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
                raise BundleError(f"The zip member {name!r} is corrupted.") from None
            budget -= len(content)
            if budget < 0:
                raise BundleError("The zip's content is larger than allowed.")
            members[name] = content
    return members


def bundle_from_zip(data: bytes, *, max_total_bytes: int) -> dict[str, bytes]:
    """Validate an export zip and the model inside it; returns the bundle files."""
    files = zip_read_members(
        data, allowed=MEMBERS, max_members=len(MEMBERS), max_total_bytes=max_total_bytes
    )
    classifier_from_bundle(files)
    return files
