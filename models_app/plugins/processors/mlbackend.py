"""The `mlbackend` processor: an ML backend server over HTTP (ours or Moodle's 3.0.5).

URL, user, password and TLS verification come from the analytics settings. As
Moodle's client does, the server-side folder of a model is named by `dirhash`, the
md5 of the local folder: `<output_dir>/<model_id>/execution` for the trained model,
`.../evaluation` for evaluations. Evaluation logs (graphs, metrics) are downloaded
into `<output_dir>/<model_id>/evaluation/<runid>/`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from mlbackend.engine.dataset import Dataset, dataset_from_csv
from mlbackend.engine.results import EngineError, Result
from mlbackend.engine.storage import tree_delete
from models_app.plugins.processors.client import MlbackendClient, MlbackendError
from models_app.plugins.processors.evaluation import EvaluatingProcessor

MAX_LOG_BYTES = 200 * 1024 * 1024


def _dirhash(folder: Path) -> str:
    return hashlib.md5(str(folder).encode(), usedforsecurity=False).hexdigest()


class MlbackendProcessor(EvaluatingProcessor):
    """Sends datasets in Moodle's CSV format to the configured ML backend server."""

    key = "mlbackend"
    label = _("ML backend server (Moodle's Python backend protocol)")

    def __init__(self, *, timeout: int = 3600) -> None:
        self.timeout = timeout

    @classmethod
    def for_model(cls, model: object) -> MlbackendProcessor:
        """The server chooses its own estimator: nothing of `model` applies."""
        return cls()

    def client(self) -> MlbackendClient:
        from settings_app.selectors import analytics_settings

        config = analytics_settings()
        return MlbackendClient(
            url=config.mlbackend_url,
            username=config.mlbackend_username,
            password=config.mlbackend_effective_password(),
            verify=config.mlbackend_verify_tls,
            timeout=self.timeout,
        )

    def is_ready(self) -> str | None:
        return self.client().ready()

    def train(
        self, *, model_id: str, dataset: Dataset | bytes, output_dir: Path
    ) -> Result:
        folder = self._model_dir(model_id, output_dir) / "execution"
        return self.client().train(
            uniqueid=model_id, dirhash=_dirhash(folder), dataset=dataset
        )

    def predict(
        self, *, model_id: str, dataset: Dataset | bytes, output_dir: Path
    ) -> Result:
        if isinstance(dataset, bytes):
            try:
                dataset = dataset_from_csv(dataset, labelled=False)
            except EngineError as exc:
                return Result(status=exc.status, info=[exc.message])
        folder = self._model_dir(model_id, output_dir) / "execution"
        return self.client().predict(
            uniqueid=model_id, dirhash=_dirhash(folder), dataset=dataset
        )

    def _evaluation_run(
        self,
        *,
        model_id: str,
        dataset: Dataset | bytes,
        output_dir: Path,
        min_score: float,
        max_deviation: float,
        n_iterations: int,
        trained_model: bool,
    ) -> tuple[Result, dict[str, bytes] | None]:
        model_dir = self._model_dir(model_id, output_dir)
        dirhash = _dirhash(model_dir / "evaluation")
        client = self.client()
        result = client.evaluate(
            uniqueid=model_id,
            dirhash=dirhash,
            dataset=dataset,
            min_score=min_score,
            max_deviation=max_deviation,
            n_iterations=n_iterations,
            trained_dirhash=(
                _dirhash(model_dir / "execution") if trained_model else None
            ),
        )
        if result.runid is None:
            return result, None
        # Imported here: mlbackend.engine.bundle loads scikit-learn and skops, which
        # the registry (it imports this class for its label) should not pay for.
        from mlbackend.engine.bundle import BundleError, zip_read_members

        data = client.evaluation_log(
            uniqueid=model_id, dirhash=dirhash, runid=result.runid
        )
        try:
            members = zip_read_members(
                data, max_members=10_000, max_total_bytes=MAX_LOG_BYTES
            )
        except BundleError as exc:
            result.info.append(f"The evaluation log could not be read: {exc.message}")
            return result, None
        # Moodle's server puts TensorBoard files in sub-folders: keep flat files.
        return result, {n: c for n, c in members.items() if "/" not in n}

    def export(self, *, model_id: str, output_dir: Path) -> bytes:
        folder = self._model_dir(model_id, output_dir) / "execution"
        return self.client().export(uniqueid=model_id, dirhash=_dirhash(folder))

    def import_(self, *, model_id: str, output_dir: Path, data: bytes) -> None:
        folder = self._model_dir(model_id, output_dir) / "execution"
        self.client().import_(uniqueid=model_id, dirhash=_dirhash(folder), data=data)

    def clear(self, *, model_id: str, output_dir: Path) -> None:
        self.client().delete(uniqueid=model_id)
        tree_delete(self._model_dir(model_id, output_dir))


__all__ = ["MlbackendError", "MlbackendProcessor"]
