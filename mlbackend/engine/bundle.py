"""The stored form of a trained model: three files, none of them a pickle.

- `meta.json`: format, estimator key, seed, classes, column names, sample count.
- `estimator.skops`: the fitted pipeline in skops format, loaded only if every type it
  names is in `TRUSTED_TYPES` (an explicit list, checked before loading: skops then
  builds those objects without running arbitrary code).
- `training.npz`: the accumulated training samples, read with allow_pickle=False.

Export/import use the same files in a zip, validated member by member before anything
is read (names, count, sizes), so an upload cannot write outside its folder, exhaust
memory with a zip bomb, or smuggle in a pickle (Moodle's server unpickles uploads).

Zip bombs: what a zip declares it holds is checked before anything is inflated,
against an absolute cap and against MAX_EXPANSION times the zip's own size; members
are then inflated in chunks with a running count, so no member can grow past what
its header declared. The two zips inside a bundle (`estimator.skops` and the npz)
and the arrays inside those (an npy header declares its shape) get the same checks
before skops or numpy read them. Every field of `meta.json` is checked for its type,
and the estimator must predict on the stored columns, so an import that is accepted
can be used.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
import zlib

import numpy as np
import sklearn
import skops.io

from mlbackend.engine.dataset import classes_check, json_strict
from mlbackend.engine.estimators import ESTIMATORS
from mlbackend.engine.results import DatasetError, EngineError
from mlbackend.engine.trained import IncrementalClassifier

FORMAT = "foresight-model"
FORMAT_VERSION = 1
META = "meta.json"
ESTIMATOR = "estimator.skops"
TRAINING = "training.npz"
MEMBERS = (META, ESTIMATOR, TRAINING)
#: How many times its own size a zip may declare to expand to. Real bundles measured
#: 1.1-12x (random or discrete indicator values) and 40-90x (a model whose columns
#: are nearly all zero); a deflate bomb reaches about 1000x.
MAX_EXPANSION = 200
#: Declared sizes up to this many bytes pass whatever the ratio (tiny zips).
EXPANSION_SLACK = 1024**2
_CHUNK = 1024**2

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


def _meta_check(content: bytes) -> dict:
    """meta.json as a dict whose every field has the expected type and range."""
    try:
        meta = json_strict(content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BundleError(
            "The model's meta.json is not valid UTF-8 JSON (or is nested too deeply)."
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise BundleError(
            "This is not a Foresight model (Moodle's pickled models are not accepted: "
            "loading a pickle can run any code)."
        )
    version = meta.get("format_version")
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise BundleError(f"Unsupported model format {_short(version)}.")
    estimator = meta.get("estimator")
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise BundleError(
            f"Unknown estimator {_short(estimator)} in meta.json; "
            f"choose one of {sorted(ESTIMATORS)}."
        )
    seed = meta.get("random_state", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise BundleError(
            f"random_state in meta.json must be an integer from 0 to 2**32 - 1, not "
            f"{_short(seed)}."
        )
    try:
        meta["classes"] = classes_check(meta.get("classes"), name="classes")
    except DatasetError as exc:
        raise BundleError(f"meta.json: {exc.message}") from None
    columns = meta.get("columns")
    if (
        not isinstance(columns, list)
        or not columns
        or not all(isinstance(c, str) for c in columns)
    ):
        raise BundleError("columns in meta.json must be a list of column names.")
    return meta


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def classifier_from_bundle(files: dict[str, bytes]) -> IncrementalClassifier:
    """Rebuild a trained classifier; raises BundleError for anything unexpected."""
    missing = [name for name in MEMBERS if name not in files]
    if missing:
        raise BundleError(f"The model is incomplete: {', '.join(missing)} missing.")
    meta = _meta_check(files[META])
    for name in (ESTIMATOR, TRAINING):
        nested_zip_check(files[name], name=name)
    try:
        untrusted = skops.io.get_untrusted_types(data=files[ESTIMATOR])
    except Exception:
        raise BundleError("The stored estimator is not a valid skops file.") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise BundleError(f"The stored estimator contains untrusted types: {refused}.")
    try:
        pipeline = skops.io.loads(files[ESTIMATOR], trusted=TRUSTED_TYPES)
    except Exception:
        raise BundleError("The stored estimator cannot be read.") from None
    try:
        with np.load(io.BytesIO(files[TRAINING]), allow_pickle=False) as arrays:
            features = np.asarray(arrays["features"], dtype=np.float32)
            labels = np.asarray(arrays["labels"], dtype=np.int64)
    except Exception:
        raise BundleError(
            "The stored training samples cannot be read (training.npz must hold "
            "numeric arrays 'features' and 'labels')."
        ) from None
    classes, columns = meta["classes"], [str(c) for c in meta["columns"]]
    if features.ndim != 2 or labels.ndim != 1 or features.shape[0] != labels.shape[0]:
        raise BundleError("The stored training samples are inconsistent.")
    if features.shape[1] != len(columns):
        raise BundleError("The stored training samples do not match the columns.")
    if not np.all(np.isfinite(features)):
        raise BundleError("The stored training samples are not all finite numbers.")
    if not set(np.unique(labels).tolist()) <= set(classes):
        raise BundleError("The stored training labels are not among the classes.")
    _pipeline_check(pipeline, classes=classes, n_columns=len(columns))
    classifier = IncrementalClassifier(
        estimator=meta["estimator"], random_state=int(meta.get("random_state", 0))
    )
    classifier.pipeline_ = pipeline
    classifier.features_ = features
    classifier.labels_ = labels
    classifier.classes_ = classes
    classifier.columns_ = columns
    return classifier


def _pipeline_check(pipeline: object, *, classes: list[int], n_columns: int) -> None:
    """The estimator must be fitted on these columns and predict these classes."""
    if not hasattr(pipeline, "predict_proba"):
        raise BundleError("The stored estimator cannot predict probabilities.")
    try:
        known = [int(c) for c in pipeline.classes_]
        proba = pipeline.predict_proba(np.zeros((1, n_columns)))
    except Exception:
        raise BundleError(
            f"The stored estimator cannot predict on the {n_columns} columns of "
            "meta.json (it is not fitted, or was fitted on other columns)."
        ) from None
    if set(known) != set(classes) or np.shape(proba) != (1, len(known)):
        raise BundleError(
            f"The stored estimator predicts the classes {known[:10]}, not those of "
            f"meta.json {classes[:10]}."
        )


def nested_zip_check(data: bytes, *, name: str) -> None:
    """Check a zip inside a bundle (skops file, npz) before a library inflates it.

    Declared sizes against MAX_EXPANSION times the member's size, and each npy
    array's declared shape against the bytes its member holds.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
        if name == ESTIMATOR:
            raise BundleError(
                "The stored estimator is not a valid skops file."
            ) from None
        raise BundleError(f"{name} is not a valid zip archive.") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise BundleError(f"{name} holds more than 10000 files.")
        declared = sum(info.file_size for info in infos)
        if declared > MAX_EXPANSION * len(data) + EXPANSION_SLACK:
            raise BundleError(
                f"{name} declares {declared} bytes for {len(data)}: it is larger "
                "than allowed."
            )
        for info in infos:
            if info.filename.endswith(".npy"):
                _npy_check(archive, info, name=name)


