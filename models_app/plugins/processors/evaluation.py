"""What both processors share: the model's local folder, and Moodle's evaluation
with its files kept under `<output_dir>/<model_id>/evaluation/<runid>/`.

The built-in processor evaluates in process, the ML backend processor asks its
server and downloads the run's log; either way the run's files (graphs,
metrics.json, info.log) land in the same place in the same way, through
`EvaluatingProcessor.evaluate`.
"""

from __future__ import annotations

import errno
import time
from pathlib import Path
from typing import Any

from mlbackend.engine.results import Result
from mlbackend.engine.storage import files_write_atomically, identifier_check
from models_app.plugins.base import Processor


class EvaluatingProcessor(Processor):
    """A processor whose evaluations keep their files in the model's folder."""

    def _model_dir(self, model_id: str, output_dir: Path) -> Path:
        return Path(output_dir) / identifier_check(model_id, name="model id")

    def evaluate(
        self,
        *,
        model_id: str,
        dataset: Any,
        output_dir: Path,
        min_score: float = 0.7,
        max_deviation: float = 0.05,
        n_iterations: int = 10,
        trained_model: bool = False,
    ) -> Result:
        folder = self._model_dir(model_id, output_dir) / "evaluation"
        result, files = self._evaluation_run(
            model_id=model_id,
            dataset=dataset,
            output_dir=output_dir,
            min_score=min_score,
            max_deviation=max_deviation,
            n_iterations=n_iterations,
            trained_model=trained_model,
        )
        if files is None:
            return result
        result.runid = evaluation_files_keep(folder, files, runid=result.runid)
        result.dir = str(folder / str(result.runid))
        return result

    def _evaluation_run(
        self,
        *,
        model_id: str,
        dataset: Any,
        output_dir: Path,
        min_score: float,
        max_deviation: float,
        n_iterations: int,
        trained_model: bool,
    ) -> tuple[Result, dict[str, bytes] | None]:
        """The evaluation's result and the files to keep (None: nothing to keep,
        the result says why)."""
        raise NotImplementedError


def evaluation_files_keep(
    folder: Path, files: dict[str, bytes], *, runid: int | None
) -> int:
    """Write a run's files atomically to `folder/<runid>/`; returns the runid.

    A run id given by a server names one run: when it is kept already (downloaded
    before), it stays as it is. Without one, the run is named by the clock in
    milliseconds, the next free number when two runs share a millisecond.
    """
    if runid is not None:
        runid = int(runid)
        if not (folder / str(runid)).exists():
            files_write_atomically(folder / str(runid), files)
        return runid
    runid = time.time_ns() // 1_000_000
    while True:
        try:
            files_write_atomically(folder / str(runid), files)
            return runid
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            runid += 1