def _npy_check(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, name: str) -> None:
    where = f"{name}/{info.filename}"
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError("unsupported npy version")
    except Exception:
        raise BundleError(f"The array {where} is not a valid npy file.") from None
    if dtype.hasobject:
        raise BundleError(f"The array {where} holds Python objects.")
    if math.prod(shape) * dtype.itemsize > info.file_size:
        raise BundleError(
            f"The array {where} declares a shape {shape} larger than its data."
        )


#: Every member's time in a bundle zip: the same bundle is the same bytes whenever
#: it is zipped (an export compares equal to the last one; no clock in the file).
BUNDLE_TIME = (1980, 1, 1, 0, 0, 0)


def bundle_to_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            member = zipfile.ZipInfo(name, date_time=BUNDLE_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, files[name])
    return out.getvalue()


def zip_read_members(
    data: bytes,
    *,
    allowed: tuple[str, ...] | None = None,
    max_members: int = 64,
    max_total_bytes: int = 2 * 1024**3,
    max_expansion: int | None = None,
) -> dict[str, bytes]:
    """Read a zip's members after checking names and sizes; raises BundleError.

    Member names must be plain relative paths (no drive, no "..", no absolute path),
    each listed once; with `allowed`, only those names are accepted. The declared
    sizes must fit in `max_total_bytes` and, with `max_expansion`, in that many times
    the zip's size (plus EXPANSION_SLACK), before anything is inflated; members are
    then inflated in chunks against a running count, so a lying header cannot get
    past either.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
        raise BundleError("The file is not a valid zip archive.") from None
    if max_expansion is not None:
        max_total_bytes = min(
            max_total_bytes, max_expansion * len(data) + EXPANSION_SLACK
        )
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > max_members:
            raise BundleError(f"The zip has more than {max_members} files.")
        declared = sum(info.file_size for info in infos)
        if declared > max_total_bytes:
            raise BundleError(
                f"The zip's content ({declared} bytes declared for a zip of "
                f"{len(data)}) is larger than allowed ({max_total_bytes} bytes)."
            )
        members: dict[str, bytes] = {}
        budget = max_total_bytes
        for info in infos:
            name = info.filename
            _name_check(name, allowed=allowed)
            if name in members:
                raise BundleError(f"The zip lists {name!r} twice.")
            content = _inflate(archive, info, budget=budget)
            budget -= len(content)
            members[name] = content
    return members


def _name_check(name: str, *, allowed: tuple[str, ...] | None) -> None:
    parts = name.replace("\\", "/").split("/")
    if (
        name.startswith(("/", "\\"))
        or ":" in name
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise BundleError(f"The zip member {name!r} has an unsafe path.")
    if allowed is not None and name not in allowed:
        raise BundleError(f"Unexpected file {name!r} in the zip.")


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: int) -> bytes:
    """A member's content, read in chunks; never more than declared or `budget`."""
    limit = min(info.file_size, budget)
    content = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(min(_CHUNK, limit + 1 - len(content))):
                content += chunk
                if len(content) > limit:
                    raise BundleError("The zip's content is larger than allowed.")
    except (RuntimeError, NotImplementedError):
        raise BundleError(
            f"The zip member {info.filename!r} is encrypted or compressed with a "
            "method this server does not read: zip it again without a password, "
            "with deflate."
        ) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        raise BundleError(f"The zip member {info.filename!r} is corrupted.") from None
    return bytes(content)


def bundle_from_zip(
    data: bytes, *, max_total_bytes: int, max_expansion: int = MAX_EXPANSION
) -> dict[str, bytes]:
    """Validate an export zip and the model inside it; returns the bundle files.

    The zip may expand to at most `max_total_bytes` and `max_expansion` times its
    own size, checked from its directory before anything is inflated.
    """
    files = zip_read_members(
        data,
        allowed=MEMBERS,
        max_members=len(MEMBERS),
        max_total_bytes=max_total_bytes,
        max_expansion=max_expansion,
    )
    classifier_from_bundle(files)
    return files
